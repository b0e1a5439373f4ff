r"""The GAN's minimax game, written on the discriminator's logits.

D outputs a logit $\ell$; its probability that the input is real is $D = \sigma(\ell)$.
The value function of the game is

$$V(D, G) = \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]$$

D ascends $V$, G descends it: $\min_G \max_D V(D, G)$. Since
$\log \sigma(\ell) = \mathrm{logsigmoid}(\ell)$ and $\log(1 - \sigma(\ell)) = \mathrm{logsigmoid}(-\ell)$,
every term below is computed stably from logits.
"""
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ganlab.activations import log_sigmoid, relu, sigmoid, sigmoid_backward
from ganlab.losses import bce, bce_backward, bce_with_logits, bce_with_logits_backward


def value(logits_real, logits_fake):
    r"""$\hat V = \frac{1}{B}\sum \log D(x) + \frac{1}{B}\sum \log(1 - D(G(z)))$.

    ``logits_real`` are D's logits on real images x, ``logits_fake`` on G(z).
    """
    return log_sigmoid(logits_real).mean() + log_sigmoid(-logits_fake).mean()


def d_loss(logits_real, logits_fake, real_label=1.0):
    r"""What D minimizes: $\mathrm{BCE}(D(x), 1) + \mathrm{BCE}(D(G(z)), 0)$, which equals $-\hat V$.

    With ``real_label`` below 1 (one-sided label smoothing) the real images' target is
    that number instead of 1. The GAN step's BCE game is this loss, term by term.
    """
    return bce_real(logits_real, real_label) + bce_fake(logits_fake)


def g_loss_saturating(logits_fake):
    r"""$\mathbb{E}_z[\log(1 - D(G(z)))] = -\mathrm{BCE}(D(G(z)), 0)$, minimized: G's term of $V$ as written.

    When D confidently rejects the fakes ($D(G(z)) \to 0$) this curve is flat, so
    G learns almost nothing early in training: it *saturates*.
    """
    return -bce_fake(logits_fake)


def g_loss_non_saturating(logits_fake):
    r"""$-\mathbb{E}_z[\log D(G(z))] = \mathrm{BCE}(D(G(z)), 1)$, minimized: "maximize $\log D(G(z))$" instead.

    Same fixed point as the saturating form, but steep exactly where D rejects the
    fakes: train G against the label "real".
    """
    return bce_with_logits(logits_fake, 1.0)


# ---- the games a GAN can play, each term on D's logits, each beside its gradient ---------
#
# A D loss is a "real" term on D's logits for real images plus a "fake" term on its logits
# for fakes; the G loss is one term on D's logits for G's images. Each term is a mean over
# the batch, so each gradient carries the 1/N of that mean. The manual backend uses the
# gradients; autograd differentiates the terms themselves.

def bce_real(logits, real_label=1.0):
    r"""$\mathrm{BCE}(\sigma(\ell), y)$ with $y$ = ``real_label``: the D term for real images."""
    return bce_with_logits(logits, real_label)


def bce_fake(logits):
    r"""$\mathrm{BCE}(\sigma(\ell), 0) = -\frac1N\sum\log(1 - \sigma(\ell))$: the D term for fakes."""
    return bce_with_logits(logits, 0.0)


def bce_on_probabilities(target):
    r"""$\mathrm{BCE}(\sigma(\ell), y)$ as the classic GAN computes it: the sigmoid, then BCE on $p$,
    and its gradient $\frac{\partial \mathrm{BCE}}{\partial p}\,\sigma'(\ell)$ (numerically fragile, ``ganlab.losses``)."""
    def loss(logits):
        return bce(sigmoid(logits), target)

    def grad(logits):
        p = sigmoid(logits)
        return sigmoid_backward(p, bce_backward(p, target))
    return loss, grad


def bce_on_logits(target):
    r"""$\mathrm{BCE}(\sigma(\ell), y)$ on logits, and its gradient $(\sigma(\ell) - y)/N$."""
    return (lambda logits: bce_with_logits(logits, target)), (lambda logits: bce_with_logits_backward(logits, target))


def lsgan_real(logits):
    r"""LSGAN (Mao et al. 2017), D on reals: $\frac12\,\mathbb{E}[(D(x) - 1)^2]$, with $D$ the raw score $\ell$."""
    return 0.5 * (logits - 1).square().mean()


def lsgan_real_grad(logits):
    return (logits - 1) / logits.numel()                # d/dℓ ½(ℓ - 1)²


def lsgan_fake(logits):
    r"""LSGAN, D on fakes: $\frac12\,\mathbb{E}[D(G(z))^2]$, pulling the fakes' scores to 0."""
    return 0.5 * logits.square().mean()


def lsgan_fake_grad(logits):
    return logits / logits.numel()                      # d/dℓ ½ℓ²


def lsgan_g(logits):
    r"""LSGAN, G: $\frac12\,\mathbb{E}[(D(G(z)) - 1)^2]$. Its gradient grows with the distance from
    the "real" score, so it does not vanish when D rejects the fakes confidently."""
    return 0.5 * (logits - 1).square().mean()


def hinge_real(logits):
    r"""Hinge loss, D on reals: $\mathbb{E}[\max(0, 1 - D(x))]$: no push once a real scores above 1."""
    return relu(1 - logits).mean()


def hinge_real_grad(logits):
    return -(logits < 1).to(logits.dtype) / logits.numel()     # d/dℓ max(0, 1 - ℓ)


def hinge_fake(logits):
    r"""Hinge loss, D on fakes: $\mathbb{E}[\max(0, 1 + D(G(z)))]$: no push once a fake scores below -1."""
    return relu(1 + logits).mean()


def hinge_fake_grad(logits):
    return (logits > -1).to(logits.dtype) / logits.numel()     # d/dℓ max(0, 1 + ℓ)


def wasserstein_real(logits):
    r"""Wasserstein critic on reals: $-\mathbb{E}[D(x)]$ (the critic maximizes $\mathbb{E}[D(x)] - \mathbb{E}[D(G(z))]$)."""
    return -logits.mean()


def wasserstein_fake(logits):
    r"""Wasserstein critic on fakes: $\mathbb{E}[D(G(z))]$."""
    return logits.mean()


def score_g(logits):
    r"""G's loss for hinge and Wasserstein GANs: $-\mathbb{E}[D(G(z))]$, raise the fakes' score."""
    return -logits.mean()


def minus_one_over_n(logits):
    return torch.full_like(logits, -1 / logits.numel())         # d/dℓ (-mean ℓ)


def one_over_n(logits):
    return torch.full_like(logits, 1 / logits.numel())          # d/dℓ mean ℓ


def raw_score(logits):
    """A score that is not a probability (LSGAN, hinge, Wasserstein): the log shows it as it is."""
    return logits


@dataclass(frozen=True)
class Game:
    r"""One way to play: D's loss on its logits for real and for fake images, G's loss, and
    each one's gradient $\partial/\partial\ell$, written by hand for the manual backend.

    $$\mathcal{L}_D = \text{real}(\ell_{\text{real}}) + \text{fake}(\ell_{\text{fake}}), \qquad
      \mathcal{L}_G = \text{g}(\ell_{\text{fake}})$$

    ``prob`` is what the log calls D(x): σ(ℓ), a probability, for BCE; the raw score ℓ for the others.
    """
    real: Callable
    real_grad: Callable
    fake: Callable
    fake_grad: Callable
    g: Callable
    g_grad: Callable
    prob: Callable = raw_score


def bce_game(real_label=1.0, stable=True, g_loss="non_saturating"):
    r"""The minimax game of the GAN paper, on logits (``stable``) or on probabilities (the classic
    recipe), with the real images' target ``real_label`` and G's loss non-saturating or saturating."""
    on = bce_on_logits if stable else bce_on_probabilities
    real, real_grad = on(real_label)
    fake, fake_grad = on(0.0)
    if g_loss == "non_saturating":                          # BCE(D(G(z)), 1) = -E[log D(G(z))]
        g, g_grad = (g_loss_non_saturating, on(1.0)[1]) if stable else on(1.0)
    else:                                                   # -BCE(D(G(z)), 0) = E[log(1 - D(G(z)))]
        g = g_loss_saturating if stable else (lambda logits: -fake(logits))
        g_grad = lambda logits: -fake_grad(logits)          # noqa: E731
    return Game(real, real_grad, fake, fake_grad, g, g_grad, prob=sigmoid)


# The games by name, each written once: a new loss is one entry here (and its test). BCE is the
# only one with settings (``bce_game``); the others are the same game whatever the recipe.
GAMES = {
    "bce": bce_game,
    "lsgan": Game(lsgan_real, lsgan_real_grad, lsgan_fake, lsgan_fake_grad, lsgan_g, lsgan_real_grad),
    "hinge": Game(hinge_real, hinge_real_grad, hinge_fake, hinge_fake_grad, score_g, minus_one_over_n),
    "wgan-gp": Game(wasserstein_real, minus_one_over_n, wasserstein_fake, one_over_n, score_g, minus_one_over_n),
}
G_LOSSES = ("non_saturating", "saturating")


def make_game(loss="bce", real_label=1.0, stable=True, g_loss="non_saturating"):
    """The game named ``loss``; BCE takes the real images' target, stability and G's loss."""
    if loss not in GAMES:
        raise ValueError(f"unknown loss {loss!r}: choose one of {', '.join(GAMES)}")
    if g_loss not in G_LOSSES:
        raise ValueError(f"unknown generator loss {g_loss!r}: choose one of {', '.join(G_LOSSES)}")
    return bce_game(real_label, stable, g_loss) if loss == "bce" else GAMES[loss]

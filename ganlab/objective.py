r"""The GAN's minimax game, written on the discriminator's logits.

D outputs a logit $\ell$; its probability that the input is real is $D = \sigma(\ell)$.
The value function of the game is

$$V(D, G) = \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]$$

D ascends $V$, G descends it: $\min_G \max_D V(D, G)$. Since
$\log \sigma(\ell) = \mathrm{logsigmoid}(\ell)$ and $\log(1 - \sigma(\ell)) = \mathrm{logsigmoid}(-\ell)$,
every term below is computed stably from logits.
"""
import torch

from ganlab.activations import log_sigmoid, relu, sigmoid, sigmoid_backward
from ganlab.losses import bce, bce_backward, bce_with_logits, bce_with_logits_backward


def value(logits_real, logits_fake):
    r"""$\hat V = \frac{1}{B}\sum \log D(x) + \frac{1}{B}\sum \log(1 - D(G(z)))$.

    ``logits_real`` are D's logits on real images x, ``logits_fake`` on G(z).
    """
    return log_sigmoid(logits_real).mean() + log_sigmoid(-logits_fake).mean()


def d_loss(logits_real, logits_fake):
    r"""The discriminator minimizes $-V$: equal to BCE(D(x), 1) + BCE(D(G(z)), 0)."""
    return -value(logits_real, logits_fake)


def g_loss_saturating(logits_fake):
    r"""$\mathbb{E}_z[\log(1 - D(G(z)))]$, minimized: the generator's term of $V$ as written.

    When D confidently rejects the fakes ($D(G(z)) \to 0$) this curve is flat, so
    G learns almost nothing early in training: it *saturates*.
    """
    return log_sigmoid(-logits_fake).mean()


def g_loss_non_saturating(logits_fake):
    r"""$-\mathbb{E}_z[\log D(G(z))]$, minimized: "maximize $\log D(G(z))$" instead.

    Same fixed point as the saturating form, but steep exactly where D rejects the
    fakes. It equals BCE(D(G(z)), 1): train G against the label "real".
    """
    return -log_sigmoid(logits_fake).mean()


# ---- the losses a GAN can be trained with, each on D's logits, each with its gradient ----
#
# A D loss is a "real" term on D's logits for real images plus a "fake" term on its logits
# for fakes; the G loss is one term on D's logits for G's images. Each term is a mean over
# the batch, so each gradient below carries the 1/N of that mean. The manual backend uses
# the gradients; autograd differentiates the terms themselves.

def bce_real(logits, real_label=1.0):
    r"""$\mathrm{BCE}(\sigma(\ell), y)$ with $y$ = ``real_label``: the D term for real images."""
    return bce_with_logits(logits, real_label)


def bce_fake(logits):
    r"""$\mathrm{BCE}(\sigma(\ell), 0) = -\frac1N\sum\log(1 - \sigma(\ell))$: the D term for fakes."""
    return bce_with_logits(logits, 0.0)


def lsgan_real(logits):
    r"""LSGAN (Mao et al. 2017), D on reals: $\frac12\,\mathbb{E}[(D(x) - 1)^2]$, with $D$ the raw score $\ell$."""
    return 0.5 * (logits - 1).square().mean()


def lsgan_fake(logits):
    r"""LSGAN, D on fakes: $\frac12\,\mathbb{E}[D(G(z))^2]$, pulling the fakes' scores to 0."""
    return 0.5 * logits.square().mean()


def lsgan_g(logits):
    r"""LSGAN, G: $\frac12\,\mathbb{E}[(D(G(z)) - 1)^2]$. Its gradient grows with the distance from
    the "real" score, so it does not vanish when D rejects the fakes confidently."""
    return 0.5 * (logits - 1).square().mean()


def hinge_real(logits):
    r"""Hinge loss, D on reals: $\mathbb{E}[\max(0, 1 - D(x))]$: no push once a real scores above 1."""
    return relu(1 - logits).mean()


def hinge_fake(logits):
    r"""Hinge loss, D on fakes: $\mathbb{E}[\max(0, 1 + D(G(z)))]$: no push once a fake scores below -1."""
    return relu(1 + logits).mean()


def wasserstein_real(logits):
    r"""Wasserstein critic on reals: $-\mathbb{E}[D(x)]$ (the critic maximizes $\mathbb{E}[D(x)] - \mathbb{E}[D(G(z))]$)."""
    return -logits.mean()


def wasserstein_fake(logits):
    r"""Wasserstein critic on fakes: $\mathbb{E}[D(G(z))]$."""
    return logits.mean()


def score_g(logits):
    r"""G's loss for hinge and Wasserstein GANs: $-\mathbb{E}[D(G(z))]$, raise the fakes' score."""
    return -logits.mean()


LOSSES = ("bce", "lsgan", "hinge", "wgan-gp")


class Objective:
    r"""The D and G losses a GAN step minimizes, on D's logits $\ell$, and their gradients $\partial/\partial\ell$.

    ``kind``: ``"bce"`` (the minimax game), ``"lsgan"``, ``"hinge"`` or ``"wgan-gp"`` (the
    Wasserstein critic; its gradient penalty lives in ``ganlab.penalties``). For BCE,
    ``real_label`` is the target for real images (0.9 = one-sided label smoothing),
    ``stable`` computes it on logits (False: sigmoid, then BCE on probabilities, as the
    classic recipe does), and ``g_loss`` is ``"non_saturating"`` or ``"saturating"``.

    $$\mathcal{L}_D = \text{real}(\ell_{\text{real}}) + \text{fake}(\ell_{\text{fake}}), \qquad
      \mathcal{L}_G = \text{g}(\ell_{\text{fake}})$$
    """

    def __init__(self, kind="bce", real_label=1.0, stable=True, g_loss="non_saturating"):
        if kind not in LOSSES:
            raise ValueError(f"unknown loss {kind!r}: choose one of {', '.join(LOSSES)}")
        if g_loss not in ("non_saturating", "saturating"):
            raise ValueError(f"unknown generator loss {g_loss!r}")
        self.kind, self.real_label, self.stable, self.g_kind = kind, real_label, stable, g_loss

    def _bce(self, logits, target):
        return bce_with_logits(logits, target) if self.stable else bce(sigmoid(logits), target)

    def _bce_grad(self, logits, target):
        if self.stable:
            return bce_with_logits_backward(logits, target)
        p = sigmoid(logits)
        return sigmoid_backward(p, bce_backward(p, target))

    def real(self, logits):
        """D's loss on its logits for real images (B, 1)."""
        if self.kind == "bce":
            return self._bce(logits, self.real_label)
        return {"lsgan": lsgan_real, "hinge": hinge_real, "wgan-gp": wasserstein_real}[self.kind](logits)

    def fake(self, logits):
        """D's loss on its logits for fake images (B, 1): it wants to reject them."""
        if self.kind == "bce":
            return self._bce(logits, 0.0)
        return {"lsgan": lsgan_fake, "hinge": hinge_fake, "wgan-gp": wasserstein_fake}[self.kind](logits)

    def g(self, logits):
        """G's loss on D's logits for G's images (B, 1): it wants them taken for real."""
        if self.kind == "bce":
            if self.g_kind == "non_saturating":
                return self._bce(logits, 1.0)             # -E[log D(G(z))]
            return -self._bce(logits, 0.0)                # E[log(1 - D(G(z)))]
        return lsgan_g(logits) if self.kind == "lsgan" else score_g(logits)

    # ---- the same three, differentiated by hand with respect to the logits ---------------
    def real_grad(self, logits):
        n = logits.numel()
        if self.kind == "bce":
            return self._bce_grad(logits, self.real_label)
        if self.kind == "lsgan":
            return (logits - 1) / n                        # d/dℓ ½(ℓ - 1)²
        if self.kind == "hinge":
            return -(logits < 1).to(logits.dtype) / n      # d/dℓ max(0, 1 - ℓ)
        return torch.full_like(logits, -1 / n)             # d/dℓ (-ℓ)

    def fake_grad(self, logits):
        n = logits.numel()
        if self.kind == "bce":
            return self._bce_grad(logits, 0.0)
        if self.kind == "lsgan":
            return logits / n                              # d/dℓ ½ℓ²
        if self.kind == "hinge":
            return (logits > -1).to(logits.dtype) / n      # d/dℓ max(0, 1 + ℓ)
        return torch.full_like(logits, 1 / n)              # d/dℓ ℓ

    def g_grad(self, logits):
        n = logits.numel()
        if self.kind == "bce":
            if self.g_kind == "non_saturating":
                return self._bce_grad(logits, 1.0)
            return -self._bce_grad(logits, 0.0)
        if self.kind == "lsgan":
            return (logits - 1) / n
        return torch.full_like(logits, -1 / n)             # d/dℓ (-ℓ)

    def prob(self, logits):
        """What the log calls D(x): σ(ℓ), a probability, for BCE; the raw score ℓ for the others."""
        return sigmoid(logits) if self.kind == "bce" else logits

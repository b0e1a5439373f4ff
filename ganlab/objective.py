r"""The GAN's minimax game, written on the discriminator's logits.

D outputs a logit $\ell$; its probability that the input is real is $D = \sigma(\ell)$.
The value function of the game is

$$V(D, G) = \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]$$

D ascends $V$, G descends it: $\min_G \max_D V(D, G)$. Since
$\log \sigma(\ell) = \mathrm{logsigmoid}(\ell)$ and $\log(1 - \sigma(\ell)) = \mathrm{logsigmoid}(-\ell)$,
every term below is computed stably from logits.
"""
from ganlab.activations import log_sigmoid


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

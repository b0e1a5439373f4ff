r"""Exercise 4 — D's loss and G's non-saturating loss, from D's logits (lesson 8)

Write the bodies of the two functions below, then grade them: run this file, or
`ganlab check 4 <this file>`. Each is checked against torch's BCE in float64, also for
logits of ±1000, where D is certain.

D outputs a logit ℓ; its probability "real" is D = σ(ℓ). The game's value is

    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

and the two identities that keep everything finite:

    log σ(ℓ) = -softplus(-ℓ)          log(1 - σ(ℓ)) = -softplus(ℓ)

where softplus(t) = log(1 + e^t) (torch.nn.functional.softplus, stable for any t).
"""
import torch
import torch.nn.functional as F


def d_loss(logits_real, logits_fake):
    r"""D ascends V, so it minimizes -V = BCE(D(x), 1) + BCE(D(G(z)), 0)

        L_D = mean softplus(-ℓ_real) + mean softplus(ℓ_fake)

    logits_real: (B, 1) D's logits on real images; logits_fake: (B, 1) on G's images.
    returns a 0-dim tensor.

    Hint: each term is a mean over its own batch; the loss is their sum.
    """
    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()


def g_loss(logits_fake):
    r"""G's non-saturating loss: maximize log D(G(z)), that is minimize

        L_G = -mean log σ(ℓ_fake) = mean softplus(-ℓ_fake) = BCE(D(G(z)), 1)

    logits_fake: (B, 1) D's logits on G's images. returns a 0-dim tensor.

    Hint: G trains its fakes against the label "real", 1.
    """
    return F.softplus(-logits_fake).mean()


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(4, __file__))

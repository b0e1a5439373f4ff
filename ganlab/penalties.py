r"""Gradient penalties: keep D's answer from changing too steeply around the images it sees.

A D that wins can make its score jump between a real digit and a fake one next to it;
G then gets huge, uninformative gradients and the game oscillates. Both penalties add
to D's loss a term on $\nabla_x D(x)$, the gradient of D's logit with respect to its
*input*:

- **R1** (Mescheder et al. 2018), on real images: $\frac{\gamma}{2}\,\mathbb{E}_x\big[\lVert\nabla_x D(x)\rVert^2\big]$.
  At the equilibrium (G draws the data, D is constant) this gradient is zero: R1
  penalizes D for moving away from it. *Lazy* R1 (StyleGAN2) adds it only every
  $k$ steps, scaled by $k$, which costs $1/k$ as much for about the same effect.
- **WGAN-GP** (Gulrajani et al. 2017), on points $\hat x = \epsilon x + (1 - \epsilon) G(z)$
  between real and fake, $\epsilon \sim \mathcal{U}(0, 1)$ per image:
  $\lambda\,\mathbb{E}_{\hat x}\big[(\lVert\nabla_{\hat x} D(\hat x)\rVert - 1)^2\big]$,
  which keeps the Wasserstein critic close to 1-Lipschitz.

Both are differentiated once to get $\nabla_x D$ and again, with respect to D's
weights, to train D on the penalty: a *second* derivative. ``create_graph=True`` asks
autograd to record the first backward pass so it can be differentiated in turn. The
manual backend writes only first derivatives and refuses these penalties.
"""
import torch

from ganlab.random_numbers import random_numbers


def input_gradient(logits, x):
    r"""$\nabla_x \sum_i \ell_i$ (B, features): each image's gradient of its own logit, kept differentiable.

    Each logit depends only on its own image (no batch-wide layer), so the gradient of
    their sum with respect to ``x`` holds every image's own gradient in its row.
    """
    return torch.autograd.grad(logits.sum(), x, create_graph=True)[0]


def r1_penalty(logits_real, x_seen, gamma):
    r"""$\frac{\gamma}{2}\,\frac1B\sum_i \lVert\nabla_{x_i} D(x_i)\rVert^2$ for the B real images.

    ``x_seen``: the images D was shown, real ones first (it may hold the fakes after
    them, when D judged both in one pass); it must require grad. ``logits_real``: D's
    logits (B, 1) for the reals.
    """
    grad = input_gradient(logits_real, x_seen)[:len(logits_real)]   # (B, 784)
    return gamma / 2 * grad.square().sum(dim=1).mean()


def gradient_penalty(D, x_real, x_fake, weight, rng=None, labels=None):
    r"""$\lambda\,\frac1B\sum_i (\lVert\nabla_{\hat x_i} D(\hat x_i)\rVert - 1)^2$, $\hat x = \epsilon x + (1-\epsilon)G(z)$.

    ``x_real``, ``x_fake``: (B, features) as D sees them; ``weight`` is $\lambda$ (10 in the paper);
    ``rng`` draws $\epsilon$ (a ``RandomNumbers`` or a ``torch.Generator``).
    """
    eps = random_numbers(rng).rand((len(x_real), 1), x_real.device, x_real.dtype)   # ε ~ U(0, 1), (B, 1)
    x_hat = (eps * x_real + (1 - eps) * x_fake).detach().requires_grad_(True)   # (B, features)
    grad = input_gradient(D(x_hat, labels), x_hat)
    return weight * (grad.norm(dim=1) - 1).square().mean()

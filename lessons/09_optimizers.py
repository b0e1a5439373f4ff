r"""Lesson 9 — Optimizers: SGD and Adam from tensor ops

Goal: write the update rules that move the weights, and check them against torch.optim.

Plain SGD steps against the gradient g with learning rate η; momentum μ keeps a running
velocity v:

    v <- μ v + g,     θ <- θ - η v

Adam keeps running averages of g and g², corrects their start-up bias, and steps by
their ratio, so every weight moves about η per step whatever the size of its gradient:

    m <- β1 m + (1 - β1) g,    v <- β2 v + (1 - β2) g²
    θ <- θ - η (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε)

GANs use Adam with β1 = 0.5 (the DCGAN choice): less momentum, because the loss surface
moves every step as the other player changes.

You will see: each optimizer matching torch.optim over many steps, and the three of them
racing down a narrow valley.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.optim import SGD, Adam

L = lesson.setup(__doc__, number=9)


# %% [markdown]
# ## 1. A narrow valley, and a descent through it

# %%
def valley(p):
    """A long narrow valley: steep across (y), shallow along (x). Minimum at (0, 0)."""
    return 0.05 * p[0] ** 2 + 2.0 * p[1] ** 2


def descend(make_optimizer, steps=150):
    p = torch.tensor([-4.0, 1.5], dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([p])
    path = [p.detach().clone()]
    for _ in range(steps):
        (p.grad,) = torch.autograd.grad(valley(p), p)
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path)


# %% [markdown]
# ## 2. Three optimizers, each against torch.optim

# %%
runs = {
    "SGD (lr 0.2)": (lambda ps: SGD(ps, lr=0.2), lambda ps: torch.optim.SGD(ps, lr=0.2)),
    "SGD + momentum 0.8": (lambda ps: SGD(ps, lr=0.05, momentum=0.8), lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8)),
    "Adam (lr 0.1, β1 0.5)": (lambda ps: Adam(ps, lr=0.1, betas=(0.5, 0.999)),
                              lambda ps: torch.optim.Adam(ps, lr=0.1, betas=(0.5, 0.999))),
}
fig, ax = plt.subplots(figsize=(7, 4))
gx, gy = torch.meshgrid(torch.linspace(-4.5, 1, 100), torch.linspace(-2, 2, 100), indexing="xy")
ax.contour(gx, gy, 0.05 * gx ** 2 + 2 * gy ** 2, levels=20, cmap="Greys", linewidths=0.5)
for name, (ours, theirs) in runs.items():
    path, torch_path = descend(ours), descend(theirs)
    L.check(f"{name} matches torch.optim over 150 steps", path, torch_path, tol=1e-12)
    ax.plot(path[:, 0], path[:, 1], ".-", markersize=2, label=f"{name}: ends at {valley(path[-1]).item():.1e}")
ax.set(title="Three optimizers in a narrow valley", xlabel="θ₁", ylabel="θ₂")
ax.legend(fontsize=8)
L.save(fig, "optimizers_in_a_valley.png")

# %% [markdown]
# *SGD, SGD with momentum and Adam descending a narrow valley.*

# %%
L.finish()
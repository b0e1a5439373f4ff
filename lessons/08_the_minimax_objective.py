r"""Lesson 8 — The minimax objective

Goal: understand the game G and D play, its best discriminator, and why G uses the
"non-saturating" loss.

The value of the game is

    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]          min over G, max over D

For a fixed G with data density p_data and generator density p_g, the best D is

    D*(x) = p_data(x) / (p_data(x) + p_g(x))

and at the equilibrium p_g = p_data it says 1/2 everywhere, where V = -2 ln 2 (D's loss
is 2 ln 2 ≈ 1.386, and G's non-saturating loss is ln 2 ≈ 0.693).

G can minimize its term log(1 - D(G(z))) as written (saturating), or maximize log D(G(z))
(non-saturating). Both have the same fixed point, but early on D rejects the fakes
(D(G(z)) ≈ 0), where the saturating loss is flat in D's logit l: its gradient there,
-sigmoid(l) = -D(G(z)), is about 0, and G learns nothing. (Against D(G(z)) itself,
log(1 - D(G(z))) has slope -1 near 0: the gradient dies in the sigmoid between the two.)

You will see: the optimal D for two 1-D densities, V against D at single points with its
maximum at D*, V at equilibrium, and the two G losses with their gradients as functions
of D(G(z)).
"""
import math

import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.objective import d_loss, g_loss_non_saturating, g_loss_saturating, value

L = lesson.setup(__doc__, number=8)

# %% [markdown]
# ## 1. The optimal discriminator for two known densities

# %%
x = torch.linspace(-4, 6, 501, dtype=torch.float64)            # steps of 0.02: x = 1 is on the grid
normal = lambda x, mu, s: torch.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))  # noqa: E731
p_data, p_g = normal(x, 0, 1), normal(x, 2, 1)
D_star = p_data / (p_data + p_g)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(x, p_data, label="p_data")
ax.plot(x, p_g, label="p_g (the generator's)")
ax.plot(x, D_star, "--", label="D*(x) = p_data / (p_data + p_g)")
ax.axhline(0.5, color="gray", linestyle=":")
ax.set(title="The best discriminator for a fixed G", xlabel="x")
ax.legend()
L.save(fig, "optimal_discriminator.png")
at_1 = torch.argmin((x - 1).abs())
print(f"where the densities cross (x = {x[at_1].item():g}), D* = {D_star[at_1].item():.3f}\n")
L.check("D* = 1/2 where p_data = p_g (x = 1)", D_star[at_1], 0.5, tol=1e-9)


# %% [markdown]
# *Two densities and the discriminator that maximizes V for them: exactly p_data / (p_data + p_g), 1/2 where they cross at x = 1.*

# %% [markdown]
# ## 1b. Why D* is the best D: V against D at one point

# %%
# At each x, V collects p_data(x) log D(x) + p_g(x) log(1 - D(x)). As a function of the number
# D(x) alone, its derivative p_data/D - p_g/(1 - D) is zero at D = p_data / (p_data + p_g).
D_values = torch.linspace(0.001, 0.999, 999, dtype=torch.float64)
fig, ax = plt.subplots(figsize=(7, 3.5))
for x0 in (0.0, 1.0, 2.5):
    a, b = normal(torch.tensor(x0, dtype=torch.float64), 0, 1), normal(torch.tensor(x0, dtype=torch.float64), 2, 1)
    integrand = a * torch.log(D_values) + b * torch.log(1 - D_values)
    best = D_values[integrand.argmax()]
    line, = ax.plot(D_values, integrand, label=f"x = {x0:g}")
    ax.axvline(a / (a + b), color=line.get_color(), linestyle=":")
    print(f"x = {x0:g}: V's integrand is largest at D = {best.item():.3f}; D*(x) = {(a / (a + b)).item():.3f}")
    L.check(f"the maximum over D at x = {x0:g} is at D*(x)", best, a / (a + b), tol=1e-3)
ax.set(title="p_data log D + p_g log(1 - D) at three points; dotted: D*(x)", xlabel="D(x)", ylim=(-1.5, 0))
ax.legend()
L.save(fig, "value_against_D.png")
print()


# %% [markdown]
# *Why that D is the best: at each point x, V collects p_data(x) log D + p_g(x) log(1 - D), and its maximum over D (solid curves) sits at D\*(x) (dotted lines).*

# %% [markdown]
# ## 2. The equilibrium values

# %%
half = torch.zeros(1000, 1, dtype=torch.float64)              # logit 0 <=> D = 1/2 everywhere
L.check("V(D, G) at equilibrium is -2 ln 2", value(half, half), -2 * math.log(2), tol=1e-12)
L.check("D's loss there is 2 ln 2 = 1.386", d_loss(half, half), 2 * math.log(2), tol=1e-12)
L.check("G's non-saturating loss there is ln 2 = 0.693", g_loss_non_saturating(half), math.log(2), tol=1e-12)
print()

# %% [markdown]
# ## 3. Saturating vs non-saturating: loss and gradient against D(G(z))

# %%
d_fake = torch.linspace(0.001, 0.999, 400, dtype=torch.float64)
logits = torch.log(d_fake / (1 - d_fake)).unsqueeze(1).requires_grad_(True)    # D(G(z)) = sigmoid(logit)
sat = torch.stack([g_loss_saturating(l) for l in logits.split(1)]).squeeze()
non = torch.stack([g_loss_non_saturating(l) for l in logits.split(1)]).squeeze()
(g_sat,) = torch.autograd.grad(sat.sum(), logits)
(g_non,) = torch.autograd.grad(non.sum(), logits)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
axes[0].plot(d_fake, sat.detach(), label="saturating: log(1 - D(G(z)))")
axes[0].plot(d_fake, non.detach(), label="non-saturating: -log D(G(z))")
axes[0].set(xlabel="D(G(z))", ylabel="G's loss (minimized)", title="Two losses for G")
axes[0].legend()
axes[1].plot(d_fake, g_sat.abs().squeeze(), label="|gradient|, saturating")
axes[1].plot(d_fake, g_non.abs().squeeze(), label="|gradient|, non-saturating")
axes[1].set(xlabel="D(G(z))", ylabel="|dloss / dlogit|", title="Early on (D(G(z)) ≈ 0) only one of them pushes")
axes[1].legend()
L.save(fig, "saturating_vs_non_saturating.png")
print(f"at D(G(z)) = 0.001: saturating gradient {g_sat[0].abs().item():.4f}, "
      f"non-saturating {g_non[0].abs().item():.4f}\n")
L.check("the saturating gradient vanishes where D rejects the fakes", g_sat[0].abs(), 0.0, tol=2e-3)
L.check("the non-saturating gradient is nearly 1 there", g_non[0].abs(), 1.0, tol=2e-3)

# %% [markdown]
# *The two generator losses and their gradients against D(G(z)). Against D's logit, the saturating loss is
# flat where G is losing; against D(G(z)), as plotted, log(1 - D(G(z))) still has slope -1 near 0, but the
# gradient that reaches G passes through the sigmoid, and there it vanishes.*

# %%
L.finish()
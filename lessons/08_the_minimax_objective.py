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
(D(G(z)) ≈ 0), where the saturating loss is flat and G learns nothing.

You will see: the optimal D for two 1-D densities, V at equilibrium, and the two G
losses with their gradients as functions of D(G(z)).
"""
import math

import matplotlib.pyplot as plt
import torch

from ganlab.lab import lesson
from ganlab.objective import d_loss, g_loss_non_saturating, g_loss_saturating, value

L = lesson.setup(__doc__, number=8)

# --- 1. The optimal discriminator for two known densities ------------------------------------------------
x = torch.linspace(-4, 6, 500, dtype=torch.float64)
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
print(f"where the densities cross (x = 1), D* = {D_star[torch.argmin((x - 1).abs())].item():.3f}\n")

# --- 2. The equilibrium values --------------------------------------------------------------------------------
half = torch.zeros(1000, 1, dtype=torch.float64)              # logit 0 <=> D = 1/2 everywhere
L.check("V(D, G) at equilibrium is -2 ln 2", value(half, half), -2 * math.log(2), tol=1e-12)
L.check("D's loss there is 2 ln 2 = 1.386", d_loss(half, half), 2 * math.log(2), tol=1e-12)
L.check("G's non-saturating loss there is ln 2 = 0.693", g_loss_non_saturating(half), math.log(2), tol=1e-12)
print()

# --- 3. Saturating vs non-saturating: loss and gradient against D(G(z)) ----------------------------------------
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
L.finish()

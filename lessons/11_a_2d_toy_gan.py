r"""Lesson 11 — A 2-D toy GAN you can watch

Goal: shrink the game to two dimensions, where everything can be drawn: the data, G's
samples, D's opinion of every point, and the direction D's gradient pushes each fake.

The data: 8 small Gaussian blobs on a ring. G maps 2-D noise to 2-D points (the same
Generator class as for MNIST, with image_dim = 2); D scores points. The background of
each panel is D's probability "real", sigmoid(D(x)), over the plane: the fakes sit where
D says "fake", and the arrows show -dloss_G/dx, the way G's loss wants each fake to move,
up D's slope towards "real".

Mode collapse made visible: a G that covers only some blobs can still fool a D that
has stopped looking at the others. We count the blobs G reaches.

You will see: four snapshots of training, and how many of the 8 modes G covers.
"""
import math

import matplotlib.pyplot as plt
import torch

from ganlab.lab import lesson
from ganlab.activations import sigmoid
from ganlab.gan import GAN

L = lesson.setup(__doc__, number=11)
MODES, RADIUS, SPREAD = 8, 0.7, 0.04
angles = torch.arange(MODES) * 2 * math.pi / MODES
centres = RADIUS * torch.stack([angles.cos(), angles.sin()], dim=1)           # (8, 2)


def real_batch(n, gen):
    which = torch.randint(MODES, (n,), generator=gen)
    return centres[which] + SPREAD * torch.randn(n, 2, generator=gen)         # (n, 2)


def modes_covered(points):
    """A mode is covered when at least 2% of the points lie within 3 spreads of its centre."""
    near = torch.cdist(points, centres) < 3 * SPREAD                          # (n, 8)
    return int((near.float().mean(0) >= 0.02).sum())


gen = torch.Generator().manual_seed(L.seed)
torch.manual_seed(L.seed)
gan = GAN(latent_dim=2, hidden_dim=128, image_dim=2, lr=1e-3, betas=(0.5, 0.999), stable_loss=True)
steps = 2000 if L.quick else 6000
snapshots = {0, steps // 8, steps // 3, steps}
fixed_z = torch.randn(1000, 2, generator=gen)
grid_x, grid_y = torch.meshgrid(torch.linspace(-1, 1, 120), torch.linspace(-1, 1, 120), indexing="xy")
grid = torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1)                # (14400, 2)

fig, axes = plt.subplots(1, 4, figsize=(18, 4.6))
panel = 0
for step in range(steps + 1):
    if step in snapshots:
        with torch.no_grad():
            fakes = gan.G(fixed_z)
            surface = sigmoid(gan.D(grid)).reshape(120, 120)
        arrows = fixed_z[:60].clone()
        x = gan.G(arrows).detach().requires_grad_(True)
        (push,) = torch.autograd.grad(gan.objective.g(gan.D(x)), x)         # dloss_G / dx
        ax = axes[panel]
        ax.imshow(surface, extent=(-1, 1, -1, 1), origin="lower", cmap="RdBu", vmin=0, vmax=1, alpha=0.8)
        ax.scatter(*real_batch(500, gen).T, s=2, c="k", label="real")
        ax.scatter(*fakes.T, s=2, c="orange", label="G(z)")
        ax.quiver(*x.detach().T, *(-push).T, color="green", scale=None, width=0.004)
        ax.set_title(f"step {step}: {modes_covered(fakes)} of {MODES} modes")
        ax.set_xlim(-1, 1)
        ax.set_ylim(-1, 1)
        panel += 1
        print(f"step {step:5d}: G covers {modes_covered(fakes)} of {MODES} modes")
    if step < steps:
        z_d, z_g = torch.randn(256, 2, generator=gen), torch.randn(256, 2, generator=gen)
        gan.step(real_batch(256, gen), z_d, z_g)
axes[0].legend(loc="lower left", fontsize=8)
fig.suptitle("Background: D's probability 'real' (blue = real, red = fake). Arrows: where G's loss pushes each fake.")
L.save(fig, "toy_gan.png")
print()

with torch.no_grad():
    final = gan.G(fixed_z)
distance_to_ring = (final.norm(dim=1) - RADIUS).abs().mean()
L.check("G's samples end on the ring (mean distance to it)", distance_to_ring, 0.0, tol=0.1)
L.check("G reaches (nearly) all 8 modes", modes_covered(final), MODES, tol=2)
L.finish()

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

You will see: four snapshots of training, how many of the 8 modes G covers, and one round
of the game in slow motion: D's move, then G's move, drawn apart.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.lab.playground import toy_data
from ganlab.activations import sigmoid
from ganlab.lab.training.build import make_gan

L = lesson.setup(__doc__, number=11)
# The data, from ganlab.lab.playground.toy_data (the playground draws it too): each point picks one of 8
# centres on a circle of radius 0.7, uniformly, and adds Gaussian noise of std 0.04.
MODES, RADIUS = toy_data.RING_MODES, toy_data.RING_RADIUS
real_batch = toy_data.ring                   # (n, gen) -> (n, 2)
modes_covered = toy_data.modes_covered       # blobs holding >= 2% of the points within 3 std of their centre


gen = torch.Generator().manual_seed(L.seed)
torch.manual_seed(L.seed)
gan = make_gan("classic", latent_dim=2, hidden_dim=128, image_dim=2, lr=1e-3, beta1=0.5, stable_loss=True)
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
        (push,) = torch.autograd.grad(gan.game.g(gan.D(x)), x)         # dloss_G / dx
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


# %% [markdown]
# *Four snapshots of training: the data (black dots), the fakes (orange), D's probability "real" in the background (blue where D says real, red where it says fake) and where G's loss pushes each fake (green arrows).*

# %% [markdown]
# ## Slow motion: one D step, then one G step, drawn apart

# %%
# GAN.step plays both moves at once. Here a second GAN, trained 150 steps, plays one round
# twice: first with G's update switched off (D's move alone), then with D's switched off
# (G's move alone), so that each picture shows who moves what.
torch.manual_seed(L.seed + 1)
demo = make_gan("classic", latent_dim=2, hidden_dim=128, image_dim=2, lr=1e-3, beta1=0.5, stable_loss=True)
for _ in range(150):
    demo.step(real_batch(256, gen), torch.randn(256, 2, generator=gen), torch.randn(256, 2, generator=gen))


def look():
    with torch.no_grad():
        return demo.G(fixed_z[:300]), sigmoid(demo.D(grid)).reshape(120, 120)


def one_move(optimizer):
    """One GAN.step with ``optimizer``'s update switched off: only the other player moves."""
    optimizer.step = lambda grads=None: None
    demo.step(real_batch(256, gen), torch.randn(256, 2, generator=gen), torch.randn(256, 2, generator=gen))
    del optimizer.step                                     # its own step() again


fakes_0, surface_0 = look()
G_before = [p.clone() for p in demo.G.parameters()]
one_move(demo.opt_G)                                        # D's move
fakes_1, surface_1 = look()
L.check("in D's move, G does not change", max((p - q).abs().max().item()
                                              for p, q in zip(demo.G.parameters(), G_before)), 0.0, tol=0)
D_before = [p.clone() for p in demo.D.parameters()]
one_move(demo.opt_D)                                        # G's move
fakes_2, surface_2 = look()
L.check("in G's move, D does not change", max((p - q).abs().max().item()
                                              for p, q in zip(demo.D.parameters(), D_before)), 0.0, tol=0)
with torch.no_grad():
    fooled = [sigmoid(demo.D(f)).mean().item() for f in (fakes_1, fakes_2)]
print(f"D's mean verdict on the same 300 fakes, after D's move: {fooled[0]:.3f}; after G's move: {fooled[1]:.3f}\n")
L.check("G's move raises D's verdict on the fakes (0 = it does)", 0.0 if fooled[1] > fooled[0] else 1.0, 0.0, tol=0)

fig, axes = plt.subplots(1, 2, figsize=(12, 5.4), constrained_layout=True)
change = (surface_1 - surface_0)
limit = change.abs().max().item()
axes[0].imshow(change, extent=(-1, 1, -1, 1), origin="lower", cmap="RdBu", vmin=-limit, vmax=limit)
axes[0].scatter(*real_batch(300, gen).T, s=2, c="k", label="real")
axes[0].scatter(*fakes_0.T, s=2, c="orange", label="G(z), unchanged")
axes[0].set_title(f"D's move: its verdict changes (blue: more 'real', up to {limit:.3f})\nthe fakes stay where they are")
axes[0].legend(loc="lower left", fontsize=8)
axes[1].imshow(surface_2, extent=(-1, 1, -1, 1), origin="lower", cmap="RdBu", vmin=0, vmax=1, alpha=0.8)
axes[1].scatter(*real_batch(300, gen).T, s=2, c="k", label="real")
axes[1].scatter(*fakes_1.T, s=2, c="orange", alpha=0.3, label="G(z) before")
axes[1].scatter(*fakes_2.T, s=2, c="orange", label="G(z) after")
shift = fakes_2[:80] - fakes_1[:80]
axes[1].quiver(*fakes_1[:80].T, *(shift * 10).T, color="green", angles="xy", scale_units="xy", scale=1, width=0.004)
axes[1].set_title("G's move: the fakes step up D's slope (arrows x 10)\nD, in the background, stays as it was")
axes[1].legend(loc="lower left", fontsize=8)
for ax in axes:
    ax.set(xlim=(-1, 1), ylim=(-1, 1))
L.save(fig, "one_round_slow.png")

with torch.no_grad():
    final = gan.G(fixed_z)
distance_to_ring = (final.norm(dim=1) - RADIUS).abs().mean()
L.check("G's samples end on the ring (mean distance to it)", distance_to_ring, 0.0, tol=0.1)
L.check("G reaches (nearly) all 8 modes", modes_covered(final), MODES, tol=2)

# %% [markdown]
# *One round of the game in slow motion, on a GAN trained 150 steps. Left, D's move alone: how its probability "real" changed (blue: up, red: down), while the fakes stay put. Right, G's move alone: the fakes step up D's slope (arrows: 10 times each fake's move), while D stays as it was. `GAN.step` plays both moves in every step.*

# %%
L.finish()
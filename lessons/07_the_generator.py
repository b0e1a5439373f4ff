r"""Lesson 7 — The generator

Goal: build G and see what it draws before any training.

G maps a noise vector z (64 numbers drawn from a standard normal) to an image:

    z (B, 64) -> Linear -> ReLU -> Linear -> ReLU -> Linear -> tanh -> x (B, 784) in [-1, 1]

Different z give different images; the same z always gives the same image. Untrained,
G's weights are random, so its images are gray static around 0: nothing tells it yet
what a digit looks like. That is the discriminator's job, in the lessons to come.

You will see: G's shapes, a grid of untrained samples next to real digits, how far apart
their pixel statistics are, and the nn.Module generator giving the same images from the
same weights.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.lab.training.data import load_dataset
from ganlab.models import Generator
from ganlab.lab.watching.plots import grid_image
from ganlab.reference.twin import twin_generator

L = lesson.setup(__doc__, number=7)
# %% [markdown]
# ## 1. Noise in, an image out

# %%
G = Generator(device=L.device)
z = torch.randn(64, 64, device=L.device)                       # 64 noise vectors
with torch.no_grad():
    x_fake = G(z)                                              # (64, 784)
real = load_dataset("mnist-sample", device=L.device).images[torch.randperm(4000)[:64]]

print(f"z {tuple(z.shape)} -> G(z) {tuple(x_fake.shape)}")
print(f"untrained G: pixel mean {x_fake.mean().item():+.3f}, std {x_fake.std().item():.3f}")
print(f"real digits: pixel mean {real.mean().item():+.3f}, std {real.std().item():.3f}\n")

# %% [markdown]
# ## 2. Untrained G beside real digits

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
axes[0].imshow(grid_image(x_fake), cmap="gray")
axes[0].set_title("untrained G(z): static")
axes[1].imshow(grid_image(real), cmap="gray")
axes[1].set_title("real digits")
for ax in axes:
    ax.axis("off")
L.save(fig, "untrained_generator.png")


# %% [markdown]
# *Untrained samples next to real digits.*

# %% [markdown]
# ## 3. Against the nn twin

# %%
twin = twin_generator().to(L.device)
twin.load_state_dict(G.state_dict())
with torch.no_grad():
    L.check("G(z) matches the nn.Module generator with the same weights", x_fake, twin(z), tol=1e-5)
    L.check("the same z gives the same image", G(z[:1]), G(z[:1]), tol=0)
# %%
L.finish()
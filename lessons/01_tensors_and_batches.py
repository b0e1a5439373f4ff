r"""Lesson 1 — Tensors and batches

Goal: see the data a GAN learns from as one tensor, and a training batch as a slice of it.

A tensor is an n-dimensional array with a *rank* (how many axes), a *shape* (the length
of each axis), a *dtype* (float32, uint8, ...) and a *device* (CPU or GPU). An MNIST
digit is 28 x 28 bytes in 0..255. Flattened and scaled,

    x = pixel / 127.5 - 1,    x in [-1, 1]^784

which is exactly what torchvision's ToTensor() then Normalize((0.5,), (0.5,)) do, one
image at a time. ganlab does it once for the whole set, and a batch of B digits is then a
(B, 784) slice taken in a random order that changes every epoch.

You will see: tensors of rank 0 to 2, the data set's shape and range, one batch as a grid
of digits, the histogram of pixel values, and a check against torchvision's transforms.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.lab.training.data import batches, load_dataset, normalize
from ganlab.lab.watching.plots import grid_image

L = lesson.setup(__doc__, number=1)

# %% [markdown]
# ## 1. Rank, shape, dtype, device

# %%
scalar = torch.tensor(3.0)
vector = torch.tensor([1.0, 2.0, 3.0])
matrix = torch.zeros(2, 3)
for name, t in [("scalar", scalar), ("vector", vector), ("matrix", matrix)]:
    print(f"{name:7s} rank {t.dim()}  shape {tuple(t.shape)}  dtype {t.dtype}  device {t.device}")
print()

# %% [markdown]
# ## 2. The data set as one tensor

# %%
data = load_dataset("mnist-sample", device=L.device)     # the sample's 4,000 training digits (1,000 more held out)
images = data.images                                     # (4000, 784)
L.say(f"""
    The data set: {data.source}
    images: shape {tuple(images.shape)}, dtype {images.dtype}, device {images.device}
    pixel range: [{images.min().item():.1f}, {images.max().item():.1f}]
""")

# %% [markdown]
# ## 3. A batch is a slice in a shuffled order

# %%
batch = next(batches(images, batch_size=100, seed=L.seed, epoch=0))    # (100, 784)
print(f"one batch: shape {tuple(batch.shape)}  (B = 100 images, 784 pixels each)")
print(f"as images: shape {tuple(batch.reshape(100, 1, 28, 28).shape)}  (B, channels, height, width)\n")

fig, ax = plt.subplots(figsize=(6, 6))
ax.imshow(grid_image(batch[:64]), cmap="gray")
ax.set_title("64 digits from one batch")
ax.axis("off")
L.save(fig, "batch.png")

fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(images.flatten().cpu().numpy(), bins=50)
ax.set(xlabel="pixel value after normalization", ylabel="count", yscale="log",
       title="Most pixels are background (-1); strokes are near +1")
L.save(fig, "pixel_histogram.png")



# %% [markdown]
# *The pixel values after scaling: most pixels are background at −1, the strokes near +1.*

# %% [markdown]
# *One batch of 64 digits, the rows of a (64, 784) tensor reshaped to 28×28.*

# %% [markdown]
# ## 4. The same numbers as torchvision's per-image transforms

# %%
from PIL import Image  # noqa: E402
from torchvision import transforms  # noqa: E402

pixels = ((images[:100].cpu() + 1) * 127.5).round().to(torch.uint8).reshape(100, 28, 28)
per_image = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
theirs = torch.stack([per_image(Image.fromarray(p.numpy())) for p in pixels]).reshape(100, 784)
L.check("normalize() matches ToTensor + Normalize", normalize(pixels), theirs, tol=1e-6)
# %%
L.finish()
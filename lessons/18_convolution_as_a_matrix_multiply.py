r"""Lesson 18 — Convolution as a matrix multiply

Goal: build the layer that every image GAN after the MLP is made of, the convolution, from
the Linear layer's one operation, a matrix multiply; then its mirror, the transposed
convolution, with which a DCGAN's G grows a 7 × 7 map into a 28 × 28 digit.

A convolution slides a k × k filter over the image; at every position it takes the dot
product of the filter with the patch under it. Cut every patch into a column (unfold,
"im2col") and all those dot products are one matrix multiply:

    cols = unfold(x)          (B, C_in·k·k, L)     L = H_out · W_out patches
    y = W_flat cols + b       (C_out, C_in·k·k) @ cols -> (B, C_out, L) -> (B, C_out, H_out, W_out)
    H_out = (H + 2·padding - k) // stride + 1

Every patch meets the same filter: the weights are shared across the image. A Linear layer
from a 28 × 28 image to 64 maps of 14 × 14 would need 784 · 12,544 weights; the convolution
that does it with 4 × 4 filters needs 64 · 16.

Backward, with g = dL/dy flattened to (B, C_out, L):

    dL/dW = sum over the batch of g cols^T      dL/dx = fold(W_flat^T g)

fold puts each column back on the pixels its patch came from, adding where patches overlap.
That map, fold(W_flat^T ·), is the transposed convolution: the convolution's gradient with
respect to its input, used forward to make maps larger.

You will see: a convolution computed three ways (loops, unfold + matmul, torch), the patch
matrix and the feature maps of four hand-made filters on a digit, the backward by hand
against autograd and finite differences, and a transposed convolution growing 7 × 7 to
28 × 28, checked as the convolution's gradient.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ganlab.conv import conv2d, conv2d_backward, conv_transpose2d
from ganlab.lab.teaching import lesson
from ganlab.lab.training.data import load_dataset

L = lesson.setup(__doc__, number=18)
digit = (load_dataset("mnist-sample").images[0].reshape(1, 1, 28, 28).double() + 1) / 2   # (1, 1, 28, 28) in [0, 1]:
# the background is 0, as the zero padding around the image is

# %% [markdown]
# ## 1. One convolution, three ways

# %%
gen = torch.Generator().manual_seed(L.seed)
x = torch.randn(2, 3, 6, 5, generator=gen, dtype=torch.float64)          # (B, C_in, H, W)
W = torch.randn(4, 3, 3, 3, generator=gen, dtype=torch.float64)          # (C_out, C_in, k, k)
b = torch.randn(4, generator=gen, dtype=torch.float64)
loops = torch.zeros(2, 4, 4, 3, dtype=torch.float64)                     # H_out = 6 - 3 + 1 = 4, W_out = 3
for i in range(4):
    for j in range(3):
        patch = x[:, :, i:i + 3, j:j + 3]                                # (B, C_in, 3, 3): what the filter sees
        loops[:, :, i, j] = (patch[:, None] * W[None]).sum((2, 3, 4)) + b   # one dot product per filter
cols = F.unfold(x, 3)                                                    # (2, 27, 12): 12 patches of 27 numbers
print(f"x {tuple(x.shape)} -> patch matrix {tuple(cols.shape)}; W {tuple(W.shape)} -> W_flat {tuple(W.reshape(4, -1).shape)}")
print(f"W_flat @ cols: {tuple((W.reshape(4, -1) @ cols).shape)} -> y {tuple(conv2d(x, W, b).shape)}\n")
L.check("unfold + matmul equals the loops", conv2d(x, W, b), loops, tol=1e-12)
L.check("unfold + matmul matches F.conv2d", conv2d(x, W, b), F.conv2d(x, W, b), tol=1e-12)
L.check("with stride 2 and padding 1 too", conv2d(x, W, b, stride=2, padding=1),
        F.conv2d(x, W, b, stride=2, padding=1), tol=1e-12)
print()

# %% [markdown]
# ## 2. What the filters see on a digit

# %%
filters = torch.tensor([[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],           # vertical edges (Sobel)
                        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],           # horizontal edges
                        [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]],           # a diagonal
                        [[1, 1, 1], [1, 1, 1], [1, 1, 1]]], dtype=torch.float64)[:, None] / 9   # a blur
maps = conv2d(digit, filters, torch.zeros(4, dtype=torch.float64), padding=1)    # (1, 4, 28, 28)
L.check("the four feature maps match F.conv2d", maps, F.conv2d(digit, filters, padding=1), tol=1e-12)
patches = F.unfold(digit, 3, padding=1)[0]                                # (9, 784): one column per pixel
linear_weights, conv_weights = 784 * 64 * 14 * 14, 64 * 1 * 4 * 4
L.say(f"""
    The patch matrix of one digit is {tuple(patches.shape)}: 784 patches of 3 x 3 pixels. A
    Linear layer from the digit to 64 maps of 14 x 14 would learn {linear_weights:,} weights;
    a convolution with 64 filters of 4 x 4 learns {conv_weights:,}, shared by every patch.
""")
fig, axes = plt.subplots(1, 6, figsize=(17, 3.2), gridspec_kw=dict(width_ratios=[1, 2.4, 1, 1, 1, 1]))
axes[0].imshow(digit[0, 0], cmap="gray")
axes[0].set_title("the digit (28 × 28)")
axes[1].imshow(patches[:, 250:330], cmap="gray", aspect="auto")
axes[1].set_title("unfold: patches 250-329 as columns (9 rows)")
for ax, m, name in zip(axes[2:], maps[0], ["vertical edges", "horizontal edges", "a diagonal", "blur"]):
    ax.imshow(m, cmap="gray" if name == "blur" else "RdBu_r", vmin=None if name == "blur" else -m.abs().max(),
              vmax=None if name == "blur" else m.abs().max())
    ax.set_title(name)
for ax in axes:
    ax.set_xticks([]), ax.set_yticks([])
L.save(fig, "convolution_on_a_digit.png")


# %% [markdown]
# *A digit; 80 of its 784 patches as columns of the patch matrix; what four filters see:
# vertical and horizontal edges, a diagonal, and a blur.*

# %% [markdown]
# ## 3. Backward by hand: against autograd and finite differences

# %%
g = torch.randn(2, 4, 3, 3, generator=gen, dtype=torch.float64)         # dL/dy for stride 2, padding 1
grad_x, grad_W, grad_b = conv2d_backward(x, W, g, stride=2, padding=1)
xt, Wt, bt = (t.clone().requires_grad_(True) for t in (x, W, b))
torch_grads = torch.autograd.grad(F.conv2d(xt, Wt, bt, stride=2, padding=1), (xt, Wt, bt), g)
for name, ours, theirs in zip(("dL/dx (fold)", "dL/dW", "dL/db"), (grad_x, grad_W, grad_b), torch_grads):
    L.check(f"{name} by hand matches autograd on F.conv2d", ours, theirs, tol=1e-12)
h = 1e-6
nudged = W.clone()
nudged[1, 2, 0, 1] += h
numeric = ((conv2d(x, nudged, b, 2, 1) - conv2d(x, W, b, 2, 1)) * g).sum() / h
L.check("dL/dW[1, 2, 0, 1] matches a finite difference", grad_W[1, 2, 0, 1], numeric, tol=1e-5)
print()

# %% [markdown]
# ## 4. The transposed convolution: the gradient, used forward

# %%
small = torch.randn(1, 8, 7, 7, generator=gen, dtype=torch.float64)     # a 7 × 7 map, 8 channels
W_up = torch.randn(8, 4, 4, 4, generator=gen, dtype=torch.float64) / 8  # (C_in, C_out, k, k)
up = conv_transpose2d(small, W_up, None, stride=2, padding=1)            # (1, 4, 14, 14)
L.check("conv_transpose2d matches F.conv_transpose2d", up, F.conv_transpose2d(small, W_up, stride=2, padding=1), tol=1e-12)
u = torch.zeros(1, 4, 14, 14, dtype=torch.float64, requires_grad=True)
(as_gradient,) = torch.autograd.grad(F.conv2d(u, W_up, stride=2, padding=1), u, small)
L.check("it is the gradient of a convolution with the same W", up, as_gradient, tol=1e-12)
W_out = torch.randn(4, 1, 4, 4, generator=gen, dtype=torch.float64) / 4
image = conv_transpose2d(up, W_out, None, stride=2, padding=1)             # (1, 1, 28, 28)
print(f"7 × 7 {tuple(small.shape)} -> 14 × 14 {tuple(up.shape)} -> 28 × 28 {tuple(image.shape)}\n")

# What it does, seen on three lit pixels: each input pixel stamps a copy of the filter on
# the larger map, 2 pixels apart (the stride); where stamps overlap they add up.
lit = torch.zeros(1, 1, 7, 7, dtype=torch.float64)
lit[0, 0, 1, 1] = lit[0, 0, 4, 3] = lit[0, 0, 4, 4] = 1.0
bump = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=torch.float64)
stamp = (bump[:, None] * bump[None, :] / 16)[None, None]                  # (1, 1, 4, 4): a smooth bump
stamped = conv_transpose2d(lit, stamp, None, stride=2, padding=1)        # (1, 1, 14, 14)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), gridspec_kw=dict(width_ratios=[1, 0.6, 2]))
for ax, m, title in zip(axes, (lit[0, 0], stamp[0, 0], stamped[0, 0]),
                        ("input 7 × 7: three pixels lit", "the 4 × 4 filter", "output 14 × 14, stride 2")):
    ax.imshow(m, cmap="gray")
    ax.set_title(title)
    ax.set_xticks([]), ax.set_yticks([])
fig.suptitle("A transposed convolution stamps the filter once per input pixel; overlaps add up", y=1.06)
L.save(fig, "transposed_convolution.png")


# %% [markdown]
# *A transposed convolution with stride 2 stamps its filter once per input pixel, two pixels
# apart, and adds up where the stamps overlap: the larger map is drawn from the smaller.*

# %%
L.finish()

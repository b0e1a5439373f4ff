r"""Lesson 2 — The Linear layer from tensor ops

Goal: build the fully connected layer that G and D are made of, and check it against
torch.nn.Linear, forward and backward.

For a batch x of shape (B, in), a weight matrix W of shape (out, in) and a bias b of
shape (out,):

    y = x W^T + b                                   shape (B, out)

Each output unit is a weighted sum of all inputs plus its bias. Backpropagation needs
three gradients, given g = dL/dy of shape (B, out):

    dL/dx = g W        dL/dW = g^T x        dL/db = sum of g over the batch

The backward formulas are checked against **autograd**, PyTorch's automatic
differentiation. Every operation on a tensor made with requires_grad=True is recorded as it
runs; y.backward(g), or torch.autograd.grad(y, x, g), then walks that record backwards,
applying each operation's own derivative by the chain rule, and leaves dL/dx for each
recorded input (in x.grad, or returned). It computes the same three gradients without
being told the formulas above, which makes it an independent check of them. From lesson 3
on, ganlab also uses it to train: it writes each formula forward, and autograd does the
backward.

nn.Linear draws its initial W and b from U(-1/sqrt(in), 1/sqrt(in)); ganlab's Linear does
the same, so weights copy one-to-one between the two.

You will see: a 2-input, 3-output layer worked by hand, the match with nn.Linear in
float32 and float64, and the distribution of the initial weights.
"""
import matplotlib.pyplot as plt
import torch
from torch import nn

from ganlab.lab.teaching import lesson
from ganlab.linear import Linear, linear, linear_backward

L = lesson.setup(__doc__, number=2)

# %% [markdown]
# ## 1. A layer small enough to follow by hand

# %%
x = torch.tensor([[1.0, 2.0]])                       # (B=1, in=2)
W = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])   # (out=3, in=2)
b = torch.tensor([0.5, 0.0, -0.5])                   # (3,)
y = linear(x, W, b)
L.say(f"""
    x = {x.tolist()},  W = {W.tolist()},  b = {b.tolist()}
    y = x W^T + b = {y.tolist()}
    (unit 3: 1*1 + 2*(-1) - 0.5 = -1.5)
""")

# %% [markdown]
# ## 2. Against nn.Linear, forward and backward

# %%
for dtype, tol in [(torch.float32, 1e-5), (torch.float64, 1e-12)]:
    ours = Linear(784, 256, device=L.device, dtype=dtype)
    theirs = nn.Linear(784, 256).to(L.device, dtype)
    with torch.no_grad():                            # same weights in both
        theirs.weight.copy_(ours.W)
        theirs.bias.copy_(ours.b)
    xb = torch.randn(100, 784, device=L.device, dtype=dtype, requires_grad=True)   # autograd also wants dL/dx
    y_ours, y_theirs = ours(xb), theirs(xb)
    g = torch.randn_like(y_theirs)                   # some upstream gradient dL/dy
    y_theirs.backward(g)
    grad_x, grad_W, grad_b = linear_backward(xb.detach(), ours.W.detach(), g)
    name = str(dtype).replace("torch.", "")
    L.check(f"forward matches nn.Linear ({name})", y_ours, y_theirs, tol)
    L.check(f"dL/dx by hand matches autograd ({name})", grad_x, xb.grad, tol * 10)
    L.check(f"dL/dW by hand matches autograd ({name})", grad_W, theirs.weight.grad, tol * 10)
    L.check(f"dL/db by hand matches autograd ({name})", grad_b, theirs.bias.grad, tol * 10)
print()

# %% [markdown]
# ## 3. The initial weights

# %%
fan_in = 784
ours_W = Linear(fan_in, 256).W.detach().flatten()
theirs_W = nn.Linear(fan_in, 256).weight.detach().flatten()
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(ours_W.numpy(), bins=60, alpha=0.6, label="ganlab Linear")
ax.hist(theirs_W.numpy(), bins=60, alpha=0.6, label="nn.Linear")
bound = fan_in ** -0.5
ax.axvline(-bound, color="k", linestyle=":")
ax.axvline(bound, color="k", linestyle=":", label="±1/sqrt(784)")
ax.set(title="Initial weights: the same uniform distribution", xlabel="weight")
ax.legend()
L.save(fig, "init_weights.png")
L.check("init std matches nn.Linear's (1/sqrt(3 * 784))", ours_W.std(), bound / 3 ** 0.5, tol=2e-4)

# %% [markdown]
# *The initial weights of a 784→256 layer: uniform within ±1/√784.*

# %%
L.finish()
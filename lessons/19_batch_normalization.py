r"""Lesson 19 — Batch normalization

Goal: build the layer that keeps a DCGAN's G trainable, batch normalization, with its
training and evaluation modes and its backward, and check it against nn.BatchNorm2d.

For each channel, over the batch and every pixel position (N numbers):

    mu = mean(x),  var = mean((x - mu)^2)        the batch's own statistics
    x_hat = (x - mu) / sqrt(var + eps)           mean 0, variance 1
    y = gamma x_hat + beta                       then the scale and shift the layer learns

While training it keeps running averages of mu and var (var taken unbiased, N / (N - 1)
times larger), and in evaluation mode uses those instead: then an image's output no
longer depends on the other images of its batch. ganlab draws samples in evaluation mode.

Its backward has to remember that mu and var depend on every x of the batch:

    dL/dx = gamma / (N sqrt(var + eps)) * (N g - sum(g) - x_hat sum(g x_hat))

You will see: a layer's activations before and after batch norm through a stack of layers,
the forward, the running statistics and the backward against nn.BatchNorm2d and
autograd, a finite-difference check, and why evaluation mode matters when drawing one image.
"""
import matplotlib.pyplot as plt
import torch
from torch import nn

from ganlab.activations import relu
from ganlab.batchnorm import BatchNorm
from ganlab.lab.teaching import lesson

L = lesson.setup(__doc__, number=19)
gen = torch.Generator().manual_seed(L.seed)

# %% [markdown]
# ## 1. Ten layers deep, with and without batch norm

# %%
# A stack of 10 random layers of 64 units (ReLU after each): without normalization
# the scale of the activations drifts layer by layer; with it, every layer starts at mean 0,
# variance 1 (then gamma, beta let it learn any other scale).
x0 = torch.randn(256, 64, generator=gen, dtype=torch.float64) * 3 + 1          # (B, C)
weights = [torch.randn(64, 64, generator=gen, dtype=torch.float64) * 0.25 for _ in range(10)]
plain, normed = [x0], [x0]
for W in weights:
    plain.append(relu(plain[-1] @ W.T))
    normed.append(relu(BatchNorm(64, dtype=torch.float64, generator=gen)(normed[-1] @ W.T)))
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for ax, stack, title in zip(axes, (plain, normed), ("without batch norm", "with batch norm after each layer")):
    ax.semilogy([t.std().item() for t in stack], "o-")
    ax.set(title=title, xlabel="layer", ylabel="std of the activations")
L.save(fig, "scale_through_layers.png")
L.say(f"""
    After 10 layers the activations' spread is {plain[-1].std().item():.1e} without batch norm and
    {normed[-1].std().item():.2f} with it.
""")


# %% [markdown]
# *The spread of the activations through ten random layers, without and with batch norm.*

# %% [markdown]
# ## 2. Against nn.BatchNorm2d: outputs, running statistics, gradients

# %%
ours = BatchNorm(8, dtype=torch.float64, generator=gen)
theirs = nn.BatchNorm2d(8).double()
theirs.load_state_dict(ours.named_parameters() | ours.buffers())
for step in range(3):
    x = (torch.randn(16, 8, 5, 5, generator=gen, dtype=torch.float64) * 2 + 3).requires_grad_(True)
    y_theirs = theirs(x)
    y_ours = ours(x.detach())
g = torch.randn(16, 8, 5, 5, generator=gen, dtype=torch.float64)
(grad_x,) = torch.autograd.grad(y_theirs, x, g, retain_graph=True)
y_theirs.backward(g)
with torch.no_grad():
    hand = ours.backward(g)
L.check("training mode: y matches nn.BatchNorm2d", y_ours, y_theirs.detach(), tol=1e-12)
L.check("the running mean after 3 batches", ours.running_mean, theirs.running_mean, tol=1e-12)
L.check("the running variance (unbiased)", ours.running_var, theirs.running_var, tol=1e-12)
L.check("dL/dx by hand matches autograd", hand, grad_x, tol=1e-12)
L.check("dL/dgamma matches", ours.gamma.grad, theirs.weight.grad, tol=1e-12)
L.check("dL/dbeta matches", ours.beta.grad, theirs.bias.grad, tol=1e-12)
probe = BatchNorm(8, dtype=torch.float64, generator=gen)      # a layer of its own: its running stats may move
x = torch.randn(16, 8, 5, 5, generator=gen, dtype=torch.float64)
h, index = 1e-6, (3, 2, 1, 4)
bumped = x.clone()
bumped[index] += h
numeric = ((probe(bumped) - probe(x)) * g).sum() / h
L.check("dL/dx[3, 2, 1, 4] matches a finite difference", probe.backward(g, param_grads=False)[index], numeric, tol=1e-5)
print()

# %% [markdown]
# ## 3. Evaluation mode: one image on its own

# %%
ours.eval(), theirs.eval()
batch = torch.randn(16, 8, 5, 5, generator=gen, dtype=torch.float64)
with torch.no_grad():
    L.check("evaluation mode matches nn.BatchNorm2d.eval()", ours(batch), theirs(batch), tol=1e-12)
    L.check("in evaluation mode an image's output does not depend on its batch", ours(batch[:1]), ours(batch)[:1], tol=1e-12)
ours.train()
with torch.no_grad():
    alone, in_batch = ours(batch[:2]), ours(batch)[:2]
L.say(f"""
    In training mode the same two images come out different in a batch of 2 and in a batch of 16
    (largest difference {(alone - in_batch).abs().max().item():.2f}): each is standardized with its
    batch's statistics. That is why samples are drawn in evaluation mode.
""")

# %%
L.finish()

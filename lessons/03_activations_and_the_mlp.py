r"""Lesson 3 — Activations and the MLP

Goal: add the non-linear functions between Linear layers, and stack everything into the
two networks of the GAN.

A stack of Linear layers alone is still one linear map. An activation applied to every
unit between them lets the network bend:

    ReLU(x)      = max(x, 0)                      used inside G
    LeakyReLU(x) = x if x > 0 else 0.2 x          used inside D: never a zero gradient
    tanh(x)      = (1 - e^-2x) / (1 + e^-2x)      G's last layer: pixels in [-1, 1]
    sigmoid(x)   = 1 / (1 + e^-x)                 turns D's logit into P(real)

D's last Linear layer outputs one unconstrained number per image, its **logit** l: large and
positive for "real", large and negative for "fake". The sigmoid maps it into (0, 1), and
the logit is its inverse, l = log(p / (1 - p)), the log of the odds that the image is real.

Their derivatives are what backpropagation multiplies by:

    ReLU' = 1 or 0,  LeakyReLU' = 1 or 0.2,  tanh' = 1 - tanh^2,  sigmoid' = sigmoid (1 - sigmoid)

How ganlab hands autograd these derivatives: each activation is one
torch.autograd.Function (ganlab.activations.Elementwise), a forward formula paired with its
*_backward formula. When autograd walks back through an activation it calls that formula,
as it calls its own for torch.tanh, instead of differentiating the forward's operations one
by one. Section 2 shows why that matters at x = 0 for the sigmoid; lesson 4 uses the same
*_backward functions without autograd, to backpropagate by hand.

You will see: each function with its derivative, checks against torch (also for huge
inputs, where a careless sigmoid overflows), and G and D built as MLPs with their shapes.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ganlab.lab.teaching import lesson
from ganlab.activations import (leaky_relu, leaky_relu_backward, relu, relu_backward, sigmoid,
                                sigmoid_backward, tanh, tanh_backward)
from ganlab.models import Discriminator, Generator

L = lesson.setup(__doc__, number=3)

# %% [markdown]
# ## 1. Each function and its derivative

# %%
x = torch.linspace(-4, 4, 401, dtype=torch.float64)
ones = torch.ones_like(x)
functions = [
    ("ReLU", relu(x), relu_backward(x, ones), torch.relu),
    ("LeakyReLU(0.2)", leaky_relu(x, 0.2), leaky_relu_backward(x, ones, 0.2), lambda t: F.leaky_relu(t, 0.2)),
    ("tanh", tanh(x), tanh_backward(tanh(x), ones), torch.tanh),
    ("sigmoid", sigmoid(x), sigmoid_backward(sigmoid(x), ones), torch.sigmoid),
]
fig, axes = plt.subplots(1, 4, figsize=(14, 3))
for ax, (name, y, dy, torch_fn) in zip(axes, functions):
    ax.plot(x, y, label="f(x)")
    ax.plot(x, dy, "--", label="f'(x)")
    ax.set_title(name)
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.legend()
    # the hand-written derivative against autograd on torch's own function
    xt = x.clone().requires_grad_(True)
    (autograd_dy,) = torch.autograd.grad(torch_fn(xt).sum(), xt)
    L.check(f"{name} matches torch", y, torch_fn(x), tol=1e-12)
    L.check(f"{name}' by hand matches autograd", dy, autograd_dy, tol=1e-12)
L.save(fig, "activations.png")
print()


# %% [markdown]
# *The four activations (solid) and their derivatives (dashed).*

# %% [markdown]
# ## 2. Huge inputs: why the sigmoid is written in two halves

# %%
big = torch.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0])
naive = 1 / (1 + torch.exp(-big))         # exp(1000) overflows to inf; 1 / inf happens to be 0 here...
L.say(f"""
    exp(-x) for x = -1000 is {torch.exp(-big)[0].item()}: the naive sigmoid only survives by luck,
    and its gradient e^-x / (1 + e^-x)^2 = inf / inf = nan there.
    ganlab's sigmoid only ever computes exp(-|x|) <= 1: {sigmoid(big).tolist()}
""")
xt = big.clone().requires_grad_(True)
(naive_grad,) = torch.autograd.grad((1 / (1 + torch.exp(-xt))).sum(), xt)
# The two-halves formula, written out here so that autograd differentiates it operation by
# operation (ganlab's sigmoid hands autograd its own derivative y(1 - y) instead, through Elementwise)
xt2 = big.clone().requires_grad_(True)
e = torch.exp(-xt2.abs())                                      # in (0, 1]: never overflows
(halves_grad,) = torch.autograd.grad((torch.where(xt2 >= 0, 1, e) / (1 + e)).sum(), xt2)
xt3 = big.clone().requires_grad_(True)
(ours_grad,) = torch.autograd.grad(sigmoid(xt3).sum(), xt3)     # through ganlab's y(1 - y)
xt4 = big.clone().requires_grad_(True)
(torch_grad,) = torch.autograd.grad(torch.sigmoid(xt4).sum(), xt4)
print(f"naive sigmoid's gradient, by autograd:      {naive_grad.tolist()}")
print(f"two-halves sigmoid's gradient, by autograd: {halves_grad.tolist()}")
print(f"ganlab's sigmoid, derivative y(1 - y):      {ours_grad.tolist()}\n")
L.say("""
    The two halves keep the gradient finite where the naive form gives nan. But look at x = 0:
    autograd, differentiating |x| operation by operation, takes its slope at the kink to be 0
    and returns 0 instead of 0.25. That is why ganlab's sigmoid gives autograd its own
    derivative, y(1 - y), which is right everywhere, kink or not.
""")
L.check("sigmoid at |x| = 1000 matches torch", sigmoid(big), torch.sigmoid(big), tol=1e-12)
L.check("the two halves' gradient stays finite", torch.isfinite(halves_grad).all().double(), 1.0, tol=0)
L.check("sigmoid' = y(1 - y) matches torch's autograd, x = 0 included", ours_grad, torch_grad, tol=1e-12)

# %% [markdown]
# ## 3. G and D as MLPs

# %%
G, D = Generator(device=L.device), Discriminator(device=L.device)
z = torch.randn(8, 64, device=L.device)
x_fake = G(z)
logits = D(x_fake)
print("G:", " -> ".join(type(layer).__name__ for layer in G.layers))
print("D:", " -> ".join(type(layer).__name__ for layer in D.layers))
print(f"z {tuple(z.shape)} -> G(z) {tuple(x_fake.shape)} in [{x_fake.min().item():.2f}, {x_fake.max().item():.2f}]"
      f" -> D(G(z)) logits {tuple(logits.shape)}")
print(f"parameters: G {sum(p.numel() for p in G.parameters()):,}, D {sum(p.numel() for p in D.parameters()):,}\n")
L.check("G's tanh keeps every pixel in [-1, 1]", x_fake.abs().max().clamp(max=1), x_fake.abs().max(), tol=0)
# %%
L.finish()
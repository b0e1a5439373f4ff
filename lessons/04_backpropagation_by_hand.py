r"""Lesson 4 — Backpropagation by hand

Goal: compute every gradient of a small MLP yourself, with the chain rule, and confirm it
two ways: against autograd on torch's own functions (torch.tanh, F.linear), and against
finite differences (no calculus at all).

For y = f(x), each layer turns the gradient of the loss with respect to its output,
dL/dy, into the gradient with respect to its input, dL/dx = dL/dy * dy/dx, and (for a
Linear layer) also the gradients of its parameters. Running the layers backwards, from
the loss to the input, is backpropagation:

    h1 = x W1^T + b1,   a1 = tanh(h1),   y = a1 W2^T + b2,   L = mean(y^2)

    dL/dy  = 2 y / numel(y)         (the mean is over all N x 2 = 10 numbers of y)
    dL/dW2 = (dL/dy)^T a1           dL/da1 = (dL/dy) W2
    dL/dh1 = dL/da1 * (1 - a1^2)    dL/dW1 = (dL/dh1)^T x

A finite difference checks any one number: dL/dw ≈ (L(w + h) - L(w - h)) / 2h.

You will see: the gradients written out, matching autograd to float64 precision, a
finite-difference check of single weights, and the hand-written backward of ganlab's own
layers doing the same for a whole network.

Why autograd on *torch's* functions: ganlab's own tanh tells autograd to use
tanh_backward as its derivative (lesson 3's Elementwise), so autograd run on ganlab's tanh
would compare tanh_backward with itself. A check must compare with something independent.
"""
import torch
import torch.nn.functional as F

from ganlab.lab.teaching import lesson
from ganlab.activations import Tanh, tanh, tanh_backward
from ganlab.linear import Linear, linear, linear_backward
from ganlab.sequential import Sequential

L = lesson.setup(__doc__, number=4)
dt = torch.float64                                  # exact enough to see agreement to ~1e-15
gen = torch.Generator().manual_seed(L.seed)
x = torch.randn(5, 3, generator=gen, dtype=dt)      # (N=5, 3)
W1, b1 = torch.randn(4, 3, generator=gen, dtype=dt), torch.randn(4, generator=gen, dtype=dt)
W2, b2 = torch.randn(2, 4, generator=gen, dtype=dt), torch.randn(2, generator=gen, dtype=dt)


def loss_of(W1, b1, W2, b2):
    """The same loss from torch's own functions: the independent reference."""
    a1 = torch.tanh(F.linear(x, W1, b1))            # (5, 4)
    y = F.linear(a1, W2, b2)                        # (5, 2)
    return (y ** 2).mean()


# %% [markdown]
# ## 1. Forward, keeping what backward needs

# %%
h1 = linear(x, W1, b1)
a1 = tanh(h1)
y = linear(a1, W2, b2)
loss = (y ** 2).mean()
print(f"loss = {loss.item():.6f}\n")

# %% [markdown]
# ## 2. Backward by hand, layer by layer, from the loss to the input

# %%
grad_y = 2 * y / y.numel()                          # dL/dy = 2y/10    (5, 2)
grad_a1, grad_W2, grad_b2 = linear_backward(a1, W2, grad_y)
grad_h1 = tanh_backward(a1, grad_a1)                # dL/dh1 = dL/da1 * (1 - a1^2)
grad_x, grad_W1, grad_b1 = linear_backward(x, W1, grad_h1)

# %% [markdown]
# ## 3. Against autograd on torch's own functions

# %%
params = [p.clone().requires_grad_(True) for p in (W1, b1, W2, b2)]
auto = torch.autograd.grad(loss_of(*params), params)
for name, ours, theirs in zip(["dL/dW1", "dL/db1", "dL/dW2", "dL/db2"], [grad_W1, grad_b1, grad_W2, grad_b2], auto):
    L.check(f"{name} by hand matches autograd", ours, theirs, tol=1e-12)
print()

# %% [markdown]
# ## 4. Against finite differences: nudge one weight, watch the loss

# %%
h = 1e-6
for (i, j) in [(0, 0), (3, 2)]:
    plus, minus = W1.clone(), W1.clone()
    plus[i, j] += h
    minus[i, j] -= h
    numeric = (loss_of(plus, b1, W2, b2) - loss_of(minus, b1, W2, b2)) / (2 * h)
    print(f"W1[{i},{j}]: by hand {grad_W1[i, j].item():+.10f}, finite difference {numeric.item():+.10f}")
    L.check(f"dL/dW1[{i},{j}] matches a finite difference", grad_W1[i, j], numeric, tol=1e-8)
print()

# %% [markdown]
# ## 5. ganlab's layers carry their backward with them

# %%
net = Sequential(Linear(3, 4, dtype=dt), Tanh(), Linear(4, 2, dtype=dt))
out = net(x)
net.zero_grad()
net.backward(2 * out.detach() / out.numel())        # the same dL/dy, passed down the stack
W1n, b1n, W2n, b2n = [p.clone().requires_grad_(True) for p in net.parameters()]
auto = torch.autograd.grad(loss_of(W1n, b1n, W2n, b2n), [W1n, b1n, W2n, b2n])
for k, (p, g) in enumerate(zip(net.parameters(), auto)):
    L.check(f"Sequential.backward, parameter {k}, matches autograd", p.grad, g, tol=1e-12)
# %%
L.finish()
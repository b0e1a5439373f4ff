r"""Lesson 16 — G's gradient through a frozen D

Goal: do by hand the one piece of backpropagation that only a GAN has: G learns from a
loss that is computed by another network, D, which must not change while G learns.

G's loss (non-saturating, lesson 8) is computed on D's logit for G's images:

    x = G(z),   l = D(x),   L_G = BCE(sigmoid(l), 1) = mean(log(1 + exp(-l)))

Backpropagation runs from L_G back to G's weights, and the only road from the loss to G
goes through D. So the G step:

    1. dL/dl = (sigmoid(l) - 1) / B             the loss's gradient at D's logits
    2. dL/dx = D.backward(dL/dl, param_grads=False)
                                                through D, layer by layer, to its input:
                                                D's own weights get no gradient and stay put
    3. G.backward(dL/dx, input_grad=False)      on into G, filling the gradient of every weight
                                                (no dL/dz: z is noise, nobody updates it)

dL/dx is an image: for every pixel of every fake, which way D says it should move to look
more real. G never sees a real digit; this picture is all it learns from.

You will see: dL/dx drawn beside the fakes, through an untrained D and through one that
has seen digits, D's weights untouched, and G's gradients
checked against autograd on torch's own functions (F.linear, F.leaky_relu, torch.tanh)
and against finite differences. The manual backend (ganlab train --backend manual) takes
exactly these steps.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ganlab.lab.teaching import lesson
from ganlab.lab.training.data import load_dataset
from ganlab.lab.watching.plots import grid_image
from ganlab.losses import bce_with_logits, bce_with_logits_backward
from ganlab.models import Discriminator, Generator
from ganlab.optim import Adam

L = lesson.setup(__doc__, number=16)
dt = torch.float64                                  # exact enough to see agreement to ~1e-15
gen = torch.Generator().manual_seed(L.seed)
G = Generator(dtype=dt, generator=gen)
D = Discriminator(dtype=dt, generator=gen)
z = torch.randn(16, 64, generator=gen, dtype=dt)     # (B=16, 64)

# %% [markdown]
# ## 1. Forward: G draws, D judges

# %%
x = G(z)                                            # (16, 784)
logits = D(x)                                       # (16, 1)
loss = bce_with_logits(logits, torch.ones_like(logits))
print(f"L_G = {loss.item():.6f}   (D calls the fakes real with mean probability "
      f"{torch.sigmoid(logits).mean().item():.3f})\n")

# %% [markdown]
# ## 2. Backward by hand: through D to the images, then into G

# %%
D_before = [p.clone() for p in D.parameters()]
D.zero_grad()
G.zero_grad()
grad_logits = bce_with_logits_backward(logits, torch.ones_like(logits))     # (16, 1)
grad_x = D.backward(grad_logits, param_grads=False)                          # (16, 784)
G.backward(grad_x, input_grad=False)                                         # fills G's .grad
print(f"dL/dl {tuple(grad_logits.shape)} -> dL/dx {tuple(grad_x.shape)} -> "
      f"{len(G.parameters())} gradients for G's weights\n")

L.check("D's weights have no gradient (0 = none)", float(sum(p.grad is not None for p in D.parameters())), 0.0, tol=0)
L.check("D's weights did not move", max((p - b).abs().max().item() for p, b in zip(D.parameters(), D_before)), 0.0, tol=0)

# %% [markdown]
# ## 3. Against autograd on torch's own functions

# %%
# The same G and D written with torch.nn.functional, from copies of the same weights: autograd
# differentiates them with torch's derivatives, independent of ganlab's hand-written ones.
G_params = [p.detach().clone().requires_grad_(True) for p in G.parameters()]
D_params = [p.detach().clone().requires_grad_(True) for p in D.parameters()]


def torch_G(z, W1, b1, W2, b2, W3, b3):
    return torch.tanh(F.linear(F.relu(F.linear(F.relu(F.linear(z, W1, b1)), W2, b2)), W3, b3))


def torch_D(x, W1, b1, W2, b2, W3, b3):
    return F.linear(F.leaky_relu(F.linear(F.leaky_relu(F.linear(x, W1, b1), 0.2), W2, b2), 0.2), W3, b3)


x_t = torch_G(z, *G_params)
x_t.retain_grad()                                   # keep dL/dx, the gradient at the images
loss_t = F.binary_cross_entropy_with_logits(torch_D(x_t, *D_params), torch.ones(16, 1, dtype=dt))
loss_t.backward()
L.check("L_G matches torch", loss, loss_t, tol=1e-12)
L.check("dL/dx through D matches autograd", grad_x, x_t.grad, tol=1e-12)
for k, (p, q) in enumerate(zip(G.parameters(), G_params)):
    L.check(f"G's gradient, parameter {k}, matches autograd", p.grad, q.grad, tol=1e-12)
print()

# %% [markdown]
# ## 4. Against finite differences: nudge one weight of G, watch L_G

# %%
h = 1e-6
W = G.layers[0].W
for (i, j) in [(0, 0), (100, 30)]:
    with torch.no_grad():
        W[i, j] += h
        plus = bce_with_logits(D(G(z)), torch.ones(16, 1, dtype=dt))
        W[i, j] -= 2 * h
        minus = bce_with_logits(D(G(z)), torch.ones(16, 1, dtype=dt))
        W[i, j] += h
    numeric = (plus - minus) / (2 * h)
    print(f"G's W1[{i},{j}]: by hand {W.grad[i, j].item():+.10f}, finite difference {numeric.item():+.10f}")
    L.check(f"G's dL/dW1[{i},{j}] matches a finite difference", W.grad[i, j], numeric, tol=1e-8)
print()

# %% [markdown]
# ## 5. What D tells G: dL/dx as images

# %%
# An untrained D has nothing to say yet. Train a fresh D for 200 steps to tell real digits
# from these fakes (G stays frozen), and ask it again.
images = load_dataset("mnist-sample").images                                # (4000, 784), float32
trained = Discriminator(generator=torch.Generator().manual_seed(L.seed + 1))  # float32: the speed of training
fakes = x.detach().float()
opt = Adam(trained.parameters(), lr=2e-4, betas=(0.5, 0.999))
for step in range(200):
    real = images[torch.randint(len(images), (64,), generator=gen)]
    d_loss = bce_with_logits(trained(real), torch.ones(64, 1)) + bce_with_logits(trained(fakes), torch.zeros(16, 1))
    opt.step(torch.autograd.grad(d_loss, trained.parameters()))
logits_trained = trained(fakes)
grad_x_trained = trained.backward(bce_with_logits_backward(logits_trained, torch.ones_like(logits_trained)),
                                  param_grads=False)
print(f"the trained D calls the fakes real with mean probability {torch.sigmoid(logits_trained).mean().item():.3f}\n")

L.say("""
    Each picture in the middle and on the right is -dL/dx for the fake on the left: gradient
    descent moves every pixel along it, white brighter, black darker (scaled per image).
    It is the whole of what G learns in a step: not "draw a digit", only "move these pixels
    this way". An untrained D points nowhere in particular. A D that has seen digits points
    every fake the same way: darker at the border, brighter in the middle, where digits
    have their ink. Only when the fakes differ does D's advice for each differ too.
""")


def as_image(grad):
    return -grad / grad.abs().amax(dim=1, keepdim=True)                   # in [-1, 1] per image


fig, axes = plt.subplots(1, 3, figsize=(13, 4.8))
axes[0].imshow(grid_image(fakes, nrow=4), cmap="gray")
axes[0].set_title("G(z): 16 fakes (untrained G)")
axes[1].imshow(grid_image(as_image(grad_x.float()), nrow=4), cmap="gray")
axes[1].set_title("-dL/dx through an untrained D")
axes[2].imshow(grid_image(as_image(grad_x_trained), nrow=4), cmap="gray")
axes[2].set_title("-dL/dx through D after 200 steps on digits")
for ax in axes:
    ax.axis("off")
L.save(fig, "gradient_through_d.png")
# %%
L.finish()
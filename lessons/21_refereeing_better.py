r"""Lesson 21 — Refereeing better: spectral norm, penalties, other losses, augmentation

Goal: build the techniques that make D a better referee on a small data set, check each
against torch, and read what each measured.

Lesson 14 showed the failure that matters most on a small data set: D pulls ahead, D(x)
climbs to the label it is trained towards (0.9 with one-sided label smoothing) while
D(G(z)) falls to 0, and G's gradient stops saying how to look like a digit. (That D has
then learned the training digits by heart is the usual reading; this lesson does not
measure it.) Four families of fixes, each an option of `ganlab train`:

    spectral norm      every weight matrix of D divided by its largest singular value,
                       W / sigma(W): no layer stretches any input by more than 1, so D's
                       verdict changes slowly from image to image  (--spectral-norm)
    gradient penalty   a term on the gradient of D's logit with respect to its input:
                       R1 = gamma/2 E ||grad_x D(x)||^2 on real images  (--r1 GAMMA), or
                       WGAN-GP = lambda E (||grad D(x_hat)|| - 1)^2 between real and fake
                       (--loss wgan-gp)
    other losses       the same logits, scored differently: least squares, hinge,
                       Wasserstein  (--loss lsgan|hinge|wgan-gp)
    augmentation       D sees every image, real and fake, shifted and partly erased at
                       random, in both steps  (--translation, --cutout)

Lesson 10 built spectral norm's forward pass and checked it against torch. W's singular
values measure how much W stretches each of a set of perpendicular directions; the
largest, sigma(W), is the most W stretches any input: max over x of ||W x|| / ||x||.
sigma(W) is found by power iteration, one round per training step (W changes little
between steps, so the estimate keeps up): multiplying by W and then by W^T stretches the
top direction most, so after a few rounds u and v point along it,

    u <- W v / ||W v||,    v <- W^T u / ||W^T u||,    sigma ~ u^T W v

A penalty on grad_x D is a loss on a gradient: training D on it needs the derivative of a
derivative. Autograd records the first backward pass (create_graph=True) and
differentiates it again; the manual backend writes first derivatives only, and refuses R1
and WGAN-GP in one line.

You will see: power iteration converging to torch.linalg.svdvals, a convolution's filters
normalized as torch normalizes nn.Conv2d's, each loss drawn against
D's logit, both penalties and a second derivative checked, what D sees through
DiffAugment, and what each technique measured over 10,000 steps.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

from ganlab.augment import DiffAugment
from ganlab.lab.teaching import lesson
from ganlab.lab.training.data import load_dataset
from ganlab.lab.watching.plots import grid_image
from ganlab.models import Discriminator
from ganlab.objective import (bce_fake, bce_real, hinge_fake, hinge_real, lsgan_fake, lsgan_real,
                              wasserstein_fake, wasserstein_real)
from ganlab.penalties import gradient_penalty, r1_penalty
from ganlab.spectral_norm import SpectralNormConv2d, SpectralNormLinear, normalize, power_iteration

L = lesson.setup(__doc__, number=21)
gen = torch.Generator().manual_seed(L.seed)

# %% [markdown]
# ## 1. Spectral norm: the largest singular value, by power iteration

# %%
# A weight matrix like D's first layer (256 x 784), with one direction stretched more than
# the rest, as training tends to leave it
W = torch.randn(256, 784, generator=gen, dtype=torch.float64) / 28
W += 1.5 * torch.outer(normalize(torch.randn(256, generator=gen, dtype=torch.float64)),
                       normalize(torch.randn(784, generator=gen, dtype=torch.float64)))
singular_values = torch.linalg.svdvals(W)
u = normalize(torch.randn(256, generator=gen, dtype=torch.float64))
v = normalize(torch.randn(784, generator=gen, dtype=torch.float64))
estimates = []
for _ in range(30):
    u, v = power_iteration(W, u, v)
    estimates.append((u @ W @ v).item())                         # sigma ~ u^T W v
L.check("power iteration's sigma after 30 rounds = torch.linalg.svdvals(W)[0]", estimates[-1],
        singular_values[0], tol=1e-6)

layer = SpectralNormLinear(784, 256, generator=gen, dtype=torch.float64)
# Freshly initialized, its top singular values lie close together and the estimate creeps up
# on sigma; in training, one round per step over thousands of steps does the same
for _ in range(1000):                                             # each forward pass: one round
    layer(torch.zeros(1, 784, dtype=torch.float64))
L.check("the layer's W / sigma has largest singular value 1 (torch.linalg.svdvals)",
        torch.linalg.svdvals(layer.W_sn)[0], 1.0, tol=1e-4)
x = torch.randn(64, 784, generator=gen, dtype=torch.float64)
stretch = (layer(x) - layer(x.roll(1, 0))).norm(dim=1) / (x - x.roll(1, 0)).norm(dim=1)
print(f"largest ||f(x) - f(x')|| / ||x - x'|| over 64 pairs: {stretch.max():.3f} (at most 1)\n")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].plot(range(1, 31), estimates, "o-", ms=3, label="u^T W v after k rounds")
axes[0].axhline(singular_values[0], color="k", ls="--", lw=1, label="torch.linalg.svdvals(W)[0]")
axes[0].set(xlabel="power iteration rounds", ylabel="estimate of sigma(W)", title="Power iteration")
axes[0].legend(fontsize=8)
axes[1].plot(singular_values, label="W")
axes[1].plot(singular_values / estimates[-1], label="W / sigma(W)")
axes[1].axhline(1, color="k", ls=":", lw=1)
axes[1].set(xlabel="index", ylabel="singular value", title="The spectrum, before and after")
axes[1].legend(fontsize=8)
fig.tight_layout()
L.save(fig, "spectral_norm.png")


# %% [markdown]
# *Left: the power iteration's estimate of σ(W) reaching `torch.linalg.svdvals(W)[0]` in a
# few rounds, for a matrix whose largest singular value stands apart. Right: the spectrum of
# W, and of W / σ(W), whose largest value is 1.*

# %% [markdown]
# ### A convolution's filters, normalized as one matrix
#
# A convolution multiplies every patch by its filters flattened to a (C_out, C_in·k·k)
# matrix (lesson 18), so spectral norm divides them by that matrix's σ
# (`--recipe dcgan --spectral-norm`), as torch's `spectral_norm` does on `nn.Conv2d`. Each patch
# is then stretched by at most 1. Patches overlap, though: with 4 × 4 filters at stride 2 a
# pixel lies in up to 4 of them, and the whole image can stretch up to k / stride = 2 times.

# %%
conv = SpectralNormConv2d(64, 128, 4, stride=2, padding=1, generator=gen, dtype=torch.float64)
theirs = spectral_norm(torch.nn.Conv2d(64, 128, 4, stride=2, padding=1).double())
with torch.no_grad():                                  # the same filters and power-iteration start
    theirs.parametrizations.weight.original.copy_(conv.W)
    theirs.bias.copy_(conv.b)
    theirs.parametrizations.weight[0]._u.copy_(conv.u)
    theirs.parametrizations.weight[0]._v.copy_(conv.v)
maps = torch.randn(2, 64, 14, 14, generator=gen, dtype=torch.float64)
L.check("a normalized convolution = torch's spectral_norm(nn.Conv2d)", conv(maps), theirs(maps), tol=1e-10)
for _ in range(300):                                   # one power-iteration round per forward pass
    conv(maps)
L.check("its filters as a (128, 64·4·4) matrix have largest singular value 1",
        torch.linalg.svdvals(conv.W_sn.reshape(128, -1))[0], 1.0, tol=1e-4)
x = torch.randn(1, 64, 14, 14, generator=gen, dtype=torch.float64)
for _ in range(300):                                   # power iteration on the whole map x -> conv(x)
    x = x.requires_grad_(True)
    (grad,) = torch.autograd.grad(F.conv2d(x, conv.W_sn, stride=2, padding=1).square().sum() / 2, x)
    x = (grad / grad.norm()).detach()                  # convᵀ conv x, normalized
whole = F.conv2d(x, conv.W_sn, stride=2, padding=1).norm().item()
print(f"the most the whole convolution stretches a 14 x 14 map: {whole:.2f} (each patch: at most 1; "
      f"the bound: k / stride = 2)\n")


# %% [markdown]
# ## 2. Four ways to score D's logits

# %%
logits = torch.linspace(-4, 4, 161, dtype=torch.float64).view(-1, 1)
LOSSES = {"BCE": (bce_real, bce_fake), "least squares": (lsgan_real, lsgan_fake),
          "hinge": (hinge_real, hinge_fake), "Wasserstein": (wasserstein_real, wasserstein_fake)}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
for name, (real, fake) in LOSSES.items():
    axes[0].plot(logits.squeeze(), [real(l.view(1, 1)).item() for l in logits], label=name)
    axes[1].plot(logits.squeeze(), [fake(l.view(1, 1)).item() for l in logits], label=name)
axes[0].set(xlabel="D's logit for a real image", ylabel="D's loss", title="On real images: push the logit up",
            ylim=(-4.5, 6))
axes[1].set(xlabel="D's logit for a fake image", title="On fakes: push it down")
axes[0].legend(fontsize=8)
fig.tight_layout()
L.save(fig, "losses_on_logits.png")
L.say("""
    BCE's push on a real image's logit, sigmoid(-l), dies off exponentially once D is right
    (and with the real label 0.9 it even pulls a logit above log 9 back down). Least squares
    pulls every logit towards its target, the harder the further it is: it pulls a very
    confident logit back to 1. Hinge stops pushing a real above +1 and a fake below -1: a D
    that is sure enough gets no more gradient, which keeps it from racing ahead. Wasserstein
    pushes with the same force however far D has gone, which is why it needs its penalty.
""")
ones = torch.ones_like(logits)
L.check("BCE on reals = F.binary_cross_entropy_with_logits(l, 1)", bce_real(logits),
        F.binary_cross_entropy_with_logits(logits, ones), tol=1e-12)
L.check("least squares on reals = F.mse_loss(l, 1) / 2", lsgan_real(logits), F.mse_loss(logits, ones) / 2, tol=1e-12)
L.check("least squares on fakes = F.mse_loss(l, 0) / 2", lsgan_fake(logits), F.mse_loss(logits, 0 * ones) / 2, tol=1e-12)
L.check("hinge on reals = mean of F.relu(1 - l)", hinge_real(logits), F.relu(1 - logits).mean(), tol=1e-12)
L.check("hinge on fakes = mean of F.relu(1 + l)", hinge_fake(logits), F.relu(1 + logits).mean(), tol=1e-12)
print()


# %% [markdown]
# *D's loss for one image against its logit, for each of the four losses: hinge stops pushing
# once D is sure enough; least squares pulls an over-confident logit back.*

# %% [markdown]
# ## 3. Gradient penalties, and the derivative of a derivative

# %%
D = Discriminator(784, 64, dtype=torch.float64, generator=gen)
x_real = torch.rand(8, 784, generator=gen, dtype=torch.float64) * 2 - 1
x_fake = torch.rand(8, 784, generator=gen, dtype=torch.float64) * 2 - 1


def per_image_gradients(images):
    """grad_x D(x), one image at a time: torch's autograd on each logit on its own."""
    rows = []
    for image in images:
        image = image.view(1, -1).clone().requires_grad_(True)
        rows.append(torch.autograd.grad(D(image).sum(), image)[0])
    return torch.cat(rows)                                       # (B, 784)


seen = x_real.clone().requires_grad_(True)
r1 = r1_penalty(D(seen), seen, gamma=1.0)
L.check("R1 = gamma/2 mean ||grad_x D(x)||^2, against per-image autograd", r1,
        0.5 * per_image_gradients(x_real).square().sum(1).mean(), tol=1e-12)

penalty_rng = torch.Generator().manual_seed(7)
gp = gradient_penalty(D, x_real, x_fake, 10.0, penalty_rng)
eps = torch.rand(8, 1, generator=torch.Generator().manual_seed(7), dtype=torch.float64)   # the same draws
x_hat = eps * x_real + (1 - eps) * x_fake
L.check("WGAN-GP = lambda mean (||grad D(x_hat)|| - 1)^2, against per-image autograd", gp,
        10.0 * (per_image_gradients(x_hat).norm(dim=1) - 1).square().mean(), tol=1e-12)

# D trains on R1 through its weights: a second derivative, against a finite difference
W0 = D.layers[0].W
(grad_W,) = torch.autograd.grad(r1, W0)


def r1_at(w00):
    with torch.no_grad():
        saved = W0[0, 0].item()
        W0[0, 0] = w00
    x = x_real.clone().requires_grad_(True)
    value = r1_penalty(D(x), x, gamma=1.0).item()
    with torch.no_grad():
        W0[0, 0] = saved
    return value


h, w00 = 1e-6, W0[0, 0].item()
L.check("dR1/dW[0, 0] by double backward = the finite difference", grad_W[0, 0],
        (r1_at(w00 + h) - r1_at(w00 - h)) / (2 * h), tol=1e-8)
print()

# %% [markdown]
# ## 4. What D sees through DiffAugment

# %%
data = load_dataset("mnist-sample", device="cpu")
first_of_each = [int((data.labels == d).nonzero()[0]) for d in range(8)]     # digits 0 to 7
digits = data.images[first_of_each].double()
augment = DiffAugment(translation=0.125, cutout=0.5, rng=torch.Generator().manual_seed(L.seed))
views = [digits] + [augment(digits) for _ in range(3)]
fig, ax = plt.subplots(figsize=(8, 4.4))
ax.imshow(grid_image(torch.cat(views).float(), nrow=8), cmap="gray")
ax.set_title("top row: 8 training digits; below: three draws of what D sees (shift up to 4 px, 14 x 14 erased)",
             fontsize=8)
ax.axis("off")
L.save(fig, "what_d_sees.png")

x = digits.clone().requires_grad_(True)
y = augment(x)                                                    # one draw, kept for backward
g = torch.randn(y.shape, generator=gen, dtype=torch.float64)
(auto,) = torch.autograd.grad(y, x, g)
L.check("DiffAugment's hand-written backward = autograd (G's gradient passes through it)",
        augment.backward(g), auto, tol=1e-12)
shift_y, shift_x = int(augment.shift_y[0]), int(augment.shift_x[0])
padded = F.pad(digits[:1].view(1, 28, 28), (4, 4, 4, 4), value=-1.0)[0]
crop = padded[4 - shift_y:32 - shift_y, 4 - shift_x:32 - shift_x]
L.check("the shift = F.pad by 4 with background, then a crop at the shifted corner",
        (y[0].view(28, 28) * augment.mask[0] + (1 - augment.mask[0]) * -1.0),
        crop * augment.mask[0] + (1 - augment.mask[0]) * -1.0, tol=0)
print()


# %% [markdown]
# *Eight training digits, and three random draws of what D sees through DiffAugment: shifted
# by up to 4 pixels, with a 14 × 14 square erased.*

# %% [markdown]
# ## 5. What each measured

# %%
L.say("""
    docs/recipes.md trained each for 10,000 steps on the 5,000-digit sample, at the classic
    learning rate 2e-4, starting from ganlab's recipe without spectral norm (classifier FID,
    lower is better; 3 seeds where a spread is given, else one run; ganlab's MLP now learns
    at 1e-3, docs/recipes.md#the-learning-rate):

        without spectral norm                        75 ± 12
        + spectral norm                              19 ± 0.3   the default recipe at lr 2e-4
        + spectral norm, hinge loss                  18 ± 4
        + R1 penalty, gamma 1                        24 ± 2
        + least-squares loss                         75 ± 18
        + Wasserstein loss and penalty               96 ± 7
        + slower D (--lr-d 1e-4)                     127 ± 10
        + DiffAugment (translation 1/8, cutout 1/2)  294 ± 18

    Spectral norm and R1 both cure the memorizing D: one limits how steep D can be anywhere,
    the other how steep it is at the real digits. Hinge adds little on top. DiffAugment, the
    cure for convolutional D's that memorize small data sets, fails here: an MLP D reads pixels by
    position, so a digit shifted by 4 pixels is a new image to it, and it cannot learn what
    the shifted and erased real digits have in common. Lesson 20's convolutional D shares
    its filters across positions, which is what augmentation assumes, and still it did not
    help there: FID 66.7 ± 12.0 against 24.8 ± 1.5 without, after 3,000 steps (3 seeds
    each). It cures a D that memorizes; at 5,000 digits, this D does not.
""")
# %%
L.finish()

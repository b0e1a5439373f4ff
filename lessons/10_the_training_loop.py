r"""Lesson 10 — The training loop

Goal: put everything together and train a GAN on real digits, one D step and one G step
at a time, and see that the nn.Module twin, fed the same batches and noise, computes the
same numbers.

Each step:

    1. D step:  z ~ N(0, I);  x_fake = G(z), with no gradient into G
                loss_D = BCE(D(x_real), 1) + BCE(D(x_fake), 0)    -> Adam step on D
    2. G step:  fresh z;  loss_G = BCE(D(G(z)), 1)                 -> Adam step on G only

Part 1 writes this loop out with the classic recipe (sigmoid + BCE on probabilities, Adam
with default betas), exactly what the twin in ganlab/reference/twin.py does, for 200 steps.
Watch D(x) and D(G(z)): an untrained D says about 1/2 to everything, then D learns far
faster than G: by step 200 D(x) is about 0.99 and D(G(z)) about 0.04. D wins. With the non-saturating
loss G still gets strong gradients (lesson 8: near -1 exactly when D(G(z)) is near 0), but
they point at whatever D dislikes least, not at the data, which is why this recipe learns
slowly and, on 5,000 digits, stalls.

Part 2 builds the referee that ganlab's recipe adds to D, each piece checked against torch:

    dropout        y = x * m / (1 - p),  m_i ~ Bernoulli(1 - p): each of D's hidden units is
                   silenced at random in each step, so D cannot rely on any few of its
                   features (it drops hidden units, not input pixels; against F.dropout's
                   statistics)
    spectral norm  W / sigma(W): every weight divided by its largest singular value, the
                   most that W stretches any input (|Wx| <= sigma |x|). D's verdict then
                   changes slowly from image to image. sigma comes from power iteration:
                   multiply a vector by W and by W^T, normalize, repeat; the vector turns
                   towards the direction W stretches most, and u^T W v measures the stretch
                   (against torch.nn.utils.parametrizations.spectral_norm)
    averaged G     theta_ema <- d theta_ema + (1 - d) theta after each step: samples are
                   drawn from a running average of G's weights, which wobbles less than G
                   (against torch.optim.swa_utils.AveragedModel, in part 3)
    label 0.9      D is trained towards 0.9 on real digits instead of 1 (one-sided label
                   smoothing): it is never rewarded for being certain. Lesson 8's argument
                   then gives the best D = 0.9 p_data / (p_data + p_g): at most 0.9, and
                   0.45 where G draws the data (docs/theory/discriminator.md)

Part 3 runs the same loop, packaged as ganlab.gan.GAN (its step is the loop body above),
with ganlab's recipe, which keeps D from winning outright (lesson 14 and docs/recipes.md):
BCE on logits, Adam beta1 = 0.5, and the four pieces of part 2. --quick (default) trains it
1,500 steps, about 30 seconds, enough for the first recognizable digits (0s, 9s, 3s and
1s among blobs: the other digits come later); --full trains 10,000. Lesson 21 goes further into
spectral norm (its backward, and how fast power iteration converges) and adds the other
ways to referee.

You will see: the log of the classic loop's columns, the curves of D(x) and D(G(z)) for ganlab and
its twin on top of each other, and how the two drift apart: they compute the same
function, but float32 rounds the two formulas differently in the last bit, and the game
amplifies such tiny differences step after step, the way a chaotic system does. Over the
first 50 steps they agree to about 1e-7, by step 200 to a few 1e-4. Then the referee's
checks, and the refereed run's curves and its digits.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm
from torch.optim.swa_utils import AveragedModel

from ganlab.lab.teaching import lesson
from ganlab.activations import sigmoid
from ganlab.lab.training.data import load_dataset
from ganlab.lab.training.loop import StepInputs, batch_stream
from ganlab.lab.training.build import make_gan
from ganlab.dropout import Dropout
from ganlab.losses import bce
from ganlab.models import Discriminator, Generator
from ganlab.optim import Adam
from ganlab.spectral_norm import SpectralNormLinear
from ganlab.lab.watching.plots import grid_image
from ganlab.reference.twin import TwinGAN

L = lesson.setup(__doc__, number=10)
images = load_dataset("mnist-sample", device=L.device).images           # (4000, 784)
steps = 200

G, D = Generator(device=L.device), Discriminator(device=L.device)
opt_G = Adam(G.parameters(), lr=2e-4)                                   # default betas (0.9, 0.999)
opt_D = Adam(D.parameters(), lr=2e-4)
twin = TwinGAN(device=L.device)                                    # nn.Module GAN, same weights
twin.G.load_state_dict(G.state_dict())
twin.D.load_state_dict(D.state_dict())

noise = torch.Generator(device=L.device).manual_seed(L.seed)
stream = batch_stream(len(images), 100, seed=L.seed, device=L.device)   # each step's batch: a shuffled epoch, then the next
ours, theirs = [], []
for step in range(1, steps + 1):
    x_real = images[next(stream)]                                       # (100, 784)
    z_d = torch.randn(100, 64, generator=noise, device=L.device)        # noise for the D step
    z_g = torch.randn(100, 64, generator=noise, device=L.device)        # and fresh noise for the G step

    # 1. D step: G's output without a graph, so this step cannot change G
    with torch.no_grad():
        x_fake = G(z_d)
    p_real, p_fake = sigmoid(D(x_real)), sigmoid(D(x_fake))             # D(x), D(G(z))
    d_loss = bce(p_real, 1.0) + bce(p_fake, 0.0)
    opt_D.step(torch.autograd.grad(d_loss, D.parameters()))

    # 2. G step, on fresh noise: make D call the fakes real
    g_loss = bce(sigmoid(D(G(z_g))), 1.0)
    opt_G.step(torch.autograd.grad(g_loss, G.parameters()))

    ours.append([d_loss.item(), g_loss.item(), p_real.mean().item(), p_fake.mean().item()])
    theirs.append([v.item() for v in twin.step(x_real, z_d, z_g).values()])
    if step % 50 == 0:
        d, g, dx, dgz = ours[-1]
        print(f"epoch {step * 100 // len(images)}  step {step:4d}  d_loss {d:.4f}  g_loss {g:.4f}  "
              f"D(x) {dx:.3f}  D(G(z)) {dgz:.3f}")
print()

ours, theirs = torch.tensor(ours), torch.tensor(theirs)
L.check("ganlab and the nn twin agree on every logged number for 50 steps", ours[:50], theirs[:50], tol=1e-4)
gap = (ours - theirs).abs().max(dim=1).values                       # largest difference, per step
print(f"largest difference at step 50: {gap[:50].max().item():.1e}, by step {steps}: {gap.max().item():.1e}\n")

# %% [markdown]
# ## Part 2: the referee's pieces, each checked against torch

# %%
# Dropout: a million ones, half of them silenced, the rest scaled up by 1 / (1 - p) = 2
ones = torch.ones(1000, 1000)
ours_dropped = Dropout(0.5, torch.Generator().manual_seed(L.seed))(ones)
torch.manual_seed(L.seed)
torch_dropped = F.dropout(ones, p=0.5, training=True)
L.check("dropout silences the same share of units as F.dropout (1e6 units)",
        (ours_dropped == 0).float().mean(), (torch_dropped == 0).float().mean(), tol=0.005)
L.check("dropout scales the units it keeps as F.dropout does: by 1 / (1 - p)",
        ours_dropped[ours_dropped != 0].unique(), torch_dropped[torch_dropped != 0].unique(), tol=0)
L.check("dropout keeps the mean: E[y] = x", ours_dropped.mean(), 1.0, tol=0.005)

# Spectral norm: the same weight, bias and power-iteration vectors in ganlab's layer and in
# an nn.Linear with torch's parametrization; one training forward pass each
ours_sn = SpectralNormLinear(784, 256, generator=torch.Generator().manual_seed(L.seed), dtype=torch.float64)
torch_sn = spectral_norm(torch.nn.Linear(784, 256, dtype=torch.float64))
with torch.no_grad():
    torch_sn.parametrizations.weight.original.copy_(ours_sn.W)
    torch_sn.bias.copy_(ours_sn.b)
    torch_sn.parametrizations.weight[0]._u.copy_(ours_sn.u)
    torch_sn.parametrizations.weight[0]._v.copy_(ours_sn.v)
x = images[:100].double()
L.check("spectral norm's forward = nn.Linear under torch's spectral_norm (float64)",
        ours_sn(x), torch_sn(x), tol=1e-12)
sigma_true = torch.linalg.svdvals(ours_sn.W.detach())[0]
print(f"sigma(W) of a fresh 256 x 784 layer, after the 15 rounds of power iteration it starts with: "
      f"{ours_sn.sigma.item():.3f}; torch.linalg.svdvals: {sigma_true.item():.3f}")
L.say("""
    A fresh layer's largest singular values lie close together, so 15 rounds leave the estimate a
    little short; in training, one more round per step closes the gap (lesson 21 draws it).
""")

# %% [markdown]
# ## Part 3: the same loop, refereed, until G draws digits

# %%
refereed_steps = 1500 if L.quick else 10000
gan = make_gan("ganlab", device=L.device, seed=L.seed)     # lr 1e-3, β₁ 0.5, BCE on logits, label 0.9,
                                                           # dropout 0.5, spectral norm, EMA 0.999
# what ganlab train does before each step, packaged: the next batch, then z_d and z_g as above
stream = batch_stream(len(images), 100, seed=L.seed, device=L.device)
inputs = StepInputs(noise, latent_dim=64)
# torch's averaging, fed a copy of G after every step, beside ganlab's averaged G
twin_G = TwinGAN(device=L.device).G


def ema(average, new, t):
    """theta_ema + (1 - d)(theta - theta_ema), with the decay d = 0.999 warmed up as (1 + t) / (10 + t)."""
    d = min(gan.ema, (1 + t.item()) / (10 + t.item()))
    return average + (1 - d) * (new - average)


twin_G.load_state_dict(gan.G.state_dict())
torch_average = AveragedModel(twin_G, avg_fn=ema)
torch_average.update_parameters(twin_G)                            # its first call copies G, as ganlab's start does
refereed = []
for step in range(1, refereed_steps + 1):
    stats = gan.step(*inputs(images[next(stream)]))                 # the D step, then the G step
    twin_G.load_state_dict(gan.G.state_dict())
    torch_average.update_parameters(twin_G)
    refereed.append(torch.stack([stats["d_real"], stats["d_fake"]]))
    if step % 500 == 0:
        print(f"refereed  step {step:5d}  d_loss {stats['d_loss'].item():.4f}  g_loss {stats['g_loss'].item():.4f}  "
              f"D(x) {stats['d_real'].item():.3f}  D(G(z)) {stats['d_fake'].item():.3f}")
refereed = torch.stack(refereed).cpu()
print()
L.check(f"the averaged G = torch.optim.swa_utils.AveragedModel, after {refereed_steps:,} steps",
        torch.cat([p.flatten() for p in gan.G_ema.parameters()]),
        torch.cat([p.flatten() for p in torch_average.module.parameters()]), tol=1e-5)

fig, axes = plt.subplots(2, 2, figsize=(13, 9), constrained_layout=True)
axes = axes.flatten()
axes[0].plot(ours[:, 2], label="D(x), ganlab")
axes[0].plot(ours[:, 3], label="D(G(z)), ganlab")
axes[0].plot(theirs[:, 2], "--", label="D(x), nn twin")
axes[0].plot(theirs[:, 3], "--", label="D(G(z)), nn twin")
axes[0].axhline(0.5, color="gray", linestyle=":")
axes[0].set(xlabel="step", ylim=(0, 1), title="Part 1, classic recipe: D wins")
axes[0].legend()
axes[1].semilogy(gap.clamp(min=1e-9))
axes[1].set(xlabel="step", ylabel="largest |ganlab - twin|", title="Part 1: float32 rounding, amplified by the game")
window = 50                                                       # a running mean: the verdicts are noisy
smooth = refereed.unfold(0, window, 1).mean(dim=2)
axes[2].plot(range(window, len(refereed) + 1), smooth[:, 0], label="D(x)")
axes[2].plot(range(window, len(refereed) + 1), smooth[:, 1], label="D(G(z))")
axes[2].axhline(0.45, color="gray", linestyle=":", label="equilibrium 0.45 (real label 0.9)")
axes[2].set(xlabel="step", ylim=(0, 1), title=f"Part 3, ganlab's recipe: D ahead, not winning (mean of {window} steps)")
axes[2].legend()
with torch.no_grad():
    samples = gan.sampler()(torch.randn(64, 64, generator=torch.Generator(device=L.device).manual_seed(1),
                                        device=L.device))
axes[3].imshow(grid_image(samples), cmap="gray")
axes[3].set_title(f"Part 3: G's samples after {refereed_steps:,} steps")
axes[3].axis("off")
L.save(fig, "training_loop.png")

# %% [markdown]
# *Part 1: D(x) and D(G(z)) for ganlab and its twin, and the growing gap between them. Part 3: the refereed run's verdicts, near the equilibrium 0.45 of real label 0.9, and its samples after 1,500 steps.*

# %%
L.finish()
r"""Lesson 14 — Failure modes: break a GAN that works, one thing at a time

Goal: see what each classic mistake does to training, so you recognize it in your own
runs, and what cures it.

First ganlab's recipe trains until it draws digits: 1,500 steps (--full: 3,000), at the
classic learning rate, 2e-4. (ganlab's MLP trains five times faster by default. From that
rate, 300 steps without spectral norm neither let D pull ahead nor dissolved the digits, so
the lesson breaks the recipe at the rate where each failure shows within its 300 steps, the
rate the measurements quoted below were made at.) Then seven
runs start from that same trained G and D, with the same data and noise, and train 300
steps more (--full: 1,000), each with one thing changed. The first changes nothing: it
keeps drawing digits, and is the yardstick for the rest. Each failure, then its fix:

    failure             what changed                                  the fix
    no detach           the D step's loss also flows into G, and G     detach G(z) in the D step
                        steps on it: G is trained to make its fakes
                        *easier* to spot, fighting its own loss
    naive BCE           sigmoid, then BCE on probabilities (the        BCE on logits
                        classic recipe's loss)
    beta1 = 0.9         Adam's default momentum: D and G overshoot      beta1 = 0.5
                        and oscillate
    lr too large        lr = 5e-3, 25 times the recipe's 2e-4:         lr = 2e-4
                        steps far larger than the game tolerates
    D too small         a fresh D with 8 hidden units: a referee that  D as wide as G (256)
                        cannot see the difference
    no spectral norm    D's weights free to grow: on 5,000 digits D    spectral norm
                        memorizes them and the game stalls

Symptoms to read: D's verdicts D(x) and D(G(z)) over time, the samples at the end, and
their classifier FID (lesson 13; lower is better):

    no spectral    D's weights grow: within 300 steps D(x) climbs towards 0.9, D(G(z))
    norm           falls towards 0, and the digits dissolve into speckle. That is the
                   stalled game the quick start showed before spectral norm joined the
                   recipe. Over 3 seeds of 3,000 steps from scratch, spectral norm took the
                   classifier FID from 201 ± 33 to 72.5 ± 6.1 (docs/recipes.md)
    beta1 = 0.9    D pulls ahead in long waves, and the digits dissolve into speckle
    lr too large   the verdicts jump for a few steps, then D goes blind: D(x) and D(G(z))
                   sit together below 1/2, as with a too-small D. G, refereed by nobody,
                   drifts; if D wakes up within the run, the digits are gone. Steps this
                   large make each run a lottery (rerun with another --seed)
    D too small    D(x) and D(G(z)) sit together, the textbook equilibrium, yet the values
                   mean nothing: a referee too weak to see is not fooled, it is blind
    no detach      every D step also pushes G the wrong way; from a G that already draws
                   digits, 300 steps of it raise the FID without changing the look
    naive BCE      at these small logits it behaves like the recipe; it fails when D
                   becomes confident, as lesson 5 showed

Lesson 10 built spectral norm, dropout and the averaged G. Beyond them, ganlab builds other
techniques for a small data set, each one option of `ganlab train` and each built in
lesson 21. docs/recipes.md measures each on top of the
run without spectral norm, 10,000 steps on the 5,000-digit sample (classifier FID, lower
is better; 3 seeds where a spread is given, else one run):

    without spectral norm (--no-spectral-norm)  75 ± 12
    + spectral norm (--spectral-norm)           19 ± 0.3   the default recipe at lr 2e-4
    + spectral norm, hinge loss (--loss hinge)  18 ± 4
    + R1 penalty, gamma 1 (--r1 1)              24 ± 2
    + least-squares loss (--loss lsgan)         75 ± 18
    + Wasserstein loss and penalty              96 ± 7
    + slower D (--lr-d 1e-4)                    127 ± 10
    + DiffAugment (--translation --cutout)      294 ± 18   an MLP D cannot see past the shifts

The warm start is what fits the lesson's minute: seven runs from scratch, 300 steps each,
end on noise, the broken and the healthy alike.

You will see: the working GAN's digits; one row per run with its curves and samples; and
a table of the symptoms.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ganlab.lab.teaching import lesson
from ganlab.lab.training.checkpoint import load_training_state, training_state
from ganlab.lab.evaluation.classifier import load_scorer
from ganlab.lab.training.data import load_dataset
from ganlab.lab.training.loop import StepInputs, batch_stream
from ganlab.lab.evaluation.metrics import frechet_distance
from ganlab.gan import GAN
from ganlab.lab.training.build import build_gan
from ganlab.lab.training.config import make_config
from ganlab.models import Discriminator
from ganlab.objective import make_game
from ganlab.optim import Adam
from ganlab.lab.watching.plots import grid_image

L = lesson.setup(__doc__, number=14)
images = load_dataset("mnist-sample", device=L.device).images
WARM = 1500 if L.quick else 3000
STEPS = 300 if L.quick else 1000
RECIPE = make_config("ganlab", lr=2e-4, ema=0.0, seed=L.seed)    # lr 2e-4, β₁ 0.5, label 0.9, dropout, spectral norm
fixed_z = torch.randn(500, 64, generator=torch.Generator(device=L.device).manual_seed(1), device=L.device)
scorer = load_scorer("mnist-sample")
real_features, _ = scorer.net.embed(scorer.train_images)


def play(gan, steps, seed, step_fn=GAN.step):
    """``steps`` rounds of the game on the digits; D's verdicts D(x), D(G(z)) at each."""
    stream = batch_stream(len(images), 100, seed, device=L.device)
    inputs = StepInputs(torch.Generator(device=L.device).manual_seed(seed), latent_dim=64)
    d_real, d_fake = [], []
    for _ in range(steps):
        stats = step_fn(gan, *inputs(images[next(stream)]))          # (x, z_d, z_g)
        d_real.append(stats["d_real"].item())
        d_fake.append(stats["d_fake"].item())
    return d_real, d_fake


def samples_and_fid(gan):
    """G's images for the fixed noise, and their classifier FID against the training digits."""
    with torch.no_grad():
        x = gan.G(fixed_z)
    features, _ = scorer.net.embed(x.clamp(-1, 1).cpu())
    return x, frechet_distance(features, real_features)


# %% [markdown]
# ## 1. A GAN that works

# %%
torch.manual_seed(L.seed)
working = build_gan(RECIPE, L.device)
play(working, WARM, L.seed)
trained = training_state(working)                # what a checkpoint holds: G, D, both Adams
x, fid = samples_and_fid(working)
fig, ax = plt.subplots(figsize=(4, 4.3))
ax.imshow(grid_image(x[:36], nrow=6), cmap="gray")
ax.set_title(f"the recipe after {WARM} steps (FID {fid:.0f})", fontsize=9)
ax.axis("off")
L.save(fig, "working_gan.png")
print(f"after {WARM} steps of the recipe: classifier FID {fid:.1f}\n")



# %% [markdown]
# *The recipe after 1,500 steps: every run below starts here.*

# %% [markdown]
# ## 2. Seven runs from it, each with one thing changed

# %%
def no_detach_step(gan, x_real, z_d, z_g):
    """The D step without detaching G's output: D's loss also reaches G, and G steps on it."""
    x_fake = gan.G(z_d)                                          # graph kept: the mistake
    logits_real, logits_fake = gan.D(x_real), gan.D(x_fake)
    d_loss = gan.game.real(logits_real) + gan.game.fake(logits_fake)
    n_d = len(gan.D.parameters())
    grads = torch.autograd.grad(d_loss, gan.D.parameters() + gan.G.parameters())
    gan.opt_D.step(grads[:n_d])
    gan.opt_G.step(grads[n_d:])                                  # G descends D's loss
    g_loss = gan.game.g(gan.D(gan.G(z_g)))
    gan.opt_G.step(torch.autograd.grad(g_loss, gan.G.parameters()))
    return {"d_real": torch.sigmoid(logits_real).mean(), "d_fake": torch.sigmoid(logits_fake).mean(),
            "d_loss": d_loss, "g_loss": g_loss}


def naive_bce(gan):
    gan.game = make_game("bce", real_label=0.9, stable=False)
    return gan


def beta1_09(gan):
    for opt in (gan.opt_D, gan.opt_G):
        opt.betas = (0.9, 0.999)
    return gan


def lr_too_large(gan):
    for opt in (gan.opt_D, gan.opt_G):
        opt.lr = 5e-3
    return gan


def small_d(gan):
    gan.D = Discriminator(hidden_dim=8, dropout=0.5, spectral_norm=True, device=L.device,
                          rng=gan.rng)
    gan.opt_D = Adam(gan.D.parameters(), lr=RECIPE.lr, betas=(RECIPE.beta1, RECIPE.beta2))   # a fresh Adam for the new D
    return gan


def no_spectral_norm(gan):
    """D's layers as plain Linear layers holding the weights D uses, W / σ(W): the same D,
    from here on free to grow."""
    plain = Discriminator(dropout=0.5, device=L.device, rng=gan.rng)
    with torch.no_grad():
        for sn, layer in zip(gan.D.layers, plain.layers):
            if hasattr(sn, "u"):                                   # σ(W) ≈ uᵀ W v, as the SN layer computes it
                layer.W.copy_(sn.W / (sn.u @ (sn.W @ sn.v)))
                layer.b.copy_(sn.b)
    gan.D = plain
    gan.opt_D = Adam(gan.D.parameters(), lr=RECIPE.lr, betas=(RECIPE.beta1, RECIPE.beta2))   # a fresh Adam for the new D
    return gan


VARIANTS = {
    "recipe, unchanged": (None, None),
    "no detach": (no_detach_step, None),
    "naive BCE": (None, naive_bce),
    "beta1 = 0.9": (None, beta1_09),
    "lr too large": (None, lr_too_large),
    "D too small": (None, small_d),
    "no spectral norm": (None, no_spectral_norm),
}
FIXES = {"recipe, unchanged": "(the yardstick)", "no detach": "detach G(z) in the D step",
         "naive BCE": "BCE on logits", "beta1 = 0.9": "beta1 = 0.5", "lr too large": "lr = 2e-4",
         "D too small": "D as wide as G", "no spectral norm": "spectral norm"}

fig, axes = plt.subplots(len(VARIANTS), 2, figsize=(9, 2.6 * len(VARIANTS)),
                         gridspec_kw={"width_ratios": [2.2, 1]})
summary = {}
for row, (name, (step_fn, change)) in enumerate(VARIANTS.items()):
    torch.manual_seed(L.seed)
    gan = build_gan(RECIPE, L.device)
    load_training_state(gan, trained)                         # every run starts from the working GAN
    gan = change(gan) if change else gan
    d_real, d_fake = play(gan, STEPS, L.seed + 1, step_fn or GAN.step)
    x, fid = samples_and_fid(gan)
    tail = slice(-STEPS // 4, None)                               # the last quarter of the run
    summary[name] = {
        "D(x)": sum(d_real[tail]) / len(d_real[tail]),
        "D(G(z))": sum(d_fake[tail]) / len(d_fake[tail]),
        "wobble": torch.tensor(d_fake[tail]).std().item(),           # how much D(G(z)) oscillates
        "FID": fid,
    }
    axes[row, 0].plot(d_real, label="D(x)")
    axes[row, 0].plot(d_fake, label="D(G(z))")
    axes[row, 0].set(ylim=(0, 1), ylabel=name)
    axes[row, 1].imshow(grid_image(x[:36], nrow=6), cmap="gray")
    axes[row, 1].axis("off")
    axes[row, 1].set_title(f"FID {fid:.0f}; fix: {FIXES[name]}", fontsize=8)
axes[0, 0].legend(loc="upper right", fontsize=8)
axes[-1, 0].set_xlabel(f"step after the first {WARM}")
L.save(fig, "failure_modes.png")


# %% [markdown]
# *One row per run: D's verdicts over the 300 steps after the warm start, and the samples at the end with their classifier FID and the fix that cures the failure.*

# %% [markdown]
# ## 3. The symptoms, side by side

# %%
print(f"{'run':18s} {'D(x)':>6s} {'D(G(z))':>8s} {'wobble':>7s} {'FID':>7s}   the fix   (last quarter of the run)")
for name, s in summary.items():
    print(f"{name:18s} {s['D(x)']:6.3f} {s['D(G(z))']:8.3f} {s['wobble']:7.3f} {s['FID']:7.1f}   {FIXES[name]}")
print()

recipe = summary["recipe, unchanged"]
small = summary["D too small"]
L.check("a too-small D cannot tell: |D(x) - D(G(z))| near 0", abs(small["D(x)"] - small["D(G(z))"]), 0.0, tol=0.1)
for name in ("beta1 = 0.9", "no spectral norm"):
    ratio = summary[name]["FID"] / recipe["FID"]
    print(f"{name}: FID {ratio:.1f} times the recipe's")
    L.check(f"{name} dissolves the digits: FID at least twice the recipe's (0 = it does)",
            0.0 if ratio >= 2 else 1.0, 0.0, tol=0)
free = summary["no spectral norm"]
L.check("without spectral norm D pulls ahead: D(x) - D(G(z)) above 0.5 (0 = it is)",
        0.0 if free["D(x)"] - free["D(G(z))"] > 0.5 else 1.0, 0.0, tol=0)

# naive BCE behaved like the recipe: at the logits this D gives, the two formulas agree
# with each other, and each with torch's own
with torch.no_grad():
    logits = working.D(images[:100]).double()
target = torch.full_like(logits, 0.9)
naive, stable = make_game("bce", 0.9, stable=False), make_game("bce", 0.9, stable=True)
L.check("naive BCE = F.binary_cross_entropy(sigmoid(l), 0.9)", naive.real(logits),
        F.binary_cross_entropy(torch.sigmoid(logits), target), tol=1e-12)
L.check("BCE on logits = F.binary_cross_entropy_with_logits(l, 0.9)", stable.real(logits),
        F.binary_cross_entropy_with_logits(logits, target), tol=1e-12)
print(f"D's logits here lie in [{logits.min():.1f}, {logits.max():.1f}]: far from where the naive form breaks")
# %%
L.finish()

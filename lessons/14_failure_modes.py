r"""Lesson 14 — Failure modes: break one thing at a time

Goal: see what each classic mistake does to training, so you recognize it in your own
runs, and what cures it.

Starting from ganlab's recipe, each run changes one thing and trains for the same number
of steps on the same data and noise. Each failure, then the fix that cures it:

    failure             what changed                                  the fix
    no detach           the D step's loss also flows into G, and G     detach G(z) in the D step
                        steps on it: G is trained to make its fakes
                        *easier* to spot, fighting its own loss
    naive BCE           sigmoid, then BCE on probabilities (the        BCE on logits
                        classic recipe's loss; label 0.9 kept)
    beta1 = 0.9         Adam's default momentum: D and G overshoot      beta1 = 0.5
                        and oscillate
    lr too large        lr = 5e-3 (25 times 2e-4): steps far larger     lr = 2e-4
                        than the game tolerates
    D too small         8 hidden units in D: a referee that cannot     D as wide as G (256)
                        see the difference
    baseline            D's weights free to grow: on 5,000 digits D    + spectral norm (last row)
                        memorizes them and the game stalls

The baseline is ganlab's recipe without spectral norm: every other fix at once, so each
failure's cure is measured against the same run, the first row. The failures are
clearest without spectral norm. It damps several of them (a too-large lr barely
oscillates with it), because a spectrally normalized D cannot change its verdicts
quickly. The last row adds it back: the cure for the baseline's own failure.

Symptoms to read: D's verdicts D(x) and D(G(z)) over time, and the samples at the end.
What to look for in the quick runs:

    D too small    D(x) and D(G(z)) both sit at 1/2, the textbook equilibrium, yet the
                   samples are noise: the equilibrium values only mean something if D
                   is able to tell. A referee too weak to see is not fooled, it is blind.
    lr too large   the verdicts jump from step to step (at least twice the baseline's
                   "wobble"), both hover near 1/2, and the samples are blurry shapes
    beta1 = 0.9    D pulls ahead (D(x) up, D(G(z)) down) and D(G(z)) swings in long waves
    no detach      noisier verdicts: every D step also moves G the wrong way
    naive BCE      at these small logits it behaves like the baseline; it fails when D
                   becomes confident, as lesson 5 showed
    baseline vs    memorizing takes time: after 300 steps the two look alike. With
    + spectral     --full (3,000 steps) the baseline's D(x) stays near 0.8 and D(G(z))
    norm           near 0.1, flat: the stalled game the quick start showed before spectral
                   norm joined the recipe. Over 3 seeds of 3,000 steps, spectral norm took
                   the classifier FID from 201 to 72 (docs/recipes.md).

Beyond spectral norm, ganlab builds the other techniques for a small data set, each one
option of `ganlab train`, and docs/recipes.md measures each on top of the baseline,
10,000 steps on the 5,000-digit sample (classifier FID, lower is better; 3 seeds where
a spread is given, else one run):

    baseline (--no-spectral-norm)              75 ± 12
    + spectral norm (--spectral-norm)          19 ± 0.3   the default recipe
    + spectral norm, hinge loss (--loss hinge) 18 ± 4
    + R1 penalty, gamma 1 (--r1 1)             24 ± 2
    + least-squares loss (--loss lsgan)        81
    + Wasserstein loss and penalty             92
    + slower D (--lr-d 1e-4)                   138
    + DiffAugment (--translation --cutout)     304 ± 10   an MLP D cannot see past the shifts

--quick (default) trains 300 steps per run, enough for the dynamics but not for digits:
seven runs at this budget leave under 10 seconds each (lesson 12 trains one run to
digits); --full trains 3,000.

You will see: one row per run with its curves and samples, and a table of the symptoms.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab import lesson
from ganlab.lab.data import batches, load_dataset
from ganlab.gan import GAN, set_grads
from ganlab.models import Discriminator
from ganlab.optim import Adam
from ganlab.lab.plots import grid_image

L = lesson.setup(__doc__, number=14)
images = load_dataset("mnist-sample", device=L.device).images
STEPS = 300 if L.quick else 3000
RECIPE = dict(lr=2e-4, betas=(0.5, 0.999), stable_loss=True, real_label=0.9, dropout=0.5, device=L.device)


# %% [markdown]
# ## 1. Seven runs, each with one thing changed

# %%
def no_detach_step(gan, x_real, z_d, z_g):
    """The D step without detaching G's output: D's loss also reaches G, and G steps on it."""
    x_fake = gan.G(z_d)                                          # graph kept: the mistake
    logits_real, logits_fake = gan.D(x_real), gan.D(x_fake)
    d_loss = gan.objective.real(logits_real) + gan.objective.fake(logits_fake)
    params = gan.D.parameters() + gan.G.parameters()
    grads = torch.autograd.grad(d_loss, params)
    set_grads(gan.D.parameters(), grads[:6])
    gan.opt_D.step()
    set_grads(gan.G.parameters(), grads[6:])
    gan.opt_G.step()                                             # G descends D's loss
    g_loss = gan.objective.g(gan.D(gan.G(z_g)))
    set_grads(gan.G.parameters(), torch.autograd.grad(g_loss, gan.G.parameters()))
    gan.opt_G.step()
    return {"d_real": torch.sigmoid(logits_real).mean(), "d_fake": torch.sigmoid(logits_fake).mean(),
            "d_loss": d_loss, "g_loss": g_loss}


def small_d(gan):
    gan.D = Discriminator(hidden_dim=8, dropout=0.5, device=L.device, dropout_generator=gan.dropout_rng)
    gan.opt_D = Adam(gan.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return gan


VARIANTS = {
    "baseline": (dict(), None, None),
    "no detach": (dict(), no_detach_step, None),
    "naive BCE": (dict(stable_loss=False), None, None),
    "beta1 = 0.9": (dict(betas=(0.9, 0.999)), None, None),
    "lr too large": (dict(lr=5e-3), None, None),
    "D too small": (dict(), None, small_d),
    "+ spectral norm": (dict(spectral_norm=True), None, None),
}
FIXES = {"baseline": "+ spectral norm (last row)", "no detach": "detach G(z) in the D step",
         "naive BCE": "BCE on logits", "beta1 = 0.9": "beta1 = 0.5", "lr too large": "lr = 2e-4",
         "D too small": "D as wide as G", "+ spectral norm": "(the cure for the baseline's memorizing D)"}

# %% [markdown]
# ## 2. Train each, and draw its curves and samples

# %%
fig, axes = plt.subplots(len(VARIANTS), 2, figsize=(9, 2.6 * len(VARIANTS)),
                         gridspec_kw={"width_ratios": [2.2, 1]})
summary = {}
for row, (name, (changes, step_fn, modify)) in enumerate(VARIANTS.items()):
    torch.manual_seed(L.seed)
    gan = GAN(**{**RECIPE, **changes}, seed=L.seed)
    gan = modify(gan) if modify else gan
    noise = torch.Generator(device=L.device).manual_seed(L.seed)
    d_real, d_fake, step, epoch = [], [], 0, 0
    while step < STEPS:
        for x in batches(images, 100, seed=L.seed, epoch=epoch):
            z_d, z_g = (torch.randn(100, 64, generator=noise, device=L.device) for _ in range(2))
            stats = (step_fn or GAN.step)(gan, x, z_d, z_g)
            d_real.append(stats["d_real"].item())
            d_fake.append(stats["d_fake"].item())
            step += 1
            if step == STEPS:
                break
        epoch += 1
    with torch.no_grad():
        samples = gan.G(torch.randn(36, 64, generator=torch.Generator(device=L.device).manual_seed(1), device=L.device))
    tail = slice(-STEPS // 4, None)                               # the last quarter of the run
    summary[name] = {
        "D(x)": sum(d_real[tail]) / len(d_real[tail]),
        "D(G(z))": sum(d_fake[tail]) / len(d_fake[tail]),
        "wobble": torch.tensor(d_fake[tail]).std().item(),           # how much D(G(z)) oscillates
        "sample spread": samples.std(dim=0).mean().item(),           # ~0 when all samples are alike
    }
    axes[row, 0].plot(d_real, label="D(x)")
    axes[row, 0].plot(d_fake, label="D(G(z))")
    axes[row, 0].set(ylim=(0, 1), ylabel=name)
    axes[row, 1].imshow(grid_image(samples, nrow=6), cmap="gray")
    axes[row, 1].axis("off")
    axes[row, 1].set_title(f"fix: {FIXES[name]}", fontsize=8)
axes[0, 0].legend(loc="upper right", fontsize=8)
axes[-1, 0].set_xlabel("step")
L.save(fig, "failure_modes.png")

# %% [markdown]
# ## 3. The symptoms, side by side

# %%
print(f"{'run':17s} {'D(x)':>6s} {'D(G(z))':>8s} {'wobble':>7s} {'sample spread':>14s}   the fix   (last quarter of the run)")
for name, s in summary.items():
    print(f"{name:17s} {s['D(x)']:6.3f} {s['D(G(z))']:8.3f} {s['wobble']:7.3f} {s['sample spread']:14.3f}   {FIXES[name]}")
print()

small = summary["D too small"]
L.check("a too-small D cannot tell: |D(x) - D(G(z))| near 0", abs(small["D(x)"] - small["D(G(z))"]), 0.0, tol=0.1)
ratio = summary["lr too large"]["wobble"] / summary["baseline"]["wobble"]
print(f"a too-large lr's wobble is {ratio:.1f} times the baseline's")
L.check("a too-large lr oscillates at least twice as much as the baseline (0 = it does)",
        0.0 if ratio >= 2 else 1.0, 0.0, tol=0)
# %%
L.finish()
r"""Lesson 13 — Measuring a GAN

Goal: put numbers on "do these look like digits?", with the metrics of `ganlab evaluate`.

A small digit classifier (trained once and cached) is the measuring instrument. With it:

    classifier FID   distance between Gaussians fitted to the classifier's features of
                     real and of generated digits (0 for identical sets)
    Inception score  exp(E KL(p(y|x) || p(y))): confident AND varied predictions; max 10
    coverage         how many of the 10 digits the samples contain
    precision/recall are the samples realistic? / is all of the data covered?

Each is shown for real held-out digits (the floor a perfect G would reach), for a G trained
briefly, for uniform noise, and for a "collapsed" G that draws one digit again and again.

Then two things FID does not tell you. First, the classifier reads the digit and ignores
the dust around it: speckle that the eye sees at once barely moves FID. **Stray ink** sees
it: the share of an image's bright pixels outside its largest connected stroke, and the
bright pixels with no bright neighbour (ganlab.lab.stray_ink). Second, FID depends on how
many samples it is given: the Gaussian fit of a small set is noisy, and the noise adds to
the distance, so two sets of *real* digits score worse the smaller they are. **KID**, the
kernel distance, is an unbiased estimate of a squared distance between the two sets
(ganlab.lab.metrics.mmd_squared): at any size its average is 0 for two samples of the same
digits. Compare FIDs only at the same number of samples, against the same reference set.

You will see: the table, the samples each row scores, and that the numbers rank the four
the way your eyes would; real digits with speckle added, scored by FID and by stray ink;
and FID and KID between two sets of real digits, from 250 to 2,000 of each.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.utils import make_grid

from ganlab.lab import lesson
from ganlab.lab.plots import grid_image
from ganlab.lab.classifier import load_scorer
from ganlab.lab.config import make_config
from ganlab.lab.evaluate import evaluate_images
from ganlab.lab.metrics import frechet_distance, kernel_distance
from ganlab.lab.stray_ink import bright_pixels, stray_ink, stroke_labels
from ganlab.lab.sampling import generate, load_generator
from ganlab.lab.train import train

L = lesson.setup(__doc__, number=13)
# %% [markdown]
# ## 1. The digit classifier the scores are computed with

# %%
scorer = load_scorer("mnist-sample")
print(f"classifier accuracy on held-out digits: {scorer.accuracy:.1%}\n")

# %% [markdown]
# ## 2. Four sets of images, scored

# %%
run = L.out / "run"
train(make_config(dataset="mnist-sample", steps=1000 if L.quick else 5000, log_every=500,
                  device=L.device.type, seed=L.seed), run, overwrite=True, log=lambda s: None)
G, cfg = load_generator(run / "checkpoint.pt")

n = 1000
candidates = {
    "real held-out digits": scorer.test_images[:n],
    f"G after {cfg.steps} steps": generate(G, cfg, n, seed=L.seed),
    "uniform noise": torch.rand(n, 784) * 2 - 1,
    "collapsed G (one digit)": scorer.test_images[:1].repeat(n, 1) + 0.02 * torch.randn(n, 784),
}
results = {name: evaluate_images(x.clamp(-1, 1), scorer) for name, x in candidates.items()}
print(f"{'':26s} {'FID':>8s} {'IS':>6s} {'digits':>7s} {'precision':>10s} {'recall':>7s}")
for name, r in results.items():
    print(f"{name:26s} {r['fid']:8.1f} {r['inception_score']:6.2f} {r['digits_covered']:7d} "
          f"{r['precision']:10.3f} {r['recall']:7.3f}")
print()

# %% [markdown]
# ## 3. What is scored

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 4.6), constrained_layout=True)
for ax, (name, x) in zip(axes, candidates.items()):
    ax.imshow(grid_image(x[:16].clamp(-1, 1), nrow=4), cmap="gray")
    ax.set_title(f"{name}\nFID {results[name]['fid']:.1f}, recall {results[name]['recall']:.2f}")
    ax.axis("off")
L.save(fig, "what_is_scored.png")
print()


# %% [markdown]
# *Sixteen of the 1,000 images each row of the table scores.*

# %% [markdown]
# ## 4. Checks

# %%
fids = [r["fid"] for r in results.values()]
L.check("FID ranks real < trained G < noise and collapse (0 = in order)",
        0.0 if fids[0] < fids[1] < min(fids[2], fids[3]) else 1.0, 0.0, tol=0)
L.check("a collapsed G covers 1 digit", results["collapsed G (one digit)"]["digits_covered"], 1, tol=0)
feats, _ = scorer.net.embed(scorer.test_images)
L.check("the FID of a set with itself is 0", frechet_distance(feats, feats), 0.0, tol=1e-6)

# %% [markdown]
# ## 5. What FID misses: stray ink

# %%
f_train, _ = scorer.net.embed(scorer.train_images)                # the reference: the digits G trains on
noise = torch.Generator().manual_seed(L.seed)
rates = [0.0, 0.005, 0.01, 0.03]                                  # share of pixels turned white
dusty = {rate: torch.where(torch.rand(scorer.test_images.shape, generator=noise) < rate, 1.0, scorer.test_images)
         for rate in rates}
print(f"{'speckle':>8s} {'FID':>6s} {'stray ink':>10s} {'lone pixels':>12s}")
speckle_scores = {}
for rate, x in dusty.items():
    share, lone = stray_ink(x)
    speckle_scores[rate] = (frechet_distance(scorer.net.embed(x)[0], f_train), share.mean().item(), lone.mean().item())
    print(f"{rate:8.1%} {speckle_scores[rate][0]:6.2f} {speckle_scores[rate][1]:10.2%} {speckle_scores[rate][2]:12.2f}")
L.say(f"""
    One pixel in a hundred turned white puts about {speckle_scores[0.01][2]:.0f} lone bright pixels on every
    digit, plain to see, yet FID moves from {speckle_scores[0.0][0]:.1f} to {speckle_scores[0.01][0]:.1f}, a tenth of the way to
    the 19 that ganlab's MLP recipe scores: the classifier still reads each digit. Stray ink goes
    from {speckle_scores[0.0][1]:.1%} to {speckle_scores[0.01][1]:.1%}. ganlab evaluate reports both, real digits' beside.
""")
L.check("stray ink grows with the speckle (0 = in order)",
        0.0 if all(speckle_scores[a][1] < speckle_scores[b][1] for a, b in zip(rates, rates[1:])) else 1.0, 0.0, tol=0)

fig, axes = plt.subplots(1, 3, figsize=(14, 4.4), constrained_layout=True)
for ax, rate in zip(axes[:2], (0.0, 0.01)):
    x = dusty[rate][:16]
    labels = stroke_labels(bright_pixels(x))                     # (16, 28, 28): one number per stroke
    largest = torch.stack([(l == l[l > 0].flatten().mode().values) if (l > 0).any() else l > 0 for l in labels])
    picture = torch.tensor(np.asarray(grid_image(x.clamp(-1, 1), nrow=4)), dtype=torch.float32) / 255
    stray = make_grid((bright_pixels(x) & ~largest).float().unsqueeze(1), nrow=4, padding=2)[0] > 0
    rgb = torch.stack([picture] * 3, dim=-1)
    rgb[stray] = torch.tensor([1.0, 0.1, 0.1])                   # stray ink in red
    ax.imshow(rgb)
    ax.set_title(f"real digits, {rate:.0%} speckle: FID {speckle_scores[rate][0]:.1f}, "
                 f"stray ink {speckle_scores[rate][1]:.1%}", fontsize=10)
    ax.axis("off")

# %% [markdown]
# ## 6. FID depends on the number of samples; KID does not

# %%
order = torch.randperm(len(f_train), generator=noise)
sizes = [250, 500, 1000, 2000]
fid_by_n, kid_by_n = [], []
for n in sizes:                                                   # two disjoint sets of n real digits each
    a, b = f_train[order[:n]], f_train[order[2000:2000 + n]]
    fid_by_n.append(frechet_distance(a, b))
    kid_by_n.append(kernel_distance(a, b, subsets=50, subset_size=n // 2))
    print(f"n = {n:5,d}: FID {fid_by_n[-1]:5.2f}   KID {kid_by_n[-1][0]:6.2f} ± {kid_by_n[-1][1]:.2f}")
L.check("FID of real against real falls as n grows: a bias, not a difference (0 = falling)",
        0.0 if all(a > b for a, b in zip(fid_by_n, fid_by_n[1:])) else 1.0, 0.0, tol=0)
ax = axes[2]
ax.plot(sizes, fid_by_n, "o-", label="FID")
ax.errorbar(sizes, [k for k, _ in kid_by_n], yerr=[sd for _, sd in kid_by_n], fmt="s-", capsize=3,
            label="KID (± sd over subsets)")
ax.axhline(0, color="k", lw=0.8, ls=":")
ax.set_xscale("log")
ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
ax.minorticks_off()
ax.set(xlabel="real digits in each set", ylabel="distance between two sets of real digits",
       title="The same digits, scored at different n")
ax.legend(fontsize=9)
L.save(fig, "what_fid_misses.png")

# %% [markdown]
# *Left and middle: real held-out digits, clean and with 1% speckle, stray ink in red (the
# detached top bar of a 5 counts as stray too). Right: FID and KID between two disjoint
# sets of real training digits, against the number in each set.*

# %%
L.finish()
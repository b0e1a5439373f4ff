r"""Lesson 13 — Measuring a GAN

Goal: put numbers on "do these look like digits?", with the metrics of `ganlab evaluate`.

A small digit classifier (trained once and cached) is the measuring instrument. With it:

    classifier FID   distance between Gaussians fitted to the classifier's features of
                     real and of generated digits (0 for identical sets)
    Inception score  exp(E KL(p(y|x) || p(y))): confident AND varied predictions; max 10
    coverage         how many of the 10 digits the samples contain
    precision/recall are the samples realistic? / is all of the data covered?

Each is shown for real held-out digits (the floor a perfect G would reach), for a G trained
for 4,000 steps (--full: 10,000) at the classic rate 2e-4, for uniform noise, and for a "collapsed" G that draws one digit again and again.

Then two things FID does not tell you. First, the classifier reads the digit and ignores
the dust around it: speckle that the eye sees at once barely moves FID. **Stray ink** sees
it: the share of an image's bright pixels outside its largest connected stroke, and the
bright pixels with no bright neighbour (ganlab.lab.evaluation.stray_ink). Second, FID depends on how
many samples it is given: the Gaussian fit of a small set is noisy, and the noise adds to
the distance, so two sets of *real* digits score worse the smaller they are. **KID**, the
kernel distance, is an unbiased estimate of a squared distance between the two sets
(ganlab.lab.evaluation.metrics.mmd_squared): at any size its average is 0 for two samples of the same
digits. Compare FIDs only at the same number of samples, against the same reference set.

Why does LeNet forgive the speckle? It is small (84 features), 96% accurate, and reads a
digit by its coarse shape through two max pools. A **second opinion**, a wide CNN trained on
shifted, turned and scaled digits (99% accurate), measured against the 1,000 held-out digits
that no GAN trains on, sees the same speckle many times more clearly. Two suspects turn
out innocent: the reference set (training or held-out digits) and saving images as 8-bit.

Last, the **truncation trick**: draw z only from the dense middle of the normal
distribution, and G draws its most typical digits. Precision rises, recall falls: the
trade, as a curve.

You will see: the table, the samples each row scores, and that the numbers rank the four
the way your eyes would; real digits with speckle added, scored by FID and by stray ink,
and what the trained G's stray ink is made of, beside that dust;
FID and KID between two sets of real digits, from 250 to 2,000 of each; the speckle in
both classifiers' features; and the precision–recall curve of the truncation trick.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.utils import make_grid

from ganlab.lab.teaching import lesson
from ganlab.lab.watching.plots import grid_image
from ganlab.lab.evaluation.classifier import load_scorer
from ganlab.lab.training.config import make_config
from ganlab.lab.evaluation.evaluate import evaluate_images, held_out_scores
from ganlab.lab.evaluation.metrics import frechet_distance, kernel_distance, precision_recall
from ganlab.lab.evaluation.stray_ink import bright_pixels, stray_ink, stray_pieces, stroke_labels
from ganlab.lab.training.sampling import generate, load_generator
from ganlab.lab.training.train import train

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
# at the classic rate, 2e-4: a G whose typical digits sit where z is densest, which the truncation
# trick of part 8 needs (at ganlab's default rate, 1e-3, only a mild cut trades: docs/evaluation.md)
train(make_config(dataset="mnist-sample", steps=4000 if L.quick else 10_000, log_every=500, lr=2e-4,
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
    the 19 that ganlab's MLP recipe scores at the classic rate: the classifier still reads each digit. Stray ink goes
    from {speckle_scores[0.0][1]:.1%} to {speckle_scores[0.01][1]:.1%}. ganlab evaluate reports both, real digits' beside.
""")
L.check("stray ink grows with the speckle (0 = in order)",
        0.0 if all(speckle_scores[a][1] < speckle_scores[b][1] for a, b in zip(rates, rates[1:])) else 1.0, 0.0, tol=0)

# %% [markdown]
# The dust added here is pieces of one pixel. Is a GAN's stray ink dust too? `stray_pieces` lists
# every piece of ink off an image's largest stroke with its size: lone pixels, small specks, or
# a part of the digit cut off from the rest.

# %%
def pieces(x):
    """Of the stray pixels, the shares in lone pixels, in pieces of 2 to 4, and of 5 or more."""
    _, size = stray_pieces(x)
    total = size.sum().clamp(min=1)
    return [(size[(size >= low) & (size <= high)].sum() / total).item() for low, high in ((1, 1), (2, 4), (5, 784))]


trained = f"G after {cfg.steps} steps"
made_of = {"real digits, 1% speckle": pieces(dusty[0.01]), trained: pieces(candidates[trained].clamp(-1, 1))}
print(f"{'of the stray pixels:':26s} {'lone':>6s} {'2 to 4':>7s} {'5 or more':>10s}")
for name, (lone, small, large) in made_of.items():
    print(f"{name:26s} {lone:6.0%} {small:7.0%} {large:10.0%}")
L.say(f"""
    The speckle is dust: {made_of['real digits, 1% speckle'][0]:.0%} of its stray pixels are lone. The trained G's stray
    ink is not: {made_of[trained][2]:.0%} of it lies in pieces of five pixels or more, strokes broken off the digit
    or blots beside it. Counting lone pixels alone would miss it; stray ink does not.
""")
_, lone_pixels = stray_ink(dusty[0.01])                          # every digit here has a stroke of many pixels
_, size = stray_pieces(dusty[0.01])
L.check("the speckled digits' pieces of one pixel (found by strokes) are their lone pixels (found by neighbours)",
        (size == 1).sum().item(), lone_pixels.sum().item(), tol=0)

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

# %% [markdown]
# ## 7. A second opinion: why LeNet forgives speckle
#
# Measure the same speckle in a stronger classifier's features, each number in multiples of
# that classifier's own floor (clean real digits), so the two scales can be compared.

# %%
wide = load_scorer("mnist-sample", kind="wide")
print(f"LeNet {scorer.accuracy:.1%} accurate, 84 features; wide CNN {wide.accuracy:.1%} accurate, 128 features")
f_train_wide, _ = wide.net.embed(wide.train_images)
growth = {}
print(f"{'speckle':>8s} {'LeNet FID':>10s} {'x floor':>8s} {'wide FID':>9s} {'x floor':>8s} {'confident':>10s}")
for rate, x in dusty.items():
    lenet_fid = frechet_distance(scorer.net.embed(x)[0], f_train)
    wide_fid = frechet_distance(wide.net.embed(x)[0], f_train_wide)
    if rate == 0:
        floors = (lenet_fid, wide_fid)
    growth[rate] = (lenet_fid / floors[0], wide_fid / floors[1])
    print(f"{rate:8.1%} {lenet_fid:10.2f} {growth[rate][0]:8.1f} {wide_fid:9.2f} {growth[rate][1]:8.1f} "
          f"{held_out_scores(x, wide)['confident']:10.1%}")
L.say(f"""
    At 1% speckle LeNet's FID grows {growth[0.01][0]:.1f}-fold, the wide CNN's {growth[0.01][1]:.1f}-fold. The cause is
    the instrument: a small classifier trained without augmentation learns coarse shapes, and
    its max pools let a few bright pixels through almost unchanged. `ganlab evaluate` prints both.
""")
L.check("the wide CNN's FID grows more with 1% speckle than LeNet's (0 = it does)",
        0.0 if growth[0.01][1] > 2 * growth[0.01][0] else 1.0, 0.0, tol=0)

samples = generate(G, cfg, 4000, seed=L.seed)
f_samples = scorer.net.embed(samples)[0]
eight_bit = torch.round((samples + 1) * 127.5) / 127.5 - 1       # what a saved PNG holds
print(f"LeNet FID of G's samples against the training digits   {frechet_distance(f_samples, f_train):6.2f}")
print(f"                          against the held-out digits   {frechet_distance(f_samples, feats):6.2f}"
      f"   (1,000 digits: FID's small-sample bias adds to it)")
print(f"               8-bit samples against the training digits {frechet_distance(scorer.net.embed(eight_bit)[0], f_train):6.2f}")
L.say("""
    Neither the reference set nor 8-bit rounding explains the gap: this G does not copy its
    training digits, so the held-out ones score it about the same, and rounding to 256 grey levels
    moves pixels by at most 1/255. Compare numbers only with the same reference, at the same n.
""")

# %% [markdown]
# ## 8. The truncation trick: realism for variety
#
# `ganlab sample --truncation T` draws each entry of z again until $|z_i| \le T$. Small T keeps z
# where the normal distribution is densest, where G saw the most noise in training.

# %%
cuts = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, None]
curve = []
for t in cuts:
    f_cut = scorer.net.embed(generate(G, cfg, 2000, seed=L.seed, truncation=t))[0]
    curve.append(precision_recall(f_train[:2000], f_cut))
    print(f"truncation {'off' if t is None else t:>5}: precision {curve[-1][0]:.3f}   recall {curve[-1][1]:.3f}")
L.check("cutting the noise at 0.25 buys precision with recall (0 = it does)",
        0.0 if curve[0][0] > curve[-1][0] and curve[0][1] < curve[-1][1] else 1.0, 0.0, tol=0)
L.say("""
    The trade needs a G that has learned: its most typical digits lie where z is densest only
    once training has put them there (after 1,000 steps, cutting the noise costs precision
    too). For ganlab's recipe at this rate after 10,000 steps (`ganlab train --steps 10000
    --lr 2e-4`, seed 0, 2,000 samples, one run): precision 0.71 and recall 0.75 untruncated;
    0.79 and 0.64 at T = 0.75; 0.87 and 0.21 at T = 0.25. The trade depends on the G: at
    ganlab's default rate, 1e-3, the same 10,000 steps give 0.77 and 0.82 untruncated, 0.80
    and 0.66 at T = 0.75, but 0.60 and 0.25 at T = 0.25, where precision falls too.
""")

fig, (ax, ax_grid) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
ax.plot([r for _, r in curve], [p for p, _ in curve], "o-")
for t, (p, r) in zip(cuts, curve):
    ax.annotate("off" if t is None else f"T = {t}", (r, p), textcoords="offset points", xytext=(6, 4), fontsize=9)
real_p, real_r = precision_recall(f_train[:2000], feats)
ax.plot([real_r], [real_p], "k*", markersize=12, label="held-out real digits")
ax.set(xlabel="recall (is all of the data covered?)", ylabel="precision (are the samples realistic?)",
       title=f"The truncation trick, G after {cfg.steps} steps")
ax.legend(fontsize=9)
rows = [generate(G, cfg, 8, seed=L.seed, truncation=t) for t in (0.25, 0.75, None)]
ax_grid.imshow(grid_image(torch.cat(rows), nrow=8), cmap="gray")
ax_grid.set_yticks([15, 45, 75], ["T = 0.25", "T = 0.75", "off"])
ax_grid.set_xticks([])
ax_grid.set_title("The same 8 noise vectors, cut at T (rows)")
L.save(fig, "truncation.png")

# %% [markdown]
# *Left: precision against recall as the noise is cut closer to 0, in LeNet's features.
# Right: each column one noise vector; the rows cut it at 0.25, 0.75 and not at all.*

# %%
L.finish()

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

You will see: the table, the samples each row scores, and that the numbers rank the four
the way your eyes would.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab import lesson
from ganlab.lab.plots import grid_image
from ganlab.lab.classifier import load_scorer
from ganlab.lab.config import make_config
from ganlab.lab.evaluate import evaluate_images
from ganlab.lab.metrics import frechet_distance
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
# ## 4. Checks

# %%
fids = [r["fid"] for r in results.values()]
L.check("FID ranks real < trained G < noise and collapse (0 = in order)",
        0.0 if fids[0] < fids[1] < min(fids[2], fids[3]) else 1.0, 0.0, tol=0)
L.check("a collapsed G covers 1 digit", results["collapsed G (one digit)"]["digits_covered"], 1, tol=0)
feats, _ = scorer.net.embed(scorer.test_images)
L.check("the FID of a set with itself is 0", frechet_distance(feats, feats), 0.0, tol=1e-6)
# %%
L.finish()
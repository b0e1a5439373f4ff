r"""Lesson 22 — The conditional DCGAN

Goal: ask the DCGAN of lesson 20 for a particular digit, the way lesson 15 asked the MLP,
check it against its nn twin, and train the two conditional GANs side by side.

G reads the digit as ten more input channels: z (64 numbers) and onehot(y) (10) make a
1 × 1 map of 74 channels, and the first transposed convolution grows it to 128 maps of 7 × 7:

    G(z | y) = G([z, onehot(y)])        first layer: W (74, 128, 7, 7)

A one-hot channel times its weights is one slice of W, so the digit adds a learned
128 × 7 × 7 picture, W[64 + y], to what the noise draws: an embedding of the digit, written
as a convolution. D reads the digit by projection, as the MLP's D of lesson 15 does, on the
last features of its convolutions, the 128 · 7 · 7 = 6,272 numbers its Linear layer reads:

    D(x | y) = psi(phi(x)) + <V_y, phi(x)>          V: (10, 6272)

An image has no columns to append a label to, and the projection asks the better question
anyway: "does this look like a 7?" is a direction in D's feature space.

--quick (default) trains the conditional DCGAN and the MLP's conditional GAN, each with the
recipe written for it, for 200 steps each, about a minute on two cores; --full trains them for
5,000 steps each (about half an hour on two cores). The two recipes differ in more than the
networks: the MLP's (ganlab) referees D with dropout and spectral norm at the rate 1e-3; the
DCGAN's (dcgan) with R1 (lesson 21) at 2e-4, its convolutions on torch's kernels (tested equal
to lesson 18's). The lesson prints every setting that differs, so what it shows is the two
recipes against each other, not the convolutions alone.

You will see: the digit's slice of G's first layer and D's projection matching torch, the
conditional DCGAN taking the same three steps as its nn twin, one grid per GAN with a row per
asked-for digit, and how often a digit classifier reads the asked-for digit in each.
"""
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from PIL import Image

from ganlab.conditional import with_labels
from ganlab.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlab.lab.teaching import lesson
from ganlab.lab.training.build import make_gan
from ganlab.lab.evaluation.classifier import load_scorer
from ganlab.lab.training.config import make_config
from ganlab.lab.evaluation.evaluate import evaluate_images
from ganlab.lab.training.conditioning import Conditioning
from ganlab.lab.training.sampling import generate, load_generator
from ganlab.lab.training.train import train
from ganlab.reference.twin import TwinGAN, twin_dcgan_discriminator

L = lesson.setup(__doc__, number=22)

# %% [markdown]
# ## 1. How G reads the digit: a slice of its first layer

# %%
G = DCGANGenerator(num_classes=10, dtype=torch.float64, generator=torch.Generator().manual_seed(L.seed))
reshape, first = G.layers[0], G.layers[1]
print("G's first layer: W", tuple(first.W.shape), "(z's 64 channels, then the digit's 10)")
z, y = torch.randn(3, 64, dtype=torch.float64), torch.tensor([3, 0, 9])
maps = first(reshape(with_labels(z, y, 10)))                             # (3, 128, 7, 7)
from_z = F.conv_transpose2d(z[:, :, None, None], first.W[:64].detach())  # torch's own, z alone
L.check("first layer on [z, onehot(y)] = torch's on z + W[64 + y]", maps, from_z + first.W[64 + y].detach(), tol=1e-12)
print(f"the digit's slice starts {G.layers[1].W[64:].std() / G.layers[1].W[:64].std():.1f} times as strong as "
      "one of z's (sqrt(64) = 8: as loud as all of z together)\n")

# %% [markdown]
# ## 2. How D reads the digit: a projection on its 6,272 features

# %%
D = DCGANDiscriminator(num_classes=10, dtype=torch.float64, generator=torch.Generator().manual_seed(L.seed))
twin_D = twin_dcgan_discriminator(num_classes=10).to(dtype=torch.float64)
twin_D.load_state_dict(D.state_dict())                                   # V travels as "embed"
x = (torch.rand(4, 784, dtype=torch.float64) * 2 - 1).requires_grad_(True)
labels = torch.tensor([7, 7, 1, 4])
print("D's class directions: V", tuple(D.V.shape))
ours, theirs = D(x, labels), twin_D.logit(x, labels)                     # twin: nn.Linear + F.embedding
L.check("D(x | y) = psi(phi(x)) + <V_y, phi(x)> matches nn.Module + F.embedding", ours, theirs, tol=1e-12)
grad_ours = torch.autograd.grad(ours.sum(), D.V)[0]
grad_theirs = torch.autograd.grad(theirs.sum(), twin_D.embed)[0]
L.check("its gradient for V matches (rows 7, 1 and 4 only)", grad_ours, grad_theirs, tol=1e-12)
print()

# %% [markdown]
# ## 3. The same steps as the nn twin

# %%
ours = make_gan("classic", arch="dcgan", conditional=True, projection=True, dtype=torch.float64,
                generator=torch.Generator().manual_seed(L.seed))
twin = TwinGAN(arch="dcgan", num_classes=10, dtype=torch.float64, betas=(0.9, 0.999))
twin.G.load_state_dict(ours.G.state_dict())
twin.D.load_state_dict(ours.D.state_dict())
gen = torch.Generator().manual_seed(L.seed)
for step in range(3):
    x = torch.rand(16, 784, generator=gen, dtype=torch.float64) * 2 - 1
    z_d, z_g = (torch.randn(16, 64, generator=gen, dtype=torch.float64) for _ in range(2))
    y_real, y_d, y_g = torch.randint(10, (3, 16), generator=gen)
    y_wrong = (y_real + torch.randint(1, 10, (16,), generator=gen)) % 10  # never the real label
    a = ours.step(x, z_d, z_g, y_real, y_d, y_g, y_wrong)
    b = twin.step(x, z_d, z_g, y_real, y_d, y_g, y_wrong)
    L.check(f"step {step + 1}: D's loss matches the nn twin's", a["d_loss"], b["d_loss"], tol=1e-12)
for part in ("G", "D"):
    ours_state, twin_state = getattr(ours, part).state_dict(), getattr(twin, part).state_dict()
    worst = max((ours_state[k] - twin_state[k].to(ours_state[k].dtype)).abs().max().item() for k in ours_state)
    L.check(f"{part}'s weights (V among them) after 3 steps match", worst, 0.0, tol=1e-12)
print()

# %% [markdown]
# ## 4. The same budget, two conditional GANs

# %%
steps = 200 if L.quick else 5000
scorer = load_scorer("mnist-sample", log=lambda s: None)
runs, configs = {}, {}
for name, recipe in (("MLP", "ganlab"), ("DCGAN", "dcgan")):
    cfg = make_config(recipe, dataset="mnist-sample", conditional=True, steps=steps, log_every=steps,
                      device=L.device.type, seed=L.seed)
    arch, configs[name] = cfg.arch, cfg.to_dict()
    start = time.perf_counter()
    train(cfg, L.out / arch, overwrite=True, log=lambda s: None)
    seconds = time.perf_counter() - start
    G, saved = load_generator(L.out / arch / "checkpoint.pt")
    asked = Conditioning.of(saved).labels(1000)                                # 0, 1, ..., 9, 0, 1, ...
    scores = evaluate_images(generate(G, saved, 1000, seed=L.seed, labels=asked).clamp(-1, 1), scorer, asked,
                             per_class=True)
    runs[name] = dict(grid=Image.open(L.out / arch / "samples.png"), seconds=seconds, **scores)
    print(f"conditional {name}: {steps} steps in {seconds:.0f} s ({1000 * seconds / steps:.0f} ms a step)")
differ = {k: (configs["MLP"][k], configs["DCGAN"][k]) for k in configs["MLP"] if configs["MLP"][k] != configs["DCGAN"][k]}
print("the settings that differ (MLP, DCGAN):", ", ".join(f"{k} {a} / {b}" for k, (a, b) in differ.items()))
print()
fig, axes = plt.subplots(1, 2, figsize=(12, 7.6))
for ax, (name, run) in zip(axes, runs.items()):
    ax.imshow(run["grid"], cmap="gray")
    ax.set_title(f"conditional {name}, {steps} steps: row k asked for digit k")
    ax.axis("off")
L.save(fig, "conditional_dcgan_and_mlp.png")

# %% [markdown]
# ## 5. Does each draw what it is asked for, and in how many ways?

# %%
print(f"{'G':8s} {'agreement':>10s} {'recall within a digit':>22s} {'FID':>6s} {'ms a step':>10s}")
for name, run in runs.items():
    recall = [row["recall"] or 0.0 for row in run["per_digit"]]
    run["mean_recall"] = sum(recall) / len(recall)
    print(f"{name:8s} {run['label_agreement']:10.0%} {run['mean_recall']:22.2f} {run['fid']:6.1f} "
          f"{1000 * run['seconds'] / steps:10.0f}")
print(f"{'real':8s} {scorer.accuracy:10.0%}   (held-out digits; chance agreement 10%)")
mlp, dcgan = runs["MLP"], runs["DCGAN"]
L.say(f"""
    The same game, the same labels, the same wrong-label term; the networks and the refereeing
    differ, as printed above. After {steps:,} steps the DCGAN draws the asked-for digit in {dcgan['label_agreement']:.0%} of its samples, the MLP in
    {mlp['label_agreement']:.0%}. The DCGAN's digit enters G as a whole 7 × 7 picture per class, before the first
    batch norm, and its filters draw strokes that can stand anywhere: a few hundred steps give it
    clean backgrounds and the right digit in each row. The MLP must learn every pixel of every
    digit on its own: in the quick run it draws one grey, speckled average of each digit, the
    same whatever the noise (recall within a digit {mlp['mean_recall']:.2f} against the DCGAN's
    {dcgan['mean_recall']:.2f}). Per step the DCGAN is far ahead; per
    second it is not so clear, since each of its steps costs {dcgan['seconds'] / mlp['seconds']:.0f} of the MLP's here.
    This is one seed of a short run: docs/theory/conditional.md measures the two recipes over
    3 seeds of longer runs.
""")
L.check("the conditional DCGAN draws the asked-for digit far more often than chance (3 x 10%)",
        max(0.0, 0.3 - dcgan["label_agreement"]), 0.0, tol=0)
L.check("after the same steps the DCGAN's digits are nearer real ones (LeNet FID) than the MLP's (0 = they are)",
        0.0 if dcgan["fid"] < mlp["fid"] else 1.0, 0.0, tol=0)

# %% [markdown]
# *Row k asked for digit k, with the same noise down each column: a column is one "style"
# written as every digit. After 200 steps the DCGAN's rows draw their digits on clean
# backgrounds; the MLP's are still grey noise with a faint shape in the middle.*

# %%
L.finish()

r"""Lesson 12 — Watching it learn

Goal: train with ganlab's full training loop and read what it leaves behind.

`ganlab train` (here called from Python) writes into its output folder: the same fixed
noise drawn through G after every epoch (epoch-NNN.png) and animated (training.gif), the
loss curves, D's verdicts D(x) and D(G(z)), and checkpoints. A trained G also has a
smooth latent space: walking in a straight line from one noise vector to another,

    z(t) = (1 - t) z0 + t z1,    t from 0 to 1,

morphs one digit into another through images that still look like digits.

--quick (default) trains 1,500 steps (30 passes over the 5,000-digit sample, about 30
seconds on 2 CPU cores), enough for the first recognizable digits; --full 5,000.

You will see: the run's log, its figures, the health of each layer (--diagnostics), and a
latent interpolation.
"""
import json

import torch
from PIL import Image

from ganlab.lab.teaching import lesson
from ganlab.lab.training.config import make_config
from ganlab.lab.training.sampling import generate_noise, interpolate, interpolation_figure, load_generator
from ganlab.lab.training.train import train

L = lesson.setup(__doc__, number=12)
# %% [markdown]
# ## 1. Train, with diagnostics

# %%
run = L.out / "run"
cfg = make_config(dataset="mnist-sample", steps=1500 if L.quick else 5000, log_every=100,
                  device=L.device.type, seed=L.seed, diagnostics=True)
history = train(cfg, run, overwrite=True)
print()

# %% [markdown]
# ## 2. The run's health

# %%
for name in ("samples.png", "losses.png", "d_outputs.png"):                # the run's own figures
    Image.open(run / name).save(L.out / f"run-{name}")
    L.show_figure(f"run-{name}")
print(f"figure: {run / 'training.gif'}\n")

# %% [markdown]
# *The quick run (1,500 steps on the 5,000-digit sample): its samples, its two losses, and
# D's verdicts, D(x) on real digits and D(G(z)) on fakes.*

# %%
health = json.loads((run / "diagnostics.json").read_text())["points"][-1]
L.say(f"""
    The run's health at step {health['step']} (diagnostics.png, from --diagnostics):
    update / weight per step, ||dW|| / ||W||: {', '.join(f'{k} {v:.1e}' for k, v in health['update_ratio'].items())}
    (1e-3 is the usual rule of thumb for Adam; far below, a layer barely learns; far above, it is
    thrown about. ganlab's MLP learns at lr 1e-3 and runs near 1e-2, above the rule: for this
    game that measured better than lr 2e-4, where the same layers run at 1e-3 to 6e-3 after
    1,500 steps; docs/recipes.md#the-learning-rate)
    dead units, inactive for all 100 probe images: {', '.join(f'{k} {v:.0%}' for k, v in health['dead_units'].items())}
    (G's layers are ReLUs: a dead unit outputs 0 and passes no gradient; D's are LeakyReLUs, which
    still pass a gradient 0.2 times as large on their negative side)
""")
Image.open(run / "diagnostics.png").save(L.out / "diagnostics.png")
L.show_figure("diagnostics.png")
gif = Image.open(run / "training.gif")
epochs = len(list(run.glob("epoch-*.png")))
print(f"the GIF holds {gif.n_frames} frames, one per epoch ({epochs} epochs)\n")


# %% [markdown]
# *The run's health at its last step (`ganlab train --diagnostics`): each hidden layer's activations and its share of dead units, each weight matrix's gradients, and the update/weight ratio over training, against the usual rule of thumb, $10^{-3}$.*

# %% [markdown]
# ## 3. A walk through the latent space

# %%
G, saved = load_generator(run / "checkpoint.pt")
interpolation_figure(G, saved, seed=L.seed, out_file=L.out / "interpolation.png")
L.show_figure("interpolation.png")
z0, z1 = generate_noise(saved, L.seed), generate_noise(saved, L.seed + 1)
with torch.no_grad():
    walk = interpolate(G, z0, z1, steps=10)
    for k in (0, 3, 9):
        t = k / 9
        L.check(f"image {k} of the walk is G at torch.lerp(z0, z1, {t:.2f})", walk[k],
                G(torch.lerp(z0, z1, t))[0], tol=1e-6)

# %% [markdown]
# *Six straight lines in latent space, drawn through G: each image is $G((1-t)z_0 + t z_1)$.*

# %%
L.finish()
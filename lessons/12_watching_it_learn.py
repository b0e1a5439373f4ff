r"""Lesson 12 — Watching it learn

Goal: train with ganlab's full training loop and read what it leaves behind.

`ganlab train` (here called from Python) writes into its output folder: the same fixed
noise drawn through G after every epoch (epoch-NNN.png) and animated (training.gif), the
loss curves, D's verdicts D(x) and D(G(z)), and checkpoints. A trained G also has a
smooth latent space: walking in a straight line from one noise vector to another,

    z(t) = (1 - t) z0 + t z1,    t from 0 to 1,

morphs one digit into another through images that still look like digits.

--quick (default) trains 500 steps (10 passes over the 5,000-digit sample); --full 5,000.

You will see: the run's log, its figures, and a latent interpolation.
"""
import json

import torch
from PIL import Image

from ganlab.lab import lesson
from ganlab.lab.config import make_config
from ganlab.lab.sampling import generate_noise, interpolate, interpolation_figure, load_generator
from ganlab.lab.train import train

L = lesson.setup(__doc__, number=12)
run = L.out / "run"
cfg = make_config(dataset="mnist-sample", steps=500 if L.quick else 5000, log_every=100,
                  device=L.device.type, seed=L.seed)
history = train(cfg, run, overwrite=True)
print()

for name in ("samples.png", "losses.png", "d_outputs.png", "training.gif"):
    print(f"figure: {run / name}")
gif = Image.open(run / "training.gif")
epochs = len(list(run.glob("epoch-*.png")))
print(f"the GIF holds {gif.n_frames} frames, one per epoch\n")
L.check("one GIF frame per epoch", gif.n_frames, epochs, tol=0)
L.check("history.json holds a point every 100 steps", len(json.loads((run / "history.json").read_text())),
        cfg.steps // 100, tol=0)

G, saved = load_generator(run / "checkpoint.pt")
interpolation_figure(G, saved, seed=L.seed, out_file=L.out / "interpolation.png")
L.figures.append("interpolation.png")
print(f"figure: {L.out / 'interpolation.png'}")
z0, z1 = generate_noise(saved, L.seed), generate_noise(saved, L.seed + 1)
with torch.no_grad():
    walk = interpolate(G, z0, z1, steps=10)
    L.check("the walk starts at G(z0)", walk[0], G(z0)[0], tol=1e-6)
    L.check("and ends at G(z1)", walk[-1], G(z1)[0], tol=1e-6)
L.finish()

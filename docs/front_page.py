"""The front page's pictures of the game and of a run learning, drawn from a real run.

    python docs/front_page.py ganlab-out/train

RUN is the folder of a run of the README's quick start without its clusters (``ganlab train
--recipe quick --clusters 0 --no-conditional``): the plain game of one G and one D that the lessons build. Two
pictures go into ``docs/images/``:

- ``front-game.png``, the game in one picture: four noise vectors z, the digits G draws
  from them (its averaged weights, as a run samples), a real 2, 3, 5 and 7, and on each digit what the run's D says of it, the
  probability D(·) that it is real.
- ``front-learning.png``, the run learning: the first 16 digits of the fixed-noise grid
  the run saved at epochs 1, 5, 10, 15, 20, 40 and its last, read off its ``epoch-NNN.png``.
"""
import sys
from pathlib import Path

import torch

from ganlab.lab.training.build import build_gan
from ganlab.lab.training.checkpoint import load_checkpoint
from ganlab.lab.training.config import Config
from ganlab.lab.training.data import load_dataset

IMAGES = Path(__file__).parent / "images"
SHOWN = 4                    # digits of each kind in the game's picture, in a 2 x 2 block
EPOCHS = [1, 5, 10, 15, 20, 40]
TILE, PAD, SCALE = 28, 2, 3  # how `ganlab train` saves its grids (ganlab.lab.watching.plots.save_grid)


def block(images, side):
    """(4, side * side) -> one (2·side + 1, 2·side + 1) picture, a 2 x 2 block with a white line between."""
    out = torch.full((2 * side + 1, 2 * side + 1), images.max().item())
    for k, image in enumerate(images):
        r, c = divmod(k, 2)
        out[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = image.reshape(side, side)
    return out


def game_picture(run, out):
    import matplotlib.pyplot as plt
    ckpt = load_checkpoint(run / "checkpoint.pt")
    cfg = Config.from_dict(ckpt["config"])
    if cfg.conditional:
        sys.exit(f"{run} is a conditional run: the front page draws the plain game, "
                 "`ganlab train --recipe quick --clusters 0 --no-conditional`")
    gan = build_gan(cfg)
    gan.G.load_state_dict(ckpt["model"].get("G_ema") or ckpt["model"]["G"])   # the G a run draws from
    gan.D.load_state_dict(ckpt["model"]["D"])
    gan.D.eval()                                             # no dropout: D's verdict itself
    z = torch.randn(SHOWN, cfg.latent_dim, generator=torch.Generator().manual_seed(0))   # (4, 64)
    data = load_dataset(cfg.dataset)
    real = torch.stack([data.images[data.labels == digit][0] for digit in (2, 3, 5, 7)])   # (4, 784)
    with torch.no_grad():
        fake = gan.G(z)                                                                  # (4, 784)
        d_fake = gan.game.prob(gan.D(fake)).flatten()                                    # D(G(z))
        d_real = gan.game.prob(gan.D(real)).flatten()                                    # D(x)

    fig = plt.figure(figsize=(11, 3.6))
    parts = [("noise $z$\n(64 numbers each)", block(z, 8), None, 0.02),
             ("fakes $G(z)$", block(fake, 28), d_fake, 0.30),
             ("real digits $x$", block(real, 28), d_real, 0.78)]
    for label, picture, verdicts, left in parts:
        ax = fig.add_axes([left, 0.16, 0.2, 0.72])
        ax.imshow(picture, cmap="gray", vmin=-1 if verdicts is not None else picture.min())
        ax.set_title(label, fontsize=11)
        ax.axis("off")
        if verdicts is not None:
            for k, p in enumerate(verdicts.tolist()):
                r, c = divmod(k, 2)
                ax.text(c * 29 + 1, r * 29 + 4, f"D = {p:.2f}", color="gold", fontsize=9, va="top",
                        bbox=dict(facecolor="black", alpha=0.7, pad=1, edgecolor="none"))
    arrow = dict(arrowstyle="-|>", lw=2, color="black")
    fig.text(0.245, 0.53, "G", fontsize=18, ha="center", weight="bold")
    fig.add_artist(plt.annotate("", xy=(0.315, 0.5), xytext=(0.19, 0.5), xycoords="figure fraction", arrowprops=arrow))
    fig.text(0.635, 0.5, "D\nreal or fake?", fontsize=14, ha="center", va="center",
             bbox=dict(boxstyle="round", facecolor="#e8eaf6"))
    fig.add_artist(plt.annotate("", xy=(0.575, 0.5), xytext=(0.49, 0.5), xycoords="figure fraction", arrowprops=arrow))
    fig.add_artist(plt.annotate("", xy=(0.695, 0.5), xytext=(0.79, 0.5), xycoords="figure fraction", arrowprops=arrow))
    fig.text(0.5, 0.04, "D is trained to say 1 for real digits and 0 for fakes; G, to make D say 1 for its fakes. "
             f"On each digit, what the quick recipe's D says after {ckpt['model']['steps']:,} steps.",
             ha="center", fontsize=10)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def learning_picture(run, out):
    import matplotlib.pyplot as plt
    from PIL import Image
    grids = sorted(run.glob("epoch-*.png"))
    last = int(grids[-1].stem.split("-")[1])
    epochs = [e for e in EPOCHS if e < last] + [last]
    corner = (PAD + 4 * (TILE + PAD)) * SCALE                   # the grid's first 4 x 4 digits
    fig, axes = plt.subplots(1, len(epochs), figsize=(1.6 * len(epochs), 2.0))
    for ax, epoch in zip(axes, epochs):
        ax.imshow(Image.open(run / f"epoch-{epoch:03d}.png").crop((0, 0, corner, corner)), cmap="gray")
        ax.set_title(f"epoch {epoch}", fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "checkpoint.pt").exists():
        sys.exit("usage: python docs/front_page.py RUN  (the folder of a `ganlab train --recipe quick --clusters 0 --no-conditional` run)")
    run = Path(sys.argv[1])
    game_picture(run, IMAGES / "front-game.png")
    learning_picture(run, IMAGES / "front-learning.png")
    print(f"wrote {IMAGES / 'front-game.png'} and {IMAGES / 'front-learning.png'}")

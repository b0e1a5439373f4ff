"""Figures of a run: sample grids, the training GIF, loss and D-output curves.

torchvision and matplotlib are imported inside the functions that draw with them: a run
loads them when it first saves a figure, not before its first step.
"""
from pathlib import Path

import torch


def grid_image(images, nrow=8):
    """(N, 784) in [-1, 1] -> a PIL image of an nrow-wide grid of 28 x 28 digits."""
    from PIL import Image
    from torchvision.utils import make_grid
    x = images.detach().float().cpu().reshape(-1, 1, 28, 28)
    grid = make_grid(x, nrow=nrow, padding=2, normalize=True, value_range=(-1, 1), pad_value=1)
    return Image.fromarray((grid[0] * 255).round().to(torch.uint8).numpy(), mode="L")


def save_grid(images, path, nrow=8, scale=3, software="ganlab"):
    """A grid of ``images`` as a PNG, ``software`` in its metadata (what wrote it)."""
    from PIL.PngImagePlugin import PngInfo
    img = grid_image(images, nrow)
    img = img.resize((img.width * scale, img.height * scale), resample=0)   # crisp pixels
    info = PngInfo()
    info.add_text("Software", software)
    img.save(path, format="PNG", pnginfo=info)
    return Path(path)


def save_gif(frames, path, ms_per_frame=300):
    """An animated GIF from PIL frames (e.g. one fixed-noise grid per epoch)."""
    if not frames:
        return None
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return Path(path)


def plot_history(history, out_dir, equilibrium=0.5):
    """``losses.png`` (d_loss, g_loss) and ``d_outputs.png`` (D(x), D(G(z))) against step.

    ``equilibrium``: where D's outputs meet once G draws the data, $D^* = y_{\text{real}}/2$ for
    BCE with real label $y_{\text{real}}$ (0.45 with one-sided smoothing at 0.9); None for
    losses whose D outputs are scores, not probabilities.
    """
    import matplotlib
    matplotlib.use("Agg")                 # files only; no display needed
    import matplotlib.pyplot as plt
    out_dir = Path(out_dir)
    steps = [h["step"] for h in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, [h["d_loss"] for h in history], label="D loss")
    ax.plot(steps, [h["g_loss"] for h in history], label="G loss")
    ax.set(xlabel="step", ylabel="loss", title="Losses")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "losses.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, [h["d_real"] for h in history], label="D(x), real")
    ax.plot(steps, [h["d_fake"] for h in history], label="D(G(z)), fake")
    if equilibrium is not None:
        ax.axhline(equilibrium, color="gray", linestyle=":", label=f"equilibrium {equilibrium:g}")
        ax.set(ylim=(0, 1))
    ax.set(xlabel="step", ylabel="mean D output", title="What D believes (measured in the D step, dropout on)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "d_outputs.png", dpi=100)
    plt.close(fig)

"""Drawing images from a trained generator: grids, tensors and latent interpolations."""
from pathlib import Path

import torch

from ganlab.checkpoint import CheckpointError, load_checkpoint
from ganlab.config import Config
from ganlab.models import Generator
from ganlab.plots import save_grid


def load_generator(path):
    """The generator of a checkpoint (its averaged copy when it has one), on the CPU."""
    ckpt = load_checkpoint(path)
    try:
        cfg = Config.from_dict(ckpt["config"])
        G = Generator(cfg.latent_dim, cfg.hidden_dim, cfg.image_dim)
        G.load_state_dict(ckpt["model"].get("G_ema") or ckpt["model"]["G"])
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path} does not match a ganlab generator: {err}") from err
    return G, cfg


@torch.no_grad()
def generate(G, cfg, n, seed):
    z = torch.randn(n, cfg.latent_dim, generator=torch.Generator().manual_seed(seed))   # (n, latent)
    return G(z)                                                                          # (n, 784)


def save_samples(G, cfg, n, seed, out_file):
    out = Path(out_file)
    if out.suffix not in (".png", ".pt"):
        raise ValueError(f"--out must end in .png or .pt, got {out.name}")
    images = generate(G, cfg, n, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".pt":
        torch.save(images.reshape(n, 1, 28, 28).clone(), out)
    else:
        save_grid(images, out, nrow=min(n, 8))


@torch.no_grad()
def interpolate(G, z_start, z_end, steps=10):
    r"""Images along the straight line $z(t) = (1 - t) z_0 + t z_1$, $t \in [0, 1]$."""
    t = torch.linspace(0, 1, steps).unsqueeze(1)                 # (steps, 1)
    return G((1 - t) * z_start + t * z_end)                       # (steps, 784)


def interpolation_figure(G, cfg, seed, out_file, rows=6, steps=10):
    """``rows`` walks, each from the noise of one seed to the next, ``steps`` images wide."""
    out = Path(out_file)
    if out.suffix != ".png":
        raise ValueError(f"--interpolate writes a figure: --out must end in .png, got {out.name}")
    walks = []
    for r in range(rows):
        z0 = generate_noise(cfg, seed + r)
        z1 = generate_noise(cfg, seed + r + 1)
        walks.append(interpolate(G, z0, z1, steps))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_grid(torch.cat(walks), out, nrow=steps)


def generate_noise(cfg, seed):
    return torch.randn(1, cfg.latent_dim, generator=torch.Generator().manual_seed(seed))

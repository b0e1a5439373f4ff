"""Drawing images from a trained generator: grids, tensors and latent interpolations."""
import math
from pathlib import Path

import torch

from ganlab.lab.training.build import build_generator
from ganlab.lab.training.checkpoint import CheckpointError, load_checkpoint, load_tensors
from ganlab.lab.training.conditioning import Conditioning
from ganlab.lab.training.config import Config
from ganlab.lab.watching.plots import grid_image, save_grid


def load_generator(path):
    """The generator of a checkpoint (its averaged copy when it has one), on the CPU."""
    ckpt = load_checkpoint(path)
    try:
        cfg = Config.from_dict(ckpt["config"])
        G = build_generator(cfg)
        G.load_state_dict(ckpt["model"].get("G_ema") or ckpt["model"]["G"])
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path} does not match a ganlab generator: {err}") from err
    return G.eval(), cfg                        # to draw from: batch norm uses its running statistics


def noise(n, latent_dim, seed, truncation=None):
    r"""``n`` noise vectors (n, latent_dim), $z \sim \mathcal{N}(0, I)$, from ``seed``.

    With ``truncation`` $t$: the truncation trick (Brock et al., 2019, BigGAN). Each entry
    follows the normal distribution cut to $[-t, t]$: only the dense middle of what G saw in
    training, where it draws its most typical images. Smaller $t$ buys realism (precision)
    with variety (recall). It is drawn by the inverse CDF, in one pass however small $t$ is:
    $u$ uniform on $[\Phi(-t), \Phi(t)]$, then $z = \Phi^{-1}(u)$.
    """
    gen = torch.Generator().manual_seed(seed)
    if truncation is None:
        return torch.randn(n, latent_dim, generator=gen)
    if not (truncation > 0 and math.isfinite(truncation)):
        raise ValueError(f"--truncation must be positive and finite, such as 0.7; got {truncation}")
    low = torch.special.ndtr(torch.tensor(-truncation, dtype=torch.float64))          # Φ(-t)
    u = low + (1 - 2 * low) * torch.rand(n, latent_dim, generator=gen, dtype=torch.float64)
    return torch.special.ndtri(u).clamp(-truncation, truncation).float()           # Φ⁻¹(u), (n, latent)


@torch.no_grad()
def generate(G, cfg, n, seed, labels=None, truncation=None):
    """``n`` images (n, 784) from the noise of ``seed``; a conditional G also needs ``labels`` (n,)."""
    z = noise(n, cfg.latent_dim, seed, truncation)     # (n, latent)
    return G(z, labels)                                # (n, 784)


MAX_GRID = 10_000          # images in one .png grid: 2,800 x 2,800 pixels
MAX_TENSOR = 100_000       # images in one .pt tensor: 314 MB of float32


def class_grid(n, num_classes):
    """(rows per class, columns) for about ``n`` images of a conditional G, one block of rows per
    class, the grid as close to square as that allows: 100 images of 10 digits are 10 x 10."""
    per_class = -(-n // num_classes)                               # ceil(n / classes)
    rows = max(1, round(math.sqrt(per_class / num_classes)))       # rows · classes ≈ columns
    return rows, -(-per_class // rows)


def save_samples(G, cfg, n, seed, out_file, digit=None, truncation=None):
    """A grid (.png) or a tensor (.pt) of ``n`` samples (``truncation``: see ``noise``).

    For a G told the digit, without ``digit`` (not a self-conditioned one, whose clusters are
    drawn with their shares, ``Conditioning.labels``): about ``n`` samples (rounded up to the same number
    of each class), each class in its own rows, with the same noise down each column.
    """
    out = Path(out_file)
    if out.suffix.lower() not in (".png", ".pt"):
        raise ValueError(f"--out must end in .png or .pt, got {out.name!r}")
    refuse_to_replace(out)
    most = MAX_GRID if out.suffix.lower() == ".png" else MAX_TENSOR
    if n > most:
        raise ValueError(f"--n {n:,} is more than a {out.suffix} of samples holds here ({most:,}): "
                         "ask for fewer, or write several files with other --seed values")
    conditioning = Conditioning.of(cfg)
    labels = conditioning.labels(n, digit, seed)
    if conditioning.by_digit and digit is None:
        rows, columns = class_grid(n, cfg.num_classes)
        z = noise(rows * columns, cfg.latent_dim, seed, truncation)
        labels = torch.arange(cfg.num_classes).repeat_interleave(rows * columns)   # class k: rows k·r .. k·r + r - 1
        with torch.no_grad():
            images = G(z.repeat(cfg.num_classes, 1), labels)
        nrow = columns
    else:
        images, nrow = generate(G, cfg, n, seed, labels, truncation), min(n, 8)
    make_parent(out)
    if out.suffix.lower() == ".pt":
        torch.save(images.reshape(-1, 1, 28, 28).clone(), out)
    else:
        save_grid(images, out, nrow=nrow, software=SOFTWARE)


SOFTWARE = "ganlab sample"      # in the metadata of every PNG this command writes: what it may write over


def refuse_to_replace(out):
    """A ValueError when ``out`` exists and is not what ``ganlab sample`` writes: a file it
    wrote earlier may be replaced, nothing else (a checkpoint, a figure of a run, your own file)."""
    if not out.exists():
        return
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder: name a file ending in .png or .pt")
    if not written_by_sample(out):
        raise ValueError(f"--out {out} exists and was not written by ganlab sample (a checkpoint? a figure?): "
                         "choose another --out; the file is left as it is")


def make_parent(out):
    """Create the folder ``out`` goes into, or say in one line why it cannot be."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out {out}: its folder cannot be created ({err.strerror or err})") from None


def written_by_sample(path):
    """Whether ``path`` is a tensor of images (N, 1, 28, 28) or a PNG that ``ganlab sample`` wrote."""
    if path.suffix.lower() == ".pt":
        try:
            obj = load_tensors(path)
        except CheckpointError:
            return False
        return torch.is_tensor(obj) and obj.dim() == 4 and tuple(obj.shape[1:]) == (1, 28, 28)
    from PIL import Image
    try:
        with Image.open(path) as img:
            return img.info.get("Software") == SOFTWARE
    except Exception:                                    # not an image at all
        return False


@torch.no_grad()
def interpolate(G, z_start, z_end, steps=10, label=None):
    r"""Images along the straight line $z(t) = (1 - t) z_0 + t z_1$, $t \in [0, 1]$
    (all of class ``label`` for a conditional G)."""
    t = torch.linspace(0, 1, steps).unsqueeze(1)                 # (steps, 1)
    labels = None if label is None else torch.full((steps,), label)
    return G((1 - t) * z_start + t * z_end, labels)               # (steps, 784)


def interpolation_figure(G, cfg, seed, out_file, rows=6, steps=10):
    """``rows`` walks, each from the noise of one seed to the next, ``steps`` images wide."""
    out = Path(out_file)
    if out.suffix.lower() != ".png":
        raise ValueError(f"--interpolate writes a figure: --out must end in .png, got {out.name!r}")
    refuse_to_replace(out)
    walks = []
    for r in range(rows):
        z0 = generate_noise(cfg, seed + r)
        z1 = generate_noise(cfg, seed + r + 1)
        label = r % cfg.num_classes if cfg.conditional else None     # a conditional G: row r draws class r
        walks.append(interpolate(G, z0, z1, steps, label))
    make_parent(out)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(1.0 * steps, 1.0 * rows + 0.9))
    ax.imshow(grid_image(torch.cat(walks), nrow=steps), cmap="gray")
    cell = 30                                                   # 28 pixels and make_grid's 2-pixel padding
    ax.set_xticks([cell * k + 16 for k in range(steps)], [f"{k / (steps - 1):.2g}" for k in range(steps)])
    ax.set_yticks([cell * r + 16 for r in range(rows)],
                  [Conditioning.of(cfg).row_name(r) if cfg.conditional
                   else f"walk {r + 1}" for r in range(rows)])
    ax.set_xlabel("t: each image is G((1 - t) z0 + t z1), from one noise vector (t = 0) to the next (t = 1)")
    ax.set_title("Walks through G's latent space: smooth changes mean G learned a continuous map")
    ax.tick_params(length=0)
    fig.tight_layout()
    fig.savefig(out, dpi=100, format="png", metadata={"Software": SOFTWARE})
    plt.close(fig)


def generate_noise(cfg, seed):
    return torch.randn(1, cfg.latent_dim, generator=torch.Generator().manual_seed(seed))

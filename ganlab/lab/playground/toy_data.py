"""Two-dimensional data for the toy GAN (lesson 11) and the playground: points in [-1, 1]².

Each data set is a function ``(n, gen) -> (n, 2)`` that draws ``n`` points with the
``torch.Generator`` ``gen``. All lie well inside [-1, 1]², where G's tanh can reach.

- ``ring``: 8 small Gaussian blobs on a circle of radius 0.7, the classic test of mode collapse;
- ``grid``: 25 small blobs on a 5 x 5 grid;
- ``moons``: two interleaving half circles;
- ``spiral``: one arm of a spiral;
- ``points(tensor)``: a learner's own (N, 2) points, drawn with replacement, scaled to fit.
"""
import csv
import math
from pathlib import Path

import torch

RING_MODES, RING_RADIUS, RING_SPREAD = 8, 0.7, 0.04
_angles = torch.arange(RING_MODES) * 2 * math.pi / RING_MODES
RING_CENTRES = RING_RADIUS * torch.stack([_angles.cos(), _angles.sin()], dim=1)     # (8, 2)
GRID_CENTRES = torch.cartesian_prod(torch.linspace(-0.8, 0.8, 5), torch.linspace(-0.8, 0.8, 5))  # (25, 2)
GRID_SPREAD = 0.03


def blobs(n, gen, centres, spread):
    """``n`` points, each from a Gaussian of std ``spread`` around a centre picked uniformly."""
    which = torch.randint(len(centres), (n,), generator=gen)
    return centres[which] + spread * torch.randn(n, 2, generator=gen)             # (n, 2)


def ring(n, gen):
    return blobs(n, gen, RING_CENTRES, RING_SPREAD)


def grid(n, gen):
    return blobs(n, gen, GRID_CENTRES, GRID_SPREAD)


def moons(n, gen):
    """Two interleaving half circles (as scikit-learn's ``make_moons``), scaled to span [-0.8, 0.8]."""
    t = math.pi * torch.rand(n, generator=gen)                                   # angle on its half circle
    upper = torch.rand(n, generator=gen) < 0.5
    x = torch.where(upper, t.cos(), 1 - t.cos()) - 0.5                           # (n,) in [-1.5, 1.5]
    y = torch.where(upper, t.sin(), 0.5 - t.sin()) - 0.25                        # (n,) in [-0.75, 0.75]
    return 0.8 / 1.5 * torch.stack([x, y], dim=1) + 0.02 * torch.randn(n, 2, generator=gen)


def spiral(n, gen):
    """r grows with the angle θ ∈ [0, 3π]: (r cos θ, r sin θ), r = 0.8 θ / 3π."""
    theta = 3 * math.pi * torch.rand(n, generator=gen).sqrt()                    # more points further out
    r = 0.8 * theta / (3 * math.pi)
    return torch.stack([r * theta.cos(), r * theta.sin()], dim=1) + 0.02 * torch.randn(n, 2, generator=gen)


DATASETS = {"ring": ring, "grid": grid, "moons": moons, "spiral": spiral}


def points(data):
    """A data set of one's own: ``data`` (N, 2), centred and scaled so that it spans [-0.8, 0.8]."""
    data = torch.as_tensor(data, dtype=torch.float32)
    if data.ndim != 2 or data.shape[1] != 2 or len(data) < 2:
        raise ValueError(f"own points must be an (N, 2) table with N >= 2, got shape {tuple(data.shape)}")
    if not torch.isfinite(data).all():
        raise ValueError("own points must be finite numbers: found nan or inf")
    centre = (data.max(0).values + data.min(0).values) / 2
    half_width = ((data.max(0).values - data.min(0).values) / 2).max().clamp_min(1e-12)
    return drawn_from(0.8 * (data - centre) / half_width)


def drawn_from(points):
    """A data set that draws from ``points`` (N, 2), as they are, with replacement."""
    def draw(n, gen):
        return points[torch.randint(len(points), (n,), generator=gen)]
    return draw


def read_points(path):
    """The (N, 2) numbers of a CSV file: two columns, an optional header line."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    rows = [row for row in csv.reader(path.read_text(encoding="utf-8").splitlines()) if row]
    try:
        float(rows[0][0])
    except (ValueError, IndexError):
        rows = rows[1:]                                                          # a header line
    try:
        return torch.tensor([[float(a), float(b)] for a, b, *_ in rows])
    except ValueError as err:
        raise ValueError(f"{path}: every row must hold two numbers ({err})") from None


def modes_covered(fakes, centres=RING_CENTRES, spread=RING_SPREAD, share=0.02):
    """How many blobs hold at least ``share`` of the points within 3 spreads of their centre."""
    near = torch.cdist(fakes, centres) < 3 * spread                              # (n, modes)
    return int((near.float().mean(0) >= share).sum())

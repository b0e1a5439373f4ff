"""How a run is conditioned: not at all, on the digit, or on k-means clusters of its images.

One object answers what the rest of the lab asks about it: which labels a G is asked for
(``labels``), whether those labels are digits that a classifier can check (``by_digit``),
what a row of a figure is called (``row_name``), and how many samples ``ganlab sample``
draws by default. ``Conditioning.of(cfg)`` reads it from a run's settings.
"""
from dataclasses import dataclass

import torch

from ganlab.lab.training.clusters import draw_clusters

@dataclass(frozen=True)
class Conditioning:
    kind: str                   # "none", "digits" or "clusters"
    classes: int = 0            # the labels G and D read: none, the 10 digits, or the clusters
    shares: tuple = None        # each cluster's share of the training images (set by training)

    @classmethod
    def of(cls, cfg):
        if not cfg.conditional:
            return cls("none")
        if cfg.clusters:
            return cls("clusters", cfg.num_classes, None if cfg.cluster_shares is None else tuple(cfg.cluster_shares))
        return cls("digits", cfg.num_classes)

    @property
    def by_digit(self):
        """Whether G is told the digit: then ``--digit`` asks for one, and a classifier can check it."""
        return self.kind == "digits"

    def labels(self, n, digit=None, seed=0):
        """What G is asked to draw for ``n`` samples: ``n`` times ``digit``, or each digit in turn
        (0, 1, ..., 9, 0, 1, ...); clusters drawn with their shares of the training images (from
        ``seed``); None for a G that takes no labels."""
        if digit is not None and not self.by_digit:
            raise ValueError(
                "this checkpoint's generator is conditioned on k-means clusters (--clusters), not on digits: --digit "
                "needs one trained with `ganlab train --conditional`" if self.kind == "clusters" else
                "this checkpoint's generator is not conditional: --digit needs one trained with "
                "`ganlab train --conditional`")
        if self.kind == "none":
            return None
        if self.kind == "clusters":
            return draw_clusters(list(self.shares), n, seed)
        if digit is None:
            return torch.arange(n) % self.classes
        if not 0 <= digit < self.classes:
            raise ValueError(f"--digit must be 0 to {self.classes - 1}, got {digit}")
        return torch.full((n,), digit)

    def row_name(self, k):
        """What row ``k`` of a figure that asks for one class a row shows."""
        return f"{'cluster' if self.kind == 'clusters' else 'digit'} {k % self.classes}"

    def default_samples(self, digit=None):
        """How many samples ``ganlab sample`` draws when not told: 8 of each digit, or a grid of 64."""
        return 80 if self.by_digit and digit is None else 64

"""The training loop's two parts: the stream of batches, and each step's random inputs.

Every loop that trains a GAN (``ganlab train``, ``ganlab compare``, the lessons, the
benchmarks) does the same two things before each step, and does them here:

1. take the next batch of real images: ``batch_stream`` yields the indices of each step's
   batch, epoch after epoch, each epoch in its own seeded order;
2. draw the step's noise, and for a conditional GAN its labels: ``StepInputs`` turns a real
   batch into the arguments of ``GAN.step``, drawn from one generator in a fixed order
   (z for the D step, z for the G step; then the labels asked of G in each half, and the
   shift that gives each real image a wrong label).

So a loop shows only what it does differently: what it logs, saves or compares.
"""
import torch

from ganlab.lab.training.data import batch_indices


def batch_stream(n, batch_size, seed, start=0, device="cpu"):
    """Yield the indices (batch_size,) of every step's batch of an ``n``-image data set, from
    step ``start`` on: each epoch in its seeded order, its last incomplete batch dropped."""
    epoch, first = divmod(start, n // batch_size)
    while True:
        yield from batch_indices(n, batch_size, seed, epoch, first, device)
        epoch, first = epoch + 1, 0


class StepInputs:
    """``inputs(x_real, y_real)``: the arguments of ``GAN.step`` for that real batch.

    ``noise``: the ``torch.Generator`` they are drawn from; z is (B, ``latent_dim``) of
    ``dtype``. With ``num_classes``, a conditional GAN: G is asked for uniform random labels,
    and ``mismatched`` adds a wrong label for each real image (the matching-aware D).
    """

    def __init__(self, noise, latent_dim, dtype=torch.float32, num_classes=0, mismatched=False):
        self.noise, self.latent_dim, self.dtype = noise, latent_dim, dtype
        self.num_classes, self.mismatched = num_classes, mismatched

    def __call__(self, x_real, y_real=None):
        B, device = len(x_real), x_real.device
        z_d = torch.randn(B, self.latent_dim, generator=self.noise, device=device, dtype=self.dtype)
        z_g = torch.randn(B, self.latent_dim, generator=self.noise, device=device, dtype=self.dtype)
        if not self.num_classes:
            return x_real, z_d, z_g
        y_d, y_g = torch.randint(self.num_classes, (2, B), generator=self.noise, device=device)
        shift = torch.randint(1, self.num_classes, (B,), generator=self.noise, device=device)
        y_wrong = (y_real + shift) % self.num_classes                   # never y_real
        return x_real, z_d, z_g, y_real, y_d, y_g, y_wrong if self.mismatched else None

"""Write small checkpoints with the ganlab found on PYTHONPATH, for tests/lab/training/test_checkpoint.py.

Run against an older checkout to record what its checkpoints look like:

    git worktree add /tmp/old f407618
    PYTHONPATH=/tmp/old python tests/data/old_checkpoints.py tests/data/checkpoints-f407618

Each run trains 10 steps (one epoch) in float64 on synthetic blobs, and the test resumes it
to 20 steps with today's code and compares that with 20 steps taken by today's code alone.
"""
import sys
from pathlib import Path

import torch

import ganlab.lab.training.train
from ganlab.lab.training.config import make_config
from ganlab.lab.training.data import Dataset

RUNS = {   # name -> recipe and settings: the default MLP (dropout, spectral norm, EMA), conditional, DCGAN
    # at the rate ganlab's recipe had when these were written (its MLP learns at 1e-3 since 0.2.0)
    "ganlab": ("ganlab", dict(lr=2e-4)),
    "conditional": ("ganlab", dict(conditional=True, lr=2e-4)),
    "dcgan": ("classic", dict(arch="dcgan", beta1=0.5, stable_loss=True, ema=0.99)),
}
TINY = dict(dataset="mnist-sample", latent_dim=8, hidden_dim=16, batch_size=20, log_every=5, sample_n=16,
            device="cpu", dtype="float64")


def blobs(n=200, seed=0):
    """Fake digits: a bright blob on a dark 28 x 28 field in [-1, 1], labels 0..9 in turn."""
    gen = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    centers = torch.rand(n, 2, generator=gen) * 16 + 6
    d2 = (yy - centers[:, :1, None]) ** 2 + (xx - centers[:, 1:, None]) ** 2
    images = (torch.exp(-d2 / 18) * 2 - 1).reshape(n, 784)
    return Dataset(images, torch.arange(n) % 10, "synthetic", "synthetic blobs")


def config(name, steps):
    recipe, settings = RUNS[name]
    return make_config(recipe, steps=steps, **TINY, **settings)


def main(out):
    ganlab.lab.training.train.load_dataset = lambda name, data_dir, device: blobs()
    for name in RUNS:
        ganlab.lab.training.train.train(config(name, 10), Path(out) / name, overwrite=True, log=lambda *a: None)
        for extra in Path(out, name).iterdir():          # keep only what the test reads
            if extra.name != "checkpoint.pt":
                extra.unlink()


if __name__ == "__main__":
    main(sys.argv[1])

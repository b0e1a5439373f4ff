"""Choosing where tensors live, and making runs repeatable."""
import random

import torch

DEVICES = ("auto", "cpu", "cuda")      # auto: CUDA when a GPU is present, else the CPU


def get_device(name="auto"):
    """``"auto"`` picks CUDA when a GPU is present, else the CPU; ``"cpu"``/``"cuda"`` force one.

    Asking for ``"cuda"`` on a machine without a GPU raises ``ValueError``.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but no CUDA GPU is available here")
    if name not in DEVICES:
        raise ValueError(f"unknown device {name!r}: choose one of {', '.join(DEVICES)}")
    return torch.device(name)


def set_seed(seed):
    """Seed Python's, numpy's (if present) and torch's random generators in one call."""
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy
        numpy.random.seed(seed % 2**32)
    except ImportError:
        pass

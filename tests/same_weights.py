"""Two runs' checkpoints hold the same weights, bit for bit: the helpers the resume tests share."""
import torch

from ganlab.lab.training.checkpoint import load_checkpoint


def weights(path):
    """Every tensor of G, D and the averaged G in the checkpoint at ``path``, by name."""
    model = load_checkpoint(path)["model"]
    return {f"{part}.{k}": v for part in ("G", "D", "G_ema") if part in model for k, v in model[part].items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k

"""ganlab: a Generative Adversarial Network built from explicit tensor ops, step by step.

The names below are imported on first use (``from ganlab import GAN`` works as usual), so
that ``ganlab --help`` and ``ganlab lessons`` answer without loading torch.
"""
from importlib import import_module

_WHERE = {
    "leaky_relu": "activations", "log_sigmoid": "activations", "relu": "activations",
    "sigmoid": "activations", "tanh": "activations", "get_device": "device", "set_seed": "device",
    "GAN": "gan", "Linear": "linear", "linear": "linear", "bce": "losses", "bce_with_logits": "losses",
    "Discriminator": "models", "Generator": "models", "SGD": "optim", "Adam": "optim",
    "Sequential": "sequential",
}
__all__ = sorted(_WHERE)
__version__ = "0.2.0"


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'ganlab' has no attribute {name!r}")
    return getattr(import_module(f"ganlab.{_WHERE[name]}"), name)

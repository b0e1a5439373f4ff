"""ganlab: a Generative Adversarial Network built from explicit tensor ops, step by step."""
from ganlab.activations import leaky_relu, log_sigmoid, relu, sigmoid, tanh
from ganlab.device import get_device, set_seed
from ganlab.gan import GAN
from ganlab.linear import Linear, linear
from ganlab.losses import bce, bce_with_logits
from ganlab.models import Discriminator, Generator
from ganlab.optim import SGD, Adam
from ganlab.sequential import Sequential

__all__ = [
    "Adam", "Discriminator", "GAN", "Generator", "Linear", "SGD", "Sequential",
    "bce", "bce_with_logits", "get_device", "leaky_relu", "linear", "log_sigmoid",
    "relu", "set_seed", "sigmoid", "tanh",
]
__version__ = "0.1.0"

r"""Dropout from tensor ops: zero each unit with probability $p$ during training.

$$y = x \odot m / (1 - p), \qquad m_i \sim \mathrm{Bernoulli}(1 - p)$$

Dividing by $1 - p$ keeps the expected value of $y$ equal to $x$. In D it stops the
discriminator from memorizing a small training set, which otherwise lets it win the
game outright. Mirrors ``torch.nn.Dropout`` (with its own random numbers); in evaluation
mode (``eval()``) it passes its input through unchanged, as ``nn.Dropout`` does.
"""
import torch

from ganlab.layer import Layer
from ganlab.random_numbers import random_numbers


class Dropout(Layer):
    """``rng``: where the masks' numbers come from (a ``RandomNumbers`` or a ``torch.Generator``)."""

    def __init__(self, p, rng=None):
        self.p, self.rng = p, random_numbers(rng)

    def forward(self, x):
        if not self.training:                     # evaluation mode: every unit speaks, as nn.Dropout.eval()
            self.mask = torch.ones_like(x)
            return x
        u = self.rng.rand(x.shape, x.device, x.dtype)            # (B, features), uniform in [0, 1)
        keep = u >= self.p
        self.mask = keep.to(x.dtype) / (1 - self.p)             # (B, features)
        return x * self.mask

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return grad_y * self.mask                                # the same units stay silent

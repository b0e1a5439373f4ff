r"""The Linear (fully connected) layer from explicit tensors.

$$y = x W^\top + b$$

with $x$ of shape (B, in), $W$ of shape (out, in) and $b$ of shape (out,), the same
layout as ``torch.nn.Linear`` so weights copy one-to-one between the two.
"""
import math

import torch

from ganlab.layer import Layer


def linear(x, W, b):
    r"""$y = x W^\top + b$. Shapes: x (B, in), W (out, in), b (out,) -> y (B, out).

    Mirrors ``torch.nn.functional.linear``, which computes the same sum in one fused call.
    """
    return x @ W.T + b


def linear_backward(x, W, grad_y, input_grad=True, param_grads=True):
    r"""Gradients of $y = x W^\top + b$ given $g = \partial L / \partial y$ of shape (B, out).

    $$\frac{\partial L}{\partial x} = g W, \qquad
      \frac{\partial L}{\partial W} = g^\top x, \qquad
      \frac{\partial L}{\partial b} = \textstyle\sum_{\text{batch}} g$$

    Returns ``(grad_x, grad_W, grad_b)`` with the shapes of x, W and b; ``grad_x`` is None
    without ``input_grad`` and ``grad_W``, ``grad_b`` are None without ``param_grads``
    (each skipped gradient is a matrix multiply saved).
    """
    grad_x = grad_y @ W if input_grad else None
    if not param_grads:
        return grad_x, None, None
    return grad_x, grad_y.T @ x, grad_y.sum(dim=0)


def init_uniform(shape, fan_in, device=None, dtype=torch.float32, generator=None):
    r"""$\mathcal{U}(-1/\sqrt{\text{fan-in}},\ 1/\sqrt{\text{fan-in}})$: ``nn.Linear``'s default init, for W and b."""
    bound = 1 / math.sqrt(fan_in)
    t = torch.empty(shape, device=device, dtype=dtype)
    return t.uniform_(-bound, bound, generator=generator)


class Linear(Layer):
    """A Linear layer holding its parameters ``W`` (out, in) and ``b`` (out,) as plain tensors."""

    def __init__(self, in_features, out_features, device=None, dtype=torch.float32, generator=None):
        self.W = init_uniform((out_features, in_features), in_features, device, dtype, generator)
        self.b = init_uniform((out_features,), in_features, device, dtype, generator)
        self.W.requires_grad_(True)
        self.b.requires_grad_(True)

    def forward(self, x):
        self.x = x.detach()                       # kept for the hand-written backward
        return linear(x, self.W, self.b)          # (B, out)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        """∂L/∂x (None without ``input_grad``); with ``param_grads``, add ∂L/∂W and ∂L/∂b to ``.grad``."""
        grad_x, grad_W, grad_b = linear_backward(self.x, self.W.detach(), grad_y, input_grad, param_grads)
        if param_grads:
            accumulate_grad(self.W, grad_W)
            accumulate_grad(self.b, grad_b)
        return grad_x

    def parameters(self):
        return [self.W, self.b]

    def named_parameters(self):
        return {"weight": self.W, "bias": self.b}          # nn.Linear's names, for the twin


def accumulate_grad(param, grad):
    """Add ``grad`` into ``param.grad``, as autograd does when a tensor is used twice."""
    if param.grad is None:
        param.grad = grad.clone()
    else:
        param.grad += grad

r"""Activation functions built from tensor ops, each right beside its derivative.

Every ``*_backward`` function takes what the forward pass saw (its input ``x`` or
its output ``y``) and the upstream gradient ``grad_y`` = ∂L/∂y, and returns
∂L/∂x by the chain rule: ∂L/∂x = ∂L/∂y · dy/dx (elementwise).
"""
import torch

from ganlab.layer import Layer


def _abs(x):
    """|x| written with ``where``, so its derivative at 0 is that of the x ≥ 0 branch (1).

    ``x.abs()`` has derivative 0 at 0, which would give wrong gradients at exactly
    x = 0 in the formulas below, whose two halves meet smoothly there.
    """
    return torch.where(x >= 0, x, -x)


def relu(x):
    r"""$\mathrm{ReLU}(x) = \max(x, 0)$. Mirrors ``torch.relu``. Shape: any."""
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_backward(x, grad_y):
    r"""$\frac{d}{dx}\mathrm{ReLU}(x) = 1$ if $x > 0$ else $0$ (0 at $x = 0$, like torch)."""
    return grad_y * (x > 0).to(grad_y.dtype)


def leaky_relu(x, slope=0.01):
    r"""$\mathrm{LeakyReLU}(x) = x$ if $x > 0$ else $\alpha x$, with $\alpha$ = ``slope``.

    Mirrors ``torch.nn.functional.leaky_relu``. The small slope keeps a gradient
    flowing for negative inputs, which is why the discriminator uses it.
    """
    return torch.where(x > 0, x, slope * x)


def leaky_relu_backward(x, grad_y, slope=0.01):
    r"""$\frac{d}{dx}\mathrm{LeakyReLU}(x) = 1$ if $x > 0$ else $\alpha$."""
    return grad_y * torch.where(x > 0, torch.ones_like(x), torch.full_like(x, slope))


def sigmoid(x):
    r"""$\sigma(x) = \frac{1}{1 + e^{-x}}$, computed without overflow.

    For $x \ge 0$ we use $1 / (1 + e^{-x})$; for $x < 0$ the equal form
    $e^{x} / (1 + e^{x})$. Either way the exponent is $-|x| \le 0$, so
    ``exp`` never overflows, even for $|x| = 10^4$. Mirrors ``torch.sigmoid``.
    """
    e = torch.exp(-_abs(x))                       # in (0, 1]
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(y, grad_y):
    r"""$\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$, written with the output $y = \sigma(x)$."""
    return grad_y * y * (1 - y)


def tanh(x):
    r"""$\tanh(x) = \frac{1 - e^{-2x}}{1 + e^{-2x}}$ for $x \ge 0$, odd-symmetric for $x < 0$.

    Written with $u = e^{-2|x|} - 1$ (``expm1``, exact for tiny $|x|$):
    $\tanh(|x|) = -u / (2 + u)$. Mirrors ``torch.tanh``. The generator ends in tanh
    so its pixels lie in $[-1, 1]$, the same range as the normalized data.
    """
    u = torch.expm1(-2 * _abs(x))                 # in (-1, 0]
    t = -u / (2 + u)                              # tanh(|x|)
    return torch.where(x >= 0, t, -t)


def tanh_backward(y, grad_y):
    r"""$\tanh'(x) = 1 - \tanh^2(x)$, written with the output $y = \tanh(x)$."""
    return grad_y * (1 - y * y)


def log_sigmoid(x):
    r"""$\log \sigma(x) = -\log(1 + e^{-x}) = \min(x, 0) - \log(1 + e^{-|x|})$.

    The right-hand form never exponentiates a positive number and uses ``log1p``,
    so it is finite and accurate for any $x$. Mirrors ``torch.nn.functional.logsigmoid``.
    """
    return torch.where(x >= 0, torch.zeros_like(x), x) - torch.log1p(torch.exp(-_abs(x)))


class ReLU(Layer):
    """ReLU as a layer: remembers its input so ``backward`` can apply the chain rule."""

    def forward(self, x):
        self.x = x.detach()
        return relu(x)

    def backward(self, grad_y, param_grads=True):
        return relu_backward(self.x, grad_y)


class LeakyReLU(Layer):
    """LeakyReLU as a layer, with its negative ``slope`` (the seeds use 0.2)."""

    def __init__(self, slope=0.01):
        self.slope = slope

    def forward(self, x):
        self.x = x.detach()
        return leaky_relu(x, self.slope)

    def backward(self, grad_y, param_grads=True):
        return leaky_relu_backward(self.x, grad_y, self.slope)


class Tanh(Layer):
    """tanh as a layer: remembers its output, which is all its derivative needs."""

    def forward(self, x):
        y = tanh(x)
        self.y = y.detach()
        return y

    def backward(self, grad_y, param_grads=True):
        return tanh_backward(self.y, grad_y)


class Sigmoid(Layer):
    """Sigmoid as a layer: remembers its output, which is all its derivative needs."""

    def forward(self, x):
        y = sigmoid(x)
        self.y = y.detach()
        return y

    def backward(self, grad_y, param_grads=True):
        return sigmoid_backward(self.y, grad_y)

r"""Activation functions built from tensor ops, each right beside its derivative.

Every ``*_backward`` function takes what the forward pass saw (its input ``x`` or
its output ``y``) and the upstream gradient ``grad_y`` = ∂L/∂y, and returns
∂L/∂x by the chain rule: ∂L/∂x = ∂L/∂y · dy/dx (elementwise).
"""
import torch

from ganlab.layer import Layer


class Elementwise(torch.autograd.Function):
    """An activation as one autograd node: its forward formula, and its own derivative.

    Every PyTorch operation comes with a hand-written derivative, and so do these: when
    autograd reaches an activation it calls the ``*_backward`` formula below instead of
    differentiating the forward formula operation by operation (abs, expm1, divide, ...).
    That is the same gradient, exact at the kinks (ReLU at 0), in one or two operations.
    The manual backend calls the very same ``*_backward`` functions, without autograd.
    """

    @staticmethod
    def forward(ctx, x, formula, derivative, *args):
        y = formula(x, *args)
        ctx.derivative, ctx.args = derivative, args
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_y):
        x, y = ctx.saved_tensors
        return (ctx.derivative(x, y, grad_y, *ctx.args), None, None) + (None,) * len(ctx.args)


def relu(x):
    r"""$\mathrm{ReLU}(x) = \max(x, 0)$. Mirrors ``torch.relu``. Shape: any."""
    return Elementwise.apply(x, _relu, lambda x, y, g: relu_backward(x, g))


def _relu(x):
    return x.clamp(min=0)                          # max(x, 0)


def relu_backward(x, grad_y):
    r"""$\frac{d}{dx}\mathrm{ReLU}(x) = 0$ if $x \le 0$ else $1$ (0 at $x = 0$, like torch).

    Written as "zero where $x \le 0$" rather than "keep where $x > 0$": the two differ only at
    NaN, where torch lets the gradient through (NaN $\le 0$ is false).
    """
    return torch.where(x <= 0, 0.0, grad_y)


def leaky_relu(x, slope=0.01):
    r"""$\mathrm{LeakyReLU}(x) = x$ if $x > 0$ else $\alpha x$, with $\alpha$ = ``slope``.

    Mirrors ``torch.nn.functional.leaky_relu``. The small slope keeps a gradient
    flowing for negative inputs, which is why the discriminator uses it.
    """
    return Elementwise.apply(x, _leaky_relu, lambda x, y, g, slope: leaky_relu_backward(x, g, slope), slope)


def _leaky_relu(x, slope):
    return torch.where(x > 0, x, x * slope)


def leaky_relu_backward(x, grad_y, slope=0.01):
    r"""$\frac{d}{dx}\mathrm{LeakyReLU}(x) = 1$ if $x > 0$ else $\alpha$."""
    return torch.where(x > 0, grad_y, grad_y * slope)


def sigmoid(x):
    r"""$\sigma(x) = \frac{1}{1 + e^{-x}}$, computed without overflow.

    For $x \ge 0$ we use $1 / (1 + e^{-x})$; for $x < 0$ the equal form
    $e^{x} / (1 + e^{x})$. Either way the exponent is $-|x| \le 0$, so
    ``exp`` never overflows, even for $|x| = 10^4$. Mirrors ``torch.sigmoid``.
    """
    return Elementwise.apply(x, _sigmoid, lambda x, y, g: sigmoid_backward(y, g))


def _sigmoid(x):
    e = torch.exp(-x.abs())                        # in (0, 1]
    return torch.where(x >= 0, 1, e) / (1 + e)


def sigmoid_backward(y, grad_y):
    r"""$\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$, written with the output $y = \sigma(x)$."""
    return grad_y * y * (1 - y)


def tanh(x):
    r"""$\tanh(x) = \frac{1 - e^{-2x}}{1 + e^{-2x}}$ for $x \ge 0$, odd-symmetric for $x < 0$.

    Written with $u = e^{-2|x|} - 1$ (``expm1``, exact for tiny $|x|$):
    $\tanh(|x|) = -u / (2 + u)$, then the sign of $x$. Mirrors ``torch.tanh``. The
    generator ends in tanh so its pixels lie in $[-1, 1]$, the same range as the data.
    """
    return Elementwise.apply(x, _tanh, lambda x, y, g: tanh_backward(y, g))


def _tanh(x):
    u = torch.expm1(x.abs() * -2)                  # in (-1, 0]
    return (u / (u + 2)).neg_().copysign_(x)       # tanh(|x|), with the sign of x


def tanh_backward(y, grad_y):
    r"""$\tanh'(x) = 1 - \tanh^2(x)$, written with the output $y = \tanh(x)$."""
    return grad_y * (1 - y * y)


def log_sigmoid(x):
    r"""$\log \sigma(x) = -\log(1 + e^{-x}) = \min(x, 0) - \log(1 + e^{-|x|})$.

    The right-hand form never exponentiates a positive number and uses ``log1p``,
    so it is finite and accurate for any $x$. Mirrors ``torch.nn.functional.logsigmoid``.
    """
    return Elementwise.apply(x, _log_sigmoid, lambda x, y, g: log_sigmoid_backward(x, g))


def _log_sigmoid(x):
    return x.clamp(max=0) - torch.log1p(torch.exp(-x.abs()))


def log_sigmoid_backward(x, grad_y):
    r"""$\frac{d}{dx}\log\sigma(x) = 1 - \sigma(x) = \sigma(-x)$."""
    return grad_y * _sigmoid(-x)


class ReLU(Layer):
    """ReLU as a layer: remembers its input so ``backward`` can apply the chain rule."""

    def forward(self, x):
        self.x = x.detach()
        return relu(x)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return relu_backward(self.x, grad_y)


class LeakyReLU(Layer):
    """LeakyReLU as a layer, with its negative ``slope`` (the classic GAN uses 0.2)."""

    def __init__(self, slope=0.01):
        self.slope = slope

    def forward(self, x):
        self.x = x.detach()
        return leaky_relu(x, self.slope)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return leaky_relu_backward(self.x, grad_y, self.slope)


class Tanh(Layer):
    """tanh as a layer: remembers its output, which is all its derivative needs."""

    def forward(self, x):
        y = tanh(x)
        self.y = y.detach()
        return y

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return tanh_backward(self.y, grad_y)


class Sigmoid(Layer):
    """Sigmoid as a layer: remembers its output, which is all its derivative needs."""

    def forward(self, x):
        y = sigmoid(x)
        self.y = y.detach()
        return y

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return sigmoid_backward(self.y, grad_y)

r"""The convolution as one matrix multiply, and the transposed convolution as its gradient.

A convolution slides a small filter over the image. Cut every patch the filter sees into a
column (``unfold``, also called im2col) and the whole convolution is one matrix multiply:

$$\text{cols} = \mathrm{unfold}(x), \qquad y = W_{\text{flat}}\,\text{cols} + b$$

x (B, C_in, H, W) gives cols (B, C_in·k·k, L) with L = H_out·W_out patches; W (C_out, C_in,
k, k), nn.Conv2d's layout, flattens to (C_out, C_in·k·k). Every patch meets the same W: the
weights are *shared* across the image, which is why a 4×4 filter needs 16 numbers per channel
pair however large the image is. Sizes: H_out = ⌊(H + 2·padding − k) / stride⌋ + 1.

Backward, with g = ∂L/∂y flattened to (B, C_out, L):

$$\frac{\partial L}{\partial W} = \sum_b g_b\,\text{cols}_b^\top, \qquad
  \frac{\partial L}{\partial b} = \sum_{b, \ell} g, \qquad
  \frac{\partial L}{\partial x} = \mathrm{fold}(W_{\text{flat}}^\top g)$$

``fold`` is unfold's adjoint: it adds each column back onto the pixels its patch came from
(where patches overlap, their gradients add up).

The **transposed convolution** is that last map, ∂L/∂x of a convolution, used forward: it
takes a small map to a larger one (stride 2: 7×7 → 14×14), which is how a DCGAN's G grows an
image. W (C_in, C_out, k, k) is nn.ConvTranspose2d's layout;
H_out = (H − 1)·stride − 2·padding + k + output_padding.
"""
import torch
import torch.nn.functional as F

from ganlab.layer import Layer
from ganlab.linear import accumulate_grad


def conv2d(x, W, b, stride=1, padding=0):
    r"""$y = W \star x + b$ as unfold + one matmul. x (B, C_in, H, W), W (C_out, C_in, k, k),
    b (C_out,) -> y (B, C_out, H_out, W_out). Mirrors ``F.conv2d``."""
    B, _, H, W_in = x.shape
    C_out, _, k, _ = W.shape
    H_out, W_out = (H + 2 * padding - k) // stride + 1, (W_in + 2 * padding - k) // stride + 1
    cols = F.unfold(x, k, padding=padding, stride=stride)           # (B, C_in·k·k, L)
    y = W.reshape(C_out, -1) @ cols + b[:, None]                     # (B, C_out, L)
    return y.reshape(B, C_out, H_out, W_out)


def conv2d_backward(x, W, grad_y, stride=1, padding=0, input_grad=True, param_grads=True):
    r"""(∂L/∂x, ∂L/∂W, ∂L/∂b) of ``conv2d`` given ∂L/∂y (B, C_out, H_out, W_out); a gradient
    not asked for is None."""
    C_out, _, k, _ = W.shape
    g = grad_y.flatten(2)                                            # (B, C_out, L)
    grad_x = grad_W = grad_b = None
    if input_grad:
        grad_x = F.fold(W.reshape(C_out, -1).T @ g, x.shape[2:], k, padding=padding, stride=stride)
    if param_grads:
        cols = F.unfold(x, k, padding=padding, stride=stride)       # (B, C_in·k·k, L)
        grad_W = (g @ cols.transpose(1, 2)).sum(0).reshape(W.shape)  # Σ_b g_b cols_bᵀ
        grad_b = g.sum((0, 2))
    return grad_x, grad_W, grad_b


def conv_transpose2d(x, W, b=None, stride=1, padding=0, output_padding=0):
    r"""The adjoint of ``conv2d``: $y = \mathrm{fold}(W_{\text{flat}}^\top x) + b$.
    x (B, C_in, H, W), W (C_in, C_out, k, k), b (C_out,) or None -> y (B, C_out, H_out, W_out).
    Mirrors ``F.conv_transpose2d``."""
    B, C_in, H, W_in = x.shape
    _, C_out, k, _ = W.shape
    size = tuple((n - 1) * stride - 2 * padding + k + output_padding for n in (H, W_in))
    cols = W.reshape(C_in, -1).T @ x.flatten(2)                      # (B, C_out·k·k, H·W)
    y = F.fold(cols, size, k, padding=padding, stride=stride)        # (B, C_out, H_out, W_out)
    return y if b is None else y + b[:, None, None]


def conv_transpose2d_backward(x, W, grad_y, stride=1, padding=0, input_grad=True, param_grads=True):
    r"""(∂L/∂x, ∂L/∂W, ∂L/∂b) of ``conv_transpose2d``: its input's gradient is a convolution
    of ∂L/∂y by the same W (the adjoint's adjoint)."""
    C_in, _, k, _ = W.shape
    cols = F.unfold(grad_y, k, padding=padding, stride=stride)     # (B, C_out·k·k, H·W)
    grad_x = grad_W = grad_b = None
    if input_grad:
        grad_x = (W.reshape(C_in, -1) @ cols).reshape(x.shape)
    if param_grads:
        grad_W = (x.flatten(2) @ cols.transpose(1, 2)).sum(0).reshape(W.shape)
        grad_b = grad_y.sum((0, 2, 3))
    return grad_x, grad_W, grad_b


def init_normal(shape, std=0.02, mean=0.0, device=None, dtype=torch.float32, generator=None):
    """N(mean, std²): the DCGAN initialization (std 0.02), for weights and batch-norm scales."""
    return torch.empty(shape, device=device, dtype=dtype).normal_(mean, std, generator=generator)


class Conv2d(Layer):
    """A convolution holding ``W`` (C_out, C_in, k, k) and ``b`` (C_out,), nn.Conv2d's layout."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 device=None, dtype=torch.float32, generator=None):
        self.W = init_normal((out_channels, in_channels, kernel_size, kernel_size), 0.02, 0.0, device, dtype, generator)
        self.b = torch.zeros(out_channels, device=device, dtype=dtype)
        self.W.requires_grad_(True)
        self.b.requires_grad_(True)
        self.stride, self.padding = stride, padding

    def forward(self, x):
        self.x = x.detach()
        return conv2d(x, self.W, self.b, self.stride, self.padding)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        grad_x, grad_W, grad_b = conv2d_backward(self.x, self.W.detach(), grad_y, self.stride, self.padding,
                                                 input_grad, param_grads)
        if param_grads:
            accumulate_grad(self.W, grad_W)
            accumulate_grad(self.b, grad_b)
        return grad_x

    def parameters(self):
        return [self.W, self.b]

    def named_parameters(self):
        return {"weight": self.W, "bias": self.b}


class ConvTranspose2d(Layer):
    """A transposed convolution holding ``W`` (C_in, C_out, k, k), nn.ConvTranspose2d's layout,
    and ``b`` (C_out,) unless ``bias=False``: before a batch norm, which subtracts each channel's
    mean, a bias would change nothing and learn from rounding noise alone."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 bias=True, device=None, dtype=torch.float32, generator=None):
        self.W = init_normal((in_channels, out_channels, kernel_size, kernel_size), 0.02, 0.0, device, dtype, generator)
        self.b = torch.zeros(out_channels, device=device, dtype=dtype) if bias else None
        for p in self.parameters():
            p.requires_grad_(True)
        self.stride, self.padding, self.output_padding = stride, padding, output_padding

    def forward(self, x):
        self.x = x.detach()
        return conv_transpose2d(x, self.W, self.b, self.stride, self.padding, self.output_padding)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        grad_x, grad_W, grad_b = conv_transpose2d_backward(self.x, self.W.detach(), grad_y, self.stride,
                                                           self.padding, input_grad, param_grads)
        if param_grads:
            accumulate_grad(self.W, grad_W)
            if self.b is not None:
                accumulate_grad(self.b, grad_b)
        return grad_x

    def parameters(self):
        return [self.W] + ([self.b] if self.b is not None else [])

    def named_parameters(self):
        return {"weight": self.W} | ({"bias": self.b} if self.b is not None else {})

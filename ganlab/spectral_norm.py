r"""Spectral normalization: a layer whose weight is divided by its largest singular value.

D's output can change at most by $\sigma(W)$ times as much as its input, layer by layer,
where $\sigma(W)$ is W's largest singular value (its *spectral norm*). Dividing each
weight by it (Miyato et al. 2018) makes every layer 1-Lipschitz, so D cannot grow the
steep, overconfident answers with which it beats G outright:

$$W_{\mathrm{SN}} = \frac{W}{\sigma(W)}, \qquad \sigma(W) \approx u^\top W v$$

$\sigma(W)$ comes from **power iteration**: repeating $u \leftarrow Wv / \lVert Wv\rVert$,
$v \leftarrow W^\top u / \lVert W^\top u\rVert$ turns $u$ and $v$ into W's top singular
vectors. W changes little per step, so one iteration per forward pass keeps up; $u$ and
$v$ are state, not parameters, and no gradient flows through them.

Backward, with $G = \partial L / \partial W_{\mathrm{SN}}$ and $u, v$ held fixed:

$$\frac{\partial L}{\partial W} = \frac{1}{\sigma}\Big(G - \langle G, W_{\mathrm{SN}}\rangle\, u v^\top\Big)$$

A convolution's filters W (C_out, C_in, k, k) are normalized as the matrix
(C_out, C_in·k·k) they flatten to, the form ``ganlab.conv`` multiplies by: $\sigma$ of that
matrix bounds how much the convolution stretches each patch. Patches overlap, so the whole
image can stretch more: a pixel lies in up to $(k/s)^2$ patches (4 for k = 4, stride s = 2),
and $\lVert \mathrm{conv}(x)\rVert \le \frac{k}{s}\,\sigma\,\lVert x\rVert$. The
layer is then at most 2-Lipschitz, not 1: the approximation torch and the paper make.

Mirrors ``torch.nn.utils.parametrizations.spectral_norm`` on ``nn.Linear`` and ``nn.Conv2d``
(one power iteration per training forward, $\epsilon = 10^{-12}$ in the normalization).
"""
import torch

from ganlab.conv import Conv2d, conv2d, conv2d_backward
from ganlab.linear import Linear, accumulate_grad, linear, linear_backward

EPS = 1e-12           # torch's: a vector is divided by max(‖v‖, ε)
INIT_ITERATIONS = 15  # power iterations at creation, as torch does, so σ is right from the start


def normalize(v):
    r"""$v / \max(\lVert v\rVert, \epsilon)$. Mirrors ``torch.nn.functional.normalize(v, dim=0)``."""
    return v / v.norm().clamp(min=EPS)


@torch.no_grad()
def power_iteration(W, u, v, iterations=1):
    r"""``iterations`` rounds of $u \leftarrow \frac{Wv}{\lVert Wv\rVert}$, $v \leftarrow \frac{W^\top u}{\lVert W^\top u\rVert}$.

    Returns new tensors: the old $u$, $v$ may still be needed by the backward pass of an
    earlier forward call (D judging two batches in one graph), so they are not overwritten.
    """
    for _ in range(iterations):
        u = normalize(W @ v)                # (out,)
        v = normalize(W.T @ u)              # (in,)
    return u, v


def as_matrix(W):
    """W as the matrix it is normalized as: (out, in) stays, (C_out, C_in, k, k) -> (C_out, C_in·k·k)."""
    return W.reshape(len(W), -1)


def start_power_iteration(W, generator=None):
    """Random unit vectors u (out,) and v (in,), then 15 power iterations on W: torch's start."""
    W = as_matrix(W.detach())
    u = normalize(torch.randn(W.shape[0], generator=generator, device=W.device, dtype=W.dtype))
    v = normalize(torch.randn(W.shape[1], generator=generator, device=W.device, dtype=W.dtype))
    return power_iteration(W, u, v, INIT_ITERATIONS)


def grad_through_normalization(grad_W_sn, W_sn, u, v, sigma):
    r"""$\partial L/\partial W = (G - \langle G, W_{\mathrm{SN}}\rangle\, u v^\top) / \sigma$, in W's shape."""
    return (grad_W_sn - (grad_W_sn * W_sn).sum() * torch.outer(u, v).reshape(W_sn.shape)) / sigma


class SpectralNormLinear(Linear):
    """A Linear layer that computes $y = x W_{\\mathrm{SN}}^\\top + b$ with $W_{\\mathrm{SN}} = W / \\sigma(W)$.

    ``W`` stays the learned parameter; ``u`` (out,) and ``v`` (in,) are the power
    iteration's vectors, saved with the model. ``training``: False stops the iteration
    (as ``.eval()`` does to torch's).
    """

    def __init__(self, in_features, out_features, device=None, dtype=torch.float32, generator=None):
        super().__init__(in_features, out_features, device, dtype, generator)
        self.u, self.v = start_power_iteration(self.W, generator)

    def forward(self, x):
        if self.training:
            self.u, self.v = power_iteration(self.W.detach(), self.u, self.v)
        sigma = self.u @ (self.W @ self.v)                # σ(W) ≈ uᵀ W v, a 0-dim tensor
        W_sn = self.W / sigma                             # (out, in)
        self.x, self.sigma, self.W_sn = x.detach(), sigma.detach(), W_sn.detach()   # for backward
        return linear(x, W_sn, self.b)                    # (B, out)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        grad_x, grad_W_sn, grad_b = linear_backward(self.x, self.W_sn, grad_y, input_grad, param_grads)
        if param_grads:
            accumulate_grad(self.W, grad_through_normalization(grad_W_sn, self.W_sn, self.u, self.v, self.sigma))
            accumulate_grad(self.b, grad_b)
        return grad_x

    def buffers(self):
        return {"u": self.u, "v": self.v}


class SpectralNormConv2d(Conv2d):
    """A convolution by $W_{\\mathrm{SN}} = W / \\sigma(W)$, $\\sigma$ that of W as a (C_out, C_in·k·k) matrix.

    ``u`` (C_out,) and ``v`` (C_in·k·k,) are the power iteration's vectors, as for
    ``SpectralNormLinear``. ``convolve`` computes the convolution by the normalized filters
    (``ganlab.speed.conv_kernels`` has one that calls torch's kernel).
    """
    convolve = staticmethod(conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 device=None, dtype=torch.float32, generator=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, device, dtype, generator)
        self.u, self.v = start_power_iteration(self.W, generator)

    def forward(self, x):
        W = as_matrix(self.W)                             # (C_out, C_in·k·k)
        if self.training:
            self.u, self.v = power_iteration(W.detach(), self.u, self.v)
        sigma = self.u @ (W @ self.v)                     # σ(W) ≈ uᵀ W v
        W_sn = self.W / sigma                             # (C_out, C_in, k, k)
        self.x, self.sigma, self.W_sn = x.detach(), sigma.detach(), W_sn.detach()   # for backward
        return self.convolve(x, W_sn, self.b, self.stride, self.padding)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        grad_x, grad_W_sn, grad_b = conv2d_backward(self.x, self.W_sn, grad_y, self.stride, self.padding,
                                                    input_grad, param_grads)
        if param_grads:
            accumulate_grad(self.W, grad_through_normalization(grad_W_sn, self.W_sn, self.u, self.v, self.sigma))
            accumulate_grad(self.b, grad_b)
        return grad_x

    def buffers(self):
        return {"u": self.u, "v": self.v}

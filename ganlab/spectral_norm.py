r"""Spectral normalization: a Linear layer whose weight is divided by its largest singular value.

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

Mirrors ``torch.nn.utils.parametrizations.spectral_norm`` on ``nn.Linear`` (one power
iteration per training forward, $\epsilon = 10^{-12}$ in the normalization).
"""
import torch

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


class SpectralNormLinear(Linear):
    """A Linear layer that computes $y = x W_{\\mathrm{SN}}^\\top + b$ with $W_{\\mathrm{SN}} = W / \\sigma(W)$.

    ``W`` stays the learned parameter; ``u`` (out,) and ``v`` (in,) are the power
    iteration's vectors, saved with the model. ``training``: False stops the iteration
    (as ``.eval()`` does to torch's).
    """

    def __init__(self, in_features, out_features, device=None, dtype=torch.float32, generator=None):
        super().__init__(in_features, out_features, device, dtype, generator)
        self.u = normalize(torch.randn(out_features, generator=generator, device=device, dtype=dtype))
        self.v = normalize(torch.randn(in_features, generator=generator, device=device, dtype=dtype))
        self.u, self.v = power_iteration(self.W.detach(), self.u, self.v, INIT_ITERATIONS)

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
            # ∂L/∂W = (G - <G, W_SN> u vᵀ) / σ, with u and v held fixed
            grad_W = (grad_W_sn - (grad_W_sn * self.W_sn).sum() * torch.outer(self.u, self.v)) / self.sigma
            accumulate_grad(self.W, grad_W)
            accumulate_grad(self.b, grad_b)
        return grad_x

    def buffers(self):
        return {"u": self.u, "v": self.v}

r"""Batch normalization: each channel standardized over the batch, then scaled and shifted.

For each channel c, over the batch (and, for images, every pixel position):

$$\mu = \tfrac1N \sum x, \quad \sigma^2 = \tfrac1N \sum (x - \mu)^2, \quad
  \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad y = \gamma \hat x + \beta$$

with N = B (``(B, C)`` inputs, nn.BatchNorm1d) or B·H·W (``(B, C, H, W)``, nn.BatchNorm2d).
While training it also keeps running averages for evaluation, as torch does:
$\mu_{run} \leftarrow (1 - m)\mu_{run} + m\mu$ and the same for the variance, there
taken unbiased, $\sigma^2 \cdot N / (N - 1)$; in evaluation mode those replace μ and σ².

Backward (training mode), with $g = \partial L / \partial y$ and sums over the same N:

$$\frac{\partial L}{\partial \gamma} = \sum g \hat x, \quad \frac{\partial L}{\partial \beta} = \sum g,
  \quad \frac{\partial L}{\partial x} = \frac{\gamma}{N\sqrt{\sigma^2 + \epsilon}}
  \Big(N g - \sum g - \hat x \sum g \hat x\Big)$$

the last because μ and σ² depend on every x of the batch: moving one image moves them all.
"""
import torch

from ganlab.conv import init_normal
from ganlab.layer import Layer
from ganlab.linear import accumulate_grad


class BatchNorm(Layer):
    """Batch normalization over ``num_features`` channels, of (B, C) or (B, C, H, W) inputs.

    ``weight`` γ starts at N(1, 0.02²) (the DCGAN initialization), ``bias`` β at 0. Mirrors
    ``nn.BatchNorm1d`` / ``nn.BatchNorm2d`` (eps 1e-5, momentum 0.1), buffers included.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, device=None, dtype=torch.float32, generator=None):
        self.gamma = init_normal((num_features,), 0.02, 1.0, device, dtype, generator).requires_grad_(True)
        self.beta = torch.zeros(num_features, device=device, dtype=dtype).requires_grad_(True)
        self.running_mean = torch.zeros(num_features, device=device, dtype=dtype)
        self.running_var = torch.ones(num_features, device=device, dtype=dtype)
        self.num_batches_tracked = torch.zeros((), dtype=torch.long, device=device)
        self.eps, self.momentum = eps, momentum

    def forward(self, x):
        dims = [0] + list(range(2, x.dim()))                          # all but the channel
        shape = [1, -1] + [1] * (x.dim() - 2)                         # (1, C) or (1, C, 1, 1)
        if self.training:
            mean, var = x.mean(dims), x.var(dims, unbiased=False)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(var.detach() * n / (n - 1), self.momentum)
                self.num_batches_tracked += 1
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = (var + self.eps).rsqrt()
        x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        self.x_hat, self.inv_std, self.dims, self.shape = x_hat.detach(), inv_std.detach(), dims, shape
        return self.gamma.reshape(shape) * x_hat + self.beta.reshape(shape)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        x_hat, dims, shape = self.x_hat, self.dims, self.shape
        sum_g, sum_g_xhat = grad_y.sum(dims), (grad_y * x_hat).sum(dims)
        if param_grads:
            accumulate_grad(self.gamma, sum_g_xhat)
            accumulate_grad(self.beta, sum_g)
        if not input_grad:
            return None
        gamma, inv_std = self.gamma.detach().reshape(shape), self.inv_std.reshape(shape)
        if not self.training:                                         # μ, σ² are constants
            return gamma * inv_std * grad_y
        n = grad_y.numel() // grad_y.shape[1]
        return gamma * inv_std / n * (n * grad_y - sum_g.reshape(shape) - x_hat * sum_g_xhat.reshape(shape))

    def parameters(self):
        return [self.gamma, self.beta]

    def named_parameters(self):
        return {"weight": self.gamma, "bias": self.beta}

    def buffers(self):
        return {"running_mean": self.running_mean, "running_var": self.running_var,
                "num_batches_tracked": self.num_batches_tracked}

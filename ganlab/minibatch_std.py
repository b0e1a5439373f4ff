r"""Minibatch standard deviation: one extra feature that lets D see a batch's variety.

For hidden features $h$ of shape (B, F), the spread of each feature over the batch is
$s_j = \sqrt{\operatorname{Var}_b(h_{bj}) + \epsilon}$, and their average
$\bar s = \frac1F \sum_j s_j$ is appended to every row: (B, F) -> (B, F + 1).

A collapsed generator makes near-identical fakes, so $\bar s$ is small on a fake batch
and D can reject the whole batch for that. G is then pushed to spread out. (From
Karras et al., "Progressive Growing of GANs", 2018, where it fights mode collapse.)
"""
import torch

from ganlab.layer import Layer

EPS = 1e-8


def minibatch_std(h):
    r"""$[h, \bar s]$: h (B, F) -> (B, F + 1)."""
    s = torch.sqrt(h.var(dim=0, unbiased=False) + EPS).mean()        # scalar
    return torch.cat([h, s.expand(h.shape[0], 1)], dim=1)


def minibatch_std_backward(h, grad_y):
    r"""$\frac{\partial \bar s}{\partial h_{bj}} = \frac{h_{bj} - \mu_j}{B F s_j}$; the first F
    columns of ``grad_y`` pass straight through."""
    B, F = h.shape
    centred = h - h.mean(dim=0)                                       # (B, F)
    s = torch.sqrt((centred * centred).mean(dim=0) + EPS)             # (F,)
    grad_s = grad_y[:, F].sum()
    return grad_y[:, :F] + grad_s * centred / (B * F * s)


class MinibatchStd(Layer):
    def forward(self, h):
        self.h = h.detach()
        return minibatch_std(h)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return minibatch_std_backward(self.h, grad_y)

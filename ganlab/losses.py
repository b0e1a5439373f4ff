r"""Binary cross-entropy, the naive way and the numerically stable way.

For a predicted probability $p$ that a sample is real and a target $y$ (1 real, 0 fake):

$$\mathrm{BCE}(p, y) = -\big[\,y \log p + (1 - y) \log(1 - p)\,\big]$$

averaged over the batch. On probabilities, $\log p$ hits $-\infty$ once $p$ rounds
to 0, so torch clamps each log at $-100$ and we do the same. On logits $\ell$ (with
$p = \sigma(\ell)$) the loss can be rewritten so it never overflows:

$$\mathrm{BCE}(\sigma(\ell), y) = (1 - y)\,\ell - \log \sigma(\ell)$$

(using $\log(1 - \sigma(\ell)) = \log\sigma(\ell) - \ell$), where $\log\sigma$ is computed
stably by ``ganlab.activations.log_sigmoid``.
"""
import torch

from ganlab.activations import log_sigmoid, sigmoid

LOG_CLAMP = -100.0    # torch.nn.BCELoss clamps log(p) and log(1 - p) to at least -100
# and guards its gradient's denominator p(1 - p) with 1e-12, a C++ float: in float64 too it is
# float32's nearest value to 1e-12, 9.9999999600e-13, so that is the number to use here
GRAD_EPS = 9.999999960041972e-13


def bce(p, y):
    r"""Mean $-[y \log p + (1-y)\log(1-p)]$ with each log clamped at $-100$.

    $\log(1 - p)$ is computed as ``log1p(-p)``, as torch does: for tiny $p$, $1 - p$ rounds
    to 1 in float32 (at $p = 10^{-10}$ the loss would be 0 instead of $10^{-10}$).

    ``p`` are probabilities (D's sigmoid outputs), ``y`` targets of the same shape or a
    scalar. Mirrors ``torch.nn.BCELoss()`` (mean reduction), gradient included: once
    $p$ rounds to exactly 0 or 1, differentiating the clamped log would give
    $0 \cdot \infty$ = NaN, so, like torch, the loss carries its own backward rule,
    ``bce_backward`` (see ``BCEFunction``).
    """
    return BCEFunction.apply(p, torch.as_tensor(y, dtype=p.dtype, device=p.device))


def bce_forward(p, y):
    log_p = torch.clamp(torch.log(p), min=LOG_CLAMP)
    log_1mp = torch.clamp(torch.log1p(-p), min=LOG_CLAMP)          # log(1 - p), exact for tiny p
    return -(y * log_p + (1 - y) * log_1mp).mean()


def bce_backward(p, y):
    r"""$\frac{\partial\,\mathrm{BCE}}{\partial p} = \frac{p - y}{p(1 - p)} \cdot \frac{1}{N}$.

    The denominator is floored at $10^{-12}$, exactly as ``nn.BCELoss`` does, so the
    gradient stays finite when $p$ is exactly 0 or 1.
    """
    return (p - y) / torch.clamp(p * (1 - p), min=GRAD_EPS) / p.numel()


class BCEFunction(torch.autograd.Function):
    """BCE on probabilities as one autograd node: ``bce_forward`` with ``bce_backward``."""

    @staticmethod
    def forward(ctx, p, y):
        ctx.save_for_backward(p, y)
        return bce_forward(p, y)

    @staticmethod
    def backward(ctx, grad_loss):
        p, y = ctx.saved_tensors
        return grad_loss * bce_backward(p, y), None


def bce_with_logits(logits, y):
    r"""Mean $(1 - y)\,\ell - \log\sigma(\ell)$, the stable BCE on logits $\ell$.

    Equal to ``bce(sigmoid(logits), y)`` in exact arithmetic, but finite and accurate
    for any $\ell$. Mirrors ``torch.nn.BCEWithLogitsLoss()`` (mean reduction).
    """
    return ((1 - y) * logits - log_sigmoid(logits)).mean()


def bce_with_logits_backward(logits, y):
    r"""$\frac{\partial\,\mathrm{BCE}}{\partial \ell} = \frac{\sigma(\ell) - y}{N}$: the sigmoid's
    derivative cancels the log's, leaving "prediction minus target"."""
    return (sigmoid(logits) - y) / logits.numel()

"""Exercise 3: ``bce`` against ``F.binary_cross_entropy``, ``bce_with_logits`` against
``F.binary_cross_entropy_with_logits``, and ``bce_with_logits_grad`` against autograd."""
import torch
import torch.nn.functional as F

from ganlab.lab.exercises.checks import DT, rand, randn
from ganlab.lab.exercises.grader import Case, Task


def labels(n, seed):
    return (rand(n, 1, seed=seed) > 0.5).to(DT)


def col(*values):
    return torch.tensor(values, dtype=DT).reshape(-1, 1)


P_CASES = [
    Case("p in (0, 1), labels 0 and 1", dict(p=rand(8, 1, seed=1).clamp(0.01, 0.99), y=labels(8, 2))),
    Case("soft targets y = 0.9", dict(p=rand(6, 1, seed=3).clamp(0.01, 0.99), y=torch.full((6, 1), 0.9, dtype=DT))),
    # at p = 0 or 1 one log is -inf: torch clamps it, and its gradient is its own rule; value only
    Case("p exactly 0 and 1", dict(p=col(0.0, 1.0, 0.0, 1.0), y=col(0.0, 1.0, 1.0, 0.0)), grad=False),
]
LOGIT_CASES = [
    Case("logits ~ N(0, 3²), labels 0 and 1", dict(logits=randn(8, 1, seed=1, scale=3.0), y=labels(8, 2))),
    Case("soft targets y = 0.9", dict(logits=randn(6, 1, seed=3), y=torch.full((6, 1), 0.9, dtype=DT))),
    Case("logits ±50 and ±1000", dict(logits=col(-1000.0, -50.0, 50.0, 1000.0, -1000.0, 1000.0),
                                      y=col(1.0, 1.0, 0.0, 0.0, 0.0, 1.0))),
]


def bce_sum(p, y):
    return -(y * torch.log(p).clamp(min=-100) + (1 - y) * torch.log(1 - p).clamp(min=-100)).sum()


def bce_plus(p, y):
    return (y * torch.log(p).clamp(min=-100) + (1 - y) * torch.log(1 - p).clamp(min=-100)).mean()


def bce_swapped(p, y):
    return -(y * torch.log(1 - p).clamp(min=-100) + (1 - y) * torch.log(p).clamp(min=-100)).mean()


def bce_log_p_minus_1(p, y):
    """log(p - 1) for log(1 - p): NaN for every p in (0, 1). Only there: at p = 0 or 1 an
    unclamped log gives NaN too, and that mistake has a hint of its own."""
    if ((p == 0) | (p == 1)).any():
        raise ValueError("not this case")
    return -(y * torch.log(p).clamp(min=-100) + (1 - y) * torch.log(p - 1).clamp(min=-100)).mean()


def stable_terms(logits, y):
    return logits.clamp(min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))


def autograd_logit_grad(logits, y):
    logits = logits.requires_grad_(True)
    return torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, y), logits)[0]


TASKS = [
    Task("bce", P_CASES, lambda p, y: F.binary_cross_entropy(p, y), differentiable=True,
         forbidden=("torch.nn.functional.binary_cross_entropy",),
         unstable="log(0) = -inf at p = 0 or 1: clamp each log at -100, as torch's BCELoss does",
         mistakes=[
             ("BCELoss averages over the elements: .mean(), not .sum()", bce_sum),
             ("wrong sign: log p ≤ 0, so the loss is minus the mean", bce_plus),
             ("the target weights log p: y log p + (1 - y) log(1 - p)", bce_swapped),
             ("log(p - 1) is the log of a negative number, NaN: the second term is log(1 - p)", bce_log_p_minus_1),
         ]),
    Task("bce_with_logits", LOGIT_CASES, lambda logits, y: F.binary_cross_entropy_with_logits(logits, y), differentiable=True,
         forbidden=("torch.nn.functional.binary_cross_entropy_with_logits",),
         unstable=("σ(ℓ) rounds to exactly 0 or 1 once |ℓ| is large, and its log is -inf: "
                   "write max(ℓ, 0) - ℓ y + log(1 + e^{-|ℓ|}), which never takes the log of 0"),
         mistakes=[
             ("the loss is a mean over the elements: .mean(), not .sum()", lambda logits, y: stable_terms(logits, y).sum()),
             ("wrong sign: BCE is never negative", lambda logits, y: -stable_terms(logits, y).mean()),
             ("the max(ℓ, 0) term is missing: BCE = mean of max(ℓ, 0) - ℓ y + log(1 + e^{-|ℓ|})",
              lambda logits, y: (-logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()),
             ("log σ(ℓ), clamped, is still wrong for large |ℓ|: write max(ℓ, 0) - ℓ y + log(1 + e^{-|ℓ|})",
              lambda logits, y: F.binary_cross_entropy(torch.sigmoid(logits), y)),
         ]),
    Task("bce_with_logits_grad", LOGIT_CASES, autograd_logit_grad, by_hand=True,
         mistakes=[
             ("the loss is a mean, so its gradient carries 1/N: divide by logits.numel()",
              lambda logits, y: torch.sigmoid(logits) - y),
             ("wrong sign: the gradient is prediction minus target, σ(ℓ) - y", lambda logits, y: (y - torch.sigmoid(logits)) / logits.numel()),
             ("that is dBCE/dp, the gradient with respect to the probability; times dσ/dℓ = σ(1 - σ) it becomes (σ(ℓ) - y) / N",
              lambda logits, y: (torch.sigmoid(logits) - y) / (torch.sigmoid(logits) * (1 - torch.sigmoid(logits))) / logits.numel()),
         ]),
]

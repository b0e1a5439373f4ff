"""Exercise 2: ``sigmoid`` against ``torch.sigmoid``, value and gradient, at ordinary and huge x."""
import torch

from ganlab.lab.exercises.checks import DT, randn
from ganlab.lab.exercises.grader import Case, Task

HUGE = torch.tensor([-1000.0, -100.0, -30.0, 30.0, 100.0, 1000.0], dtype=DT)

CASES = [
    Case("x ~ N(0, 3²), 50 values", dict(x=randn(50, seed=1, scale=3.0))),
    Case("x = ±30, ±100, ±1000", dict(x=HUGE)),
    Case("x = 0", dict(x=torch.zeros(3, dtype=DT)), grad=False),   # autograd's slope of |x| at 0 is 0: value only
    Case("x of shape (4, 1)", dict(x=randn(4, 1, seed=2))),
]


def only_e_over(x):
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), 1 / (1 + e))


TASKS = [
    Task("sigmoid", CASES, lambda x: torch.sigmoid(x), differentiable=True,
         forbidden=("torch.sigmoid", "torch.Tensor.sigmoid", "torch.special.expit", "torch.nn.functional.sigmoid"),
         unstable=("e^{-x} overflows for very negative x (e^{1000} = inf): even where the value survives "
                   "(1 / inf = 0) its gradient is inf / inf = NaN; compute only e^{-|x|}, which is at most 1"),
         mistakes=[
             ("that is σ(-x): the exponent is e^{-x}", lambda x: 1 / (1 + torch.exp(x))),
             ("e^{x} / (1 + e^{x}) overflows for large x (inf / inf = NaN): use it only for x < 0, "
              "and 1 / (1 + e^{-x}) for x ≥ 0", lambda x: torch.exp(x) / (1 + torch.exp(x))),
             ("for x < 0, σ(x) = e / (1 + e) with e = e^{-|x|} = e^{x}, not 1 / (1 + e)", only_e_over),
         ]),
]

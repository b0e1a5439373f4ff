"""Exercise 5: ``adam_step`` against ``torch.optim.Adam``, at t = 1, t = 2 and t = 1000."""
import torch

from ganlab.lab.exercises.checks import randn
from ganlab.lab.exercises.grader import Case, Task


def case(label, t, seed, **hyper):
    first = t == 1                          # Adam's moments start at 0
    m = torch.zeros(3, 4, dtype=torch.float64) if first else randn(3, 4, seed=seed + 2, scale=0.1)
    v = torch.zeros(3, 4, dtype=torch.float64) if first else randn(3, 4, seed=seed + 3, scale=0.1) ** 2
    return Case(label, dict(param=randn(3, 4, seed=seed), grad=randn(3, 4, seed=seed + 1), m=m, v=v, t=t, **hyper))


CASES = [
    case("the first step, t = 1", 1, seed=1),
    case("t = 2", 2, seed=5),
    case("t = 1000, lr 2e-4, beta1 0.5 (a GAN's settings)", 1000, seed=9, lr=2e-4, beta1=0.5),
]


def torch_adam(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """torch.optim.Adam's step t, from its state after step t - 1."""
    p = param.clone().requires_grad_(True)
    p.grad = grad.clone()
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
    opt.step()
    return p.detach(), opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"]


def by_hand(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, mistake=None):
    """Adam's step with one ``mistake``: each is a way the update is commonly miswritten."""
    m = (1 - beta1) * m + beta1 * grad if mistake == "betas swapped" else beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * (grad.abs() if mistake == "|g|" else grad ** 2)
    n = t - 1 if mistake == "t from 0" else t
    m_hat = m if mistake in ("no correction", "no m correction") else m / (1 - beta1 ** n)
    v_hat = v if mistake in ("no correction", "no v correction") else v / (1 - beta2 ** n)
    step = m_hat / ((v_hat + eps).sqrt() if mistake == "eps inside" else v_hat.sqrt() + eps)
    return param + lr * step if mistake == "plus" else param - lr * step, m, v


def mistake(name):
    return lambda **inputs: by_hand(**inputs, mistake=name)


TASKS = [
    Task("adam_step", CASES, torch_adam, outputs=("param", "m", "v"), forbidden=("torch.optim.Adam",),
         mistakes=[
             *[("the bias correction is missing: m and v start at 0, so divide them by 1 - β^t", mistake(name))
               for name in ("no correction", "no m correction", "no v correction")],
             ("t is the number of this step, 1 for the first: with t - 1, 1 - β^t is 0 at the first step",
              mistake("t from 0")),
             ("ε goes outside the square root: √v̂ + ε", mistake("eps inside")),
             ("v is the running mean of the squared gradient, g², not |g|", mistake("|g|")),
             ("β1 weights the old mean: m = β1 m + (1 - β1) g", mistake("betas swapped")),
             ("the parameter moves against the gradient: param - lr m̂ / (√v̂ + ε)", mistake("plus")),
         ]),
]

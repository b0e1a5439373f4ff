"""Exercise 1: ``linear`` against ``F.linear``; ``linear_backward`` against autograd."""
import torch
import torch.nn.functional as F

from ganlab.lab.exercises.checks import randn
from ganlab.lab.exercises.grader import Case, Task


def linear_cases():
    # the square case comes first: there x @ W (untransposed) runs, and gets its hint
    return [Case(f"batch {B}, {n_in} -> {n_out}" + (" (square W)" if n_in == n_out else ""),
                 dict(x=randn(B, n_in, seed=1), W=randn(n_out, n_in, seed=2), b=randn(n_out, seed=3)))
            for B, n_in, n_out in [(4, 3, 3), (5, 7, 3), (2, 784, 16)]]


def backward_cases():
    return [Case(c.label, dict(x=c.inputs["x"], W=c.inputs["W"], grad_y=randn(len(c.inputs["x"]), len(c.inputs["W"]), seed=4)))
            for c in linear_cases()]


def autograd_backward(x, W, grad_y):
    """Autograd's dL/dx, dL/dW, dL/db for L with dL/dy = grad_y, through F.linear."""
    x, W = x.requires_grad_(True), W.requires_grad_(True)
    b = torch.zeros(len(W), dtype=W.dtype, requires_grad=True)
    return torch.autograd.grad(F.linear(x, W, b), (x, W, b), grad_y)


TASKS = [
    Task("linear", linear_cases(), lambda x, W, b: F.linear(x, W, b), differentiable=True,
         forbidden=("torch.nn.functional.linear",),
         mistakes=[
             ("W is stored (out, in): multiply by its transpose, x @ W.T", lambda x, W, b: x @ W + b),
             ("the bias is missing: y = x W^T + b", lambda x, W, b: x @ W.T),
             ("the bias is added, not subtracted: + b", lambda x, W, b: x @ W.T - b),
         ]),
    Task("linear_backward", backward_cases(), autograd_backward, outputs=("grad_x", "grad_W", "grad_b"), by_hand=True,
         mistakes=[
             ("grad_x = g W: since y = x W^T, the way back multiplies by W itself, not W.T",
              lambda x, W, grad_y: (grad_y @ W.T, grad_y.T @ x, grad_y.sum(0))),
             ("grad_W = g^T x, shaped (out, in) like W; x^T g is its transpose",
              lambda x, W, grad_y: (grad_y @ W, x.T @ grad_y, grad_y.sum(0))),
             ("grad_b adds up the rows of g (every row used the same b): sum over the batch, not mean",
              lambda x, W, grad_y: (grad_y @ W, grad_y.T @ x, grad_y.mean(0))),
         ]),
]

r"""Exercise 2 — The stable sigmoid (lesson 3)

Write the body of the function below, then grade it: run this file, or
`ganlab check 2 <this file>`. It is checked against torch in float64, its value and its
gradient, on ordinary and on huge inputs (x = ±1000).
"""
import torch


def sigmoid(x):
    r"""σ(x) = 1 / (1 + e^{-x}), finite and exact for every x    (torch.sigmoid)

    The two halves of one formula:
        x ≥ 0:  σ(x) = 1 / (1 + e^{-x})
        x < 0:  σ(x) = e^{x} / (1 + e^{x})
    Both only ever compute e^{-|x|}, which lies in (0, 1]: nothing can overflow.

    x: any shape; returns σ(x) of the same shape.

    Hint: compute e = torch.exp(-x.abs()) once; torch.where(condition, a, b) picks a where
    the condition holds and b elsewhere.
    Not allowed: torch.sigmoid and its aliases (that is what you are writing).
    """
    e = torch.exp(-x.abs())                          # in (0, 1]
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(2, __file__))

r"""Exercise 1 — The Linear layer, forward and backward (lessons 2 and 4)

Write the bodies of the two functions below, then grade them: run this file, or
`ganlab check 1 <this file>`. Each function is checked against torch in float64, on
several shapes, with a hint for the mistake it sees.
"""
import torch


def linear(x, W, b):
    r"""y = x W^T + b                                  (torch.nn.functional.linear)

    x: (B, in)     a batch of inputs, one row per example
    W: (out, in)   the weights, one row per output unit, as nn.Linear stores them
    b: (out,)      the bias, added to every row
    returns y: (B, out)

    Hint: `@` multiplies matrices and `.T` transposes; broadcasting adds b to every row.
    Not allowed: torch.nn.functional.linear (that is what you are writing).
    """
    return x @ W.T + b


def linear_backward(x, W, grad_y):
    r"""The gradients of a loss L with respect to x, W and b, given g = dL/dy.

        dL/dx = g W          (B, out) @ (out, in) -> (B, in)
        dL/dW = g^T x        (out, B) @ (B, in)   -> (out, in)
        dL/db = sum of g over the batch           -> (out,)

    x: (B, in), W: (out, in), grad_y: (B, out)
    returns (grad_x, grad_W, grad_b), each with the shape of what it is the gradient of.

    Hint: every row of the batch used the same W and b, so their gradients add up over
    the rows.
    """
    grad_x = grad_y @ W
    grad_W = grad_y.T @ x
    grad_b = grad_y.sum(dim=0)
    return grad_x, grad_W, grad_b


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(1, __file__))

r"""Exercise 5 — One Adam step (lesson 9)

Write the body of the function below, then grade it: run this file, or
`ganlab check 5 <this file>`. It is checked against torch.optim.Adam in float64, at the
first step (t = 1), the second, and late in training.
"""
import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""One step of Adam for one parameter tensor; returns (param, m, v) after it.

        m = β1 m + (1 - β1) g                  a running mean of the gradient
        v = β2 v + (1 - β2) g²                 a running mean of its square
        m̂ = m / (1 - β1^t),  v̂ = v / (1 - β2^t)     corrected: m and v start at 0
        param = param - lr m̂ / (√v̂ + ε)

    param, grad, m, v: tensors of one shape; t: the number of this step, 1 for the first.
    returns the new (param, m, v), each of that shape.

    Hint: returning new tensors is enough; you need not change the ones passed in.
    Not allowed: torch.optim.
    """
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (v_hat.sqrt() + eps), m, v


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(5, __file__))

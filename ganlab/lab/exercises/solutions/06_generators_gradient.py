r"""Exercise 6 — G's gradient through a frozen D (lesson 16)

Write the bodies of the two functions below, by hand (no autograd), then grade them: run
this file, or `ganlab check 6 <this file>`. They are checked against autograd on torch's
own functions, in float64.

The networks are given as lists of (W, b), one per Linear layer, W shaped (out, in):

    D: x -> Linear -> LeakyReLU(slope) -> Linear -> LeakyReLU(slope) -> Linear -> logit ℓ
    G: z -> Linear -> ReLU -> Linear -> ReLU -> Linear -> tanh -> x

G's loss is the non-saturating one, L_G = mean over the batch of -log σ(D(G(z))).
"""
import torch


def grad_wrt_fakes(x, D, slope=0.2):
    r"""dL_G/dx: for each pixel of each fake, which way D says it should move.

    Forward through D, keeping each pre-activation a, then backward:
        dL/dℓ = (σ(ℓ) - 1) / B                      the loss's gradient at the logits
        through a Linear:       dL/d(input) = dL/d(output) W
        through a LeakyReLU:    dL/da = dL/dh where a > 0, slope * dL/dh elsewhere

    x: (B, in) G's images; D: [(W1, b1), (W2, b2), (W3, b3)]. returns (B, in).
    D is frozen: read its weights, never change them.

    Hint: torch.where(a > 0, g, slope * g) goes back through a LeakyReLU; torch.sigmoid is
    allowed.
    """
    (W1, b1), (W2, b2), (W3, b3) = D
    a1 = x @ W1.T + b1                                  # (B, h1)
    a2 = torch.where(a1 > 0, a1, slope * a1) @ W2.T + b2    # (B, h2)
    logits = torch.where(a2 > 0, a2, slope * a2) @ W3.T + b3    # (B, 1)
    grad = (torch.sigmoid(logits) - 1) / len(x)         # dL/dℓ
    grad = grad @ W3                                     # dL/dh2
    grad = torch.where(a2 > 0, grad, slope * grad) @ W2  # dL/dh1, through LeakyReLU and Linear
    grad = torch.where(a1 > 0, grad, slope * grad) @ W1  # dL/dx
    return grad


def generator_grads(z, G, D, slope=0.2):
    r"""dL_G/dW and dL_G/db for each of G's three layers, through the frozen D.

    Forward through G, keeping each layer's input and pre-activation; take dL/dx from
    grad_wrt_fakes; then backward through G:
        through tanh:   dL/da3 = dL/dx * (1 - x²)        x = tanh(a3)
        through ReLU:   dL/da = dL/dh * (1 where a > 0, else 0)
        at a Linear with input h:  dL/dW = (dL/da)^T h,  dL/db = sum of dL/da over the batch

    z: (B, latent); G: [(W1, b1), (W2, b2), (W3, b3)]; D as in grad_wrt_fakes.
    returns [(grad_W1, grad_b1), (grad_W2, grad_b2), (grad_W3, grad_b3)].

    Hint: z is noise: nobody needs dL/dz.
    """
    (W1, b1), (W2, b2), (W3, b3) = G
    a1 = z @ W1.T + b1                                  # (B, h)
    h1 = a1.clamp(min=0)
    a2 = h1 @ W2.T + b2                                 # (B, h)
    h2 = a2.clamp(min=0)
    x = torch.tanh(h2 @ W3.T + b3)                      # (B, image)
    grad_a3 = grad_wrt_fakes(x, D, slope) * (1 - x ** 2)
    grad_a2 = (grad_a3 @ W3) * (a2 > 0)
    grad_a1 = (grad_a2 @ W2) * (a1 > 0)
    return [(grad_a1.T @ z, grad_a1.sum(0)), (grad_a2.T @ h1, grad_a2.sum(0)), (grad_a3.T @ h2, grad_a3.sum(0))]


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(6, __file__))

"""Exercise 6: G's gradient through a frozen D, against autograd on torch's own functions.

The mistakes are the same backward pass written by hand with one thing wrong.
"""
import torch
import torch.nn.functional as F

from ganlab.lab.exercises.checks import randn
from ganlab.lab.exercises.grader import Case, Task, Wrong


def mlp(sizes, seed):
    """[(W, b)] for Linear layers of these sizes, W ~ N(0, 1/fan-in)."""
    return [(randn(n_out, n_in, seed=seed + i, scale=n_in ** -0.5), randn(n_out, seed=seed + 50 + i, scale=0.1))
            for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))]


def d_logits(x, D, slope):
    (W1, b1), (W2, b2), (W3, b3) = D
    h = F.leaky_relu(F.linear(x, W1, b1), slope)
    return F.linear(F.leaky_relu(F.linear(h, W2, b2), slope), W3, b3)


def g_images(z, G):
    (W1, b1), (W2, b2), (W3, b3) = G
    return torch.tanh(F.linear(torch.relu(F.linear(torch.relu(F.linear(z, W1, b1)), W2, b2)), W3, b3))


def g_loss(logits):
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def autograd_fakes(x, D, slope=0.2):
    x = x.requires_grad_(True)
    return torch.autograd.grad(g_loss(d_logits(x, D, slope)), x)[0]


def autograd_generator(z, G, D, slope=0.2):
    params = [t.requires_grad_(True) for layer in G for t in layer]
    grads = torch.autograd.grad(g_loss(d_logits(g_images(z, G), D, slope)), params)
    return [(grads[i], grads[i + 1]) for i in range(0, len(grads), 2)]


def by_hand_fakes(x, D, slope=0.2, leaks=None, target=1.0, per_batch=True, float32_mask=(False, False)):
    """dL/dx by hand. ``leaks``: the derivative used where a ≤ 0 at each LeakyReLU;
    ``target``: the label; ``float32_mask``: at each LeakyReLU (second, first), whether its derivative
    is made as torch.where(a > 0, 1.0, leak)."""
    leak1, leak2 = (slope if leak is None else leak for leak in (leaks or (None, None)))
    (W1, b1), (W2, b2), (W3, b3) = D
    a1 = x @ W1.T + b1
    a2 = F.leaky_relu(a1, slope) @ W2.T + b2
    grad = (torch.sigmoid(F.leaky_relu(a2, slope) @ W3.T + b3) - target) / (len(x) if per_batch else 1)
    grad = through_leaky_relu(a2, grad @ W3, leak2, float32_mask[0])
    return through_leaky_relu(a1, grad @ W2, leak1, float32_mask[1]) @ W1


def through_leaky_relu(a, grad, leak, float32_mask):
    if float32_mask:
        return grad * torch.where(a > 0, 1.0, leak)         # a float32 tensor: leak rounded
    return torch.where(a > 0, grad, leak * grad)


def by_hand_generator(z, G, D, slope=0.2, tanh_grad="1 - x²", relu_grad=True):
    (W1, b1), (W2, b2), (W3, b3) = G
    a1 = z @ W1.T + b1
    h1 = a1.clamp(min=0)
    a2 = h1 @ W2.T + b2
    h2 = a2.clamp(min=0)
    a3 = h2 @ W3.T + b3
    x = torch.tanh(a3)
    through_tanh = {"1 - x²": 1 - x ** 2, "none": 1.0, "1 - a²": 1 - a3 ** 2}[tanh_grad]
    grad_a3 = autograd_fakes(x.detach(), D, slope) * through_tanh
    grad_a2 = (grad_a3 @ W3) * ((a2 > 0) if relu_grad else 1.0)
    grad_a1 = (grad_a2 @ W2) * ((a1 > 0) if relu_grad else 1.0)
    return [(grad_a1.T @ z, grad_a1.sum(0)), (grad_a2.T @ h1, grad_a2.sum(0)), (grad_a3.T @ h2, grad_a3.sum(0))]


def frozen(fn, inputs):
    """Run ``fn``; a learner's function that changes D's weights is wrong, whatever it returns."""
    before = [t.clone() for layer in inputs["D"] for t in layer]
    out = fn(**inputs)
    if any(not torch.equal(a, b) for a, b in zip(before, [t for layer in inputs["D"] for t in layer])):
        raise Wrong("D's weights changed: D is frozen in G's step, read its weights and never write them")
    return out


FAKES_CASES = [
    Case("batch of 5, D: 20 -> 12 -> 8 -> 1", dict(x=randn(5, 20, seed=1).tanh(), D=mlp([20, 12, 8, 1], seed=10))),
    Case("batch of 3, D: 784 -> 64 -> 32 -> 1, slope 0.1",
         dict(x=randn(3, 784, seed=2).tanh(), D=mlp([784, 64, 32, 1], seed=20), slope=0.1)),
]
G_CASES = [
    Case("batch of 5, G: 4 -> 16 -> 16 -> 20, D: 20 -> 12 -> 8 -> 1",
         dict(z=randn(5, 4, seed=3), G=mlp([4, 16, 16, 20], seed=30), D=mlp([20, 12, 8, 1], seed=10))),
    Case("batch of 3, G: 64 -> 32 -> 32 -> 784, D: 784 -> 64 -> 32 -> 1",
         dict(z=randn(3, 64, seed=4), G=mlp([64, 32, 32, 784], seed=40), D=mlp([784, 64, 32, 1], seed=20))),
]
G_OUTPUTS = ("grad_W1", "grad_b1", "grad_W2", "grad_b2", "grad_W3", "grad_b3")

TASKS = [
    Task("grad_wrt_fakes", FAKES_CASES, autograd_fakes, run=frozen, by_hand=True,
         mistakes=[
             *[("LeakyReLU's derivative is slope, not 0, where its input is ≤ 0",
                lambda x, D, slope=0.2, leaks=leaks: by_hand_fakes(x, D, slope, leaks=leaks))
               for leaks in ((0.0, 0.0), (0.0, None), (None, 0.0))],
             *[("torch.where(a > 0, 1.0, slope) is a float32 tensor, slope rounded to 7 digits: "
                "write torch.where(a > 0, g, slope * g) to stay in float64",
                lambda x, D, slope=0.2, mask=mask: by_hand_fakes(x, D, slope, float32_mask=mask))
               for mask in ((True, True), (True, False), (False, True))],
             ("that is the gradient of D's loss on the fakes (label 0); G's label is 1: dL/dℓ = σ(ℓ) - 1",
              lambda x, D, slope=0.2: by_hand_fakes(x, D, slope, target=0.0)),
             ("L_G is a mean over the batch: dL/dℓ = (σ(ℓ) - 1) / B",
              lambda x, D, slope=0.2: by_hand_fakes(x, D, slope, per_batch=False)),
             ("wrong sign: dL/dℓ = σ(ℓ) - 1, which is negative: G wants the logits up",
              lambda x, D, slope=0.2: -by_hand_fakes(x, D, slope)),
         ]),
    Task("generator_grads", G_CASES, autograd_generator, outputs=G_OUTPUTS, run=frozen, by_hand=True,
         mistakes=[
             ("the way back through tanh multiplies by its derivative, 1 - x², with x = tanh(a3)",
              lambda z, G, D, slope=0.2: by_hand_generator(z, G, D, slope, tanh_grad="none")),
             ("tanh'(a) = 1 - tanh(a)² = 1 - x²: square G's output, not the pre-activation",
              lambda z, G, D, slope=0.2: by_hand_generator(z, G, D, slope, tanh_grad="1 - a²")),
             ("the way back through ReLU lets the gradient through only where its input was > 0",
              lambda z, G, D, slope=0.2: by_hand_generator(z, G, D, slope, relu_grad=False)),
         ]),
]

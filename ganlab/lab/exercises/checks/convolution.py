"""Exercise 8: ``conv2d`` by unfold + matmul against ``F.conv2d``, value and gradient."""
import torch
import torch.nn.functional as F

from ganlab.lab.exercises.checks import randn
from ganlab.lab.exercises.grader import Case, Task


def case(label, B, C_in, H, W, C_out, k, stride, padding, seed):
    return Case(label, dict(x=randn(B, C_in, H, W, seed=seed), W=randn(C_out, C_in, k, k, seed=seed + 1),
                            b=randn(C_out, seed=seed + 2), stride=stride, padding=padding))


CASES = [
    case("3×3 filters on 6×5 images, stride 1, no padding", 2, 2, 6, 5, 3, 3, 1, 0, seed=1),
    case("4×4 filters, stride 2, padding 1 (a DCGAN's D)", 3, 4, 14, 14, 5, 4, 2, 1, seed=4),
    case("5×5 filters on 9×7 images, stride 3, padding 2", 2, 3, 9, 7, 2, 5, 3, 2, seed=7),
]


def by_hand(x, W, b, stride=1, padding=0, mistake=None):
    """unfold + matmul, with one ``mistake``."""
    B, _, H, W_in = x.shape
    C_out, _, k, _ = W.shape
    H_out, W_out = (H + 2 * padding - k) // stride + 1, (W_in + 2 * padding - k) // stride + 1
    cols = F.unfold(x, k, padding=0 if mistake == "no padding" else padding, stride=stride)
    if mistake == "flipped":                   # the textbook convolution flips the filter; nn.Conv2d does not
        W = W.flip(-1, -2)
    y = W.reshape(C_out, -1) @ cols + (0 if mistake == "no bias" else b[:, None])
    return y.reshape(B, C_out, H_out, W_out)


TASKS = [
    Task("conv2d", CASES, lambda x, W, b, stride, padding: F.conv2d(x, W, b, stride=stride, padding=padding),
         differentiable=True, forbidden=("torch.nn.functional.conv2d", "torch.conv2d", "torch.convolution"),
         mistakes=[
             ("the bias is missing: add b[:, None] to every patch's column", lambda **i: by_hand(**i, mistake="no bias")),
             ("the filter is flipped: nn.Conv2d computes a cross-correlation, W as it is, no flip",
              lambda **i: by_hand(**i, mistake="flipped")),
         ]),
]

r"""Exercise 8 — A convolution as unfold + one matrix multiply (lesson 18)

Write the body of the function below, then grade it: run this file, or
`ganlab check 8 <this file>`. It is checked against torch.nn.functional.conv2d in float64,
value and gradient, with stride and padding.
"""
import torch
import torch.nn.functional as F


def conv2d(x, W, b, stride=1, padding=0):
    r"""y = W ⋆ x + b, as im2col and one matmul                  (F.conv2d)

        cols = unfold(x)              (B, C_in·k·k, L)   one column per patch, L = H_out·W_out
        y = W_flat cols + b           (C_out, C_in·k·k) @ (B, C_in·k·k, L) -> (B, C_out, L)
        H_out = (H + 2·padding - k) // stride + 1, and the same for the width

    x: (B, C_in, H, W); W: (C_out, C_in, k, k), nn.Conv2d's layout; b: (C_out,).
    returns y: (B, C_out, H_out, W_out).

    Hint: F.unfold(x, k, padding=padding, stride=stride) cuts the patches; W.reshape(C_out, -1)
    flattens each filter in the same order; b needs a trailing axis to add to every patch.
    Not allowed: F.conv2d (that is what you are writing).
    """
    B, _, H, W_in = x.shape
    C_out, _, k, _ = W.shape
    H_out, W_out = (H + 2 * padding - k) // stride + 1, (W_in + 2 * padding - k) // stride + 1
    cols = F.unfold(x, k, padding=padding, stride=stride)         # (B, C_in·k·k, L)
    y = W.reshape(C_out, -1) @ cols + b[:, None]                   # (B, C_out, L)
    return y.reshape(B, C_out, H_out, W_out)


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(8, __file__))

"""One helper that checks an op against its torch equivalent: value, gradient, shape, dtype.

The tolerances are named once, in ``ganlab.lab.parity``, which the exercise grader shares.
"""
import shutil
import sysconfig
from pathlib import Path

import pytest
import torch

from ganlab.lab.parity import TOL  # noqa: F401  (tests import it from here)

DTYPES = [torch.float32, torch.float64]
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")),
]

# torch.compile on CPU builds C++ kernels: it needs a compiler and Python's headers
HAS_COMPILER = (any(shutil.which(cc) for cc in ("g++", "c++", "clang++"))
                and (Path(sysconfig.get_paths()["include"]) / "Python.h").exists())
needs_compiler = pytest.mark.skipif(not HAS_COMPILER, reason="torch.compile on CPU needs a C++ compiler")


def assert_close(ours, theirs, dtype, scale=1.0):
    """``ours`` equals ``theirs`` within the named tolerance for ``dtype`` (times ``scale``)."""
    assert ours.shape == theirs.shape, f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    assert ours.dtype == theirs.dtype, f"dtype {ours.dtype} != {theirs.dtype}"
    tol = TOL[dtype]
    torch.testing.assert_close(ours, theirs, atol=tol["atol"] * scale, rtol=tol["rtol"] * scale)


def check_op(ours, theirs, inputs, dtype, device, constants=(), scale=1.0, seed=0):
    """Run ``ours(*inputs, *constants)`` and ``theirs(...)``; compare values and input gradients.

    Returns ``(output, upstream_grad, torch_input_grads)`` so a test can also check a
    hand-written backward against torch's gradients.
    """
    xs_ours = [x.to(device, dtype).clone().requires_grad_(True) for x in inputs]
    xs_theirs = [x.to(device, dtype).clone().requires_grad_(True) for x in inputs]
    consts = [c.to(device, dtype) if torch.is_tensor(c) else c for c in constants]
    out_ours, out_theirs = ours(*xs_ours, *consts), theirs(*xs_theirs, *consts)
    assert_close(out_ours, out_theirs, dtype, scale)

    g = torch.randn(out_theirs.shape, generator=torch.Generator().manual_seed(seed), dtype=dtype).to(device)
    grads_ours = torch.autograd.grad(out_ours, xs_ours, g)
    grads_theirs = torch.autograd.grad(out_theirs, xs_theirs, g)
    for a, b in zip(grads_ours, grads_theirs):
        assert_close(a, b, dtype, scale)
    return out_theirs.detach(), g, [gr.detach() for gr in grads_theirs]

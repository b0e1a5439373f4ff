"""How close is "equal to torch": the tolerances every parity check uses, named once.

float64 checks are near-exact; float32 checks allow the rounding that a different (but
equal in exact arithmetic) formula produces. The tests (``tests/parity.py``) and the
exercise grader (``ganlab.lab.exercises``) both compare with these.
"""
import torch

TOL = {
    torch.float32: dict(atol=1e-6, rtol=1e-5),
    torch.float64: dict(atol=1e-12, rtol=1e-10),
}


def max_diff(ours, theirs):
    """The largest |ours - theirs| (inf where only one of them is finite)."""
    if ours.numel() == 0:
        return 0.0
    diff = (ours.double() - theirs.double()).abs()
    both_nan = ours.isnan() & theirs.isnan()
    both_same_inf = torch.isinf(ours) & (ours == theirs)
    diff = torch.where(both_nan | both_same_inf, 0.0, diff.nan_to_num(nan=float("inf")))
    return diff.max().item()


def close(ours, theirs, dtype=torch.float64, scale=1.0, equal_nan=False):
    """True when ``ours`` equals ``theirs`` within ``dtype``'s tolerance times ``scale``."""
    if ours.shape != theirs.shape:
        return False
    tol = TOL[dtype]
    return bool(torch.isclose(ours.double(), theirs.double(), atol=tol["atol"] * scale, rtol=tol["rtol"] * scale,
                              equal_nan=equal_nan).all())

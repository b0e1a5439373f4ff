"""Catch the operations that make the host wait for the device: reading a number back.

On a GPU, ``loss.item()``, ``if (x > 0).any():`` or ``torch.nonzero(x)`` each stop the
host until the device has caught up and sent the answer over, so a training step that
does one per step runs at the speed of that round trip. They are the same operations on
the CPU, so a test on the CPU can check that a step makes none of them.
"""
import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten
READS_BACK = {aten._local_scalar_dense, aten.item, aten.is_nonzero, aten.nonzero, aten.equal}


class HostReads(TorchDispatchMode):
    """``with HostReads() as reads: ...`` lists in ``reads.ops`` each op that reads a number back."""

    def __init__(self):
        super().__init__()
        self.ops = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket in READS_BACK:
            self.ops.append(str(func))
        return func(*args, **(kwargs or {}))

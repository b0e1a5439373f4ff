"""Saving and loading checkpoints safely.

Writes are atomic: the checkpoint goes to a temporary file in the same folder, is
flushed to disk, and only then renamed over the old one. A run killed at any moment
leaves either the previous complete checkpoint or the new complete one, never half
of one. Reads use ``torch.load(weights_only=True)``, which only rebuilds tensors and
plain containers, so a checkpoint carrying pickled code is refused instead of run.
"""
import errno
import os
import pickle
import tempfile
from pathlib import Path

import torch


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt, unsafe or from another model."""


def save_checkpoint(state, path):
    """Write ``state`` to ``path`` atomically; a write that fails leaves the old file as it was
    and raises ``CheckpointError`` in one line (saying so when the disk is full)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:                       # Ctrl-C too: never leave half a file
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(err, (OSError, RuntimeError)):
            raise CheckpointError(write_failure(path, err)) from err
        raise


def write_failure(path, err):
    """One line on why ``path`` could not be written. torch's writer reports a full disk as
    "unexpected pos N vs M" (it wrote fewer bytes than it meant to)."""
    full = (isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        "unexpected pos" in str(err) or "file write failed" in str(err)
    reason = "the disk is full" if full else (str(err).strip().splitlines() or [type(err).__name__])[0]
    return f"could not write {path}: {reason}; the last complete checkpoint is kept"


def load_checkpoint(path, map_location="cpu"):
    state = load_tensors(path, map_location)
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise CheckpointError(f"{path} is not a ganlab checkpoint")
    return state


def load_tensors(path, map_location="cpu"):
    """Whatever ``path`` holds (tensors and plain containers only), or a one-line ``CheckpointError``."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if "GLOBAL" in str(err):          # the safe loader met a reference to code (a "global")
            raise CheckpointError(f"{path} holds more than tensors (pickled objects or code); "
                                  "refusing to load it") from err
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?)") from err
    except Exception as err:
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?)") from err
    return state


def training_state(model):
    """Everything a run needs to go on exactly: both networks, both optimizers, the step
    count, the averaged G and D's random generator when there are, for ganlab's GAN (plain
    or fast) and for the nn twin alike (their parts have ``state_dict`` methods)."""
    state = {"G": model.G.state_dict(), "D": model.D.state_dict(), "steps": model.steps,
             "opt_G": model.opt_G.state_dict(), "opt_D": model.opt_D.state_dict()}
    if getattr(model, "rng", None) is not None:        # D's random numbers (saved as "dropout_rng")
        state["dropout_rng"] = model.rng.get_state()
    if model.G_ema:
        state["G_ema"] = model.G_ema.state_dict()
    return state


def load_training_state(model, state):
    """Put a ``training_state`` back into ``model``; a part that does not fit raises."""
    model.G.load_state_dict(state["G"])
    model.D.load_state_dict(state["D"])
    model.opt_G.load_state_dict(state["opt_G"])
    model.opt_D.load_state_dict(state["opt_D"])
    model.steps = int(state["steps"])
    if getattr(model, "rng", None) is not None:
        model.rng.set_state(state["dropout_rng"].cpu())
    if model.G_ema:
        model.G_ema.load_state_dict(state["G_ema"])

"""A run's output folder, claimed by one run at a time.

A run takes an exclusive lock on the folder's ``.ganlab-lock`` file (``fcntl.flock``) before
it looks inside, and holds it until it ends. The lock is the kernel's: it goes with the
process however the process ends, so there is no stale lock to clean up, and two runs
started together never both find a folder empty. The lock file is the folder's only trace
of it, and an empty folder with only a lock file in it counts as empty.
"""
import fcntl
import shutil
from pathlib import Path

LOCK = ".ganlab-lock"
# everything a run writes (ganlab.lab.training.train's docstring lists them); --overwrite removes these
RUN_FILES = ("config.json", "history.json", "checkpoint.pt", ".checkpoint.pt.*.tmp", "epoch-*.png", "training.gif",
             "samples.png", "losses.png", "d_outputs.png", "diagnostics.png", "diagnostics.json", "tensorboard")


def contents(folder):
    """What ``folder`` holds besides its lock file."""
    return [p for p in Path(folder).iterdir() if p.name != LOCK]


def lock(folder):
    """An open lock file that holds ``folder`` for this process, or None when another process holds it."""
    handle = open(Path(folder) / LOCK, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def make_folder(out):
    """Create ``out`` (and its parents), or say in one line why it cannot be."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out {out} cannot be created: {err.strerror or err}") from None


def claim(out_dir, resume=False, overwrite=False):
    """Hold ``out_dir`` for this run and return the lock (close it, or end the process, to let go).

    A new run needs an empty folder (``overwrite``: one whose run may be replaced); a resumed
    run needs the checkpoint it continues. A folder another run holds is refused."""
    out = Path(out_dir)
    if str(out_dir).strip() == "":
        raise ValueError("--out is empty: name the folder the run writes into")
    if resume and not (out / "checkpoint.pt").is_file():
        raise ValueError(f"--resume: no checkpoint.pt in {out} to resume from")
    make_folder(out)
    handle = lock(out)
    if handle is None:
        raise ValueError(f"another ganlab run is writing into {out}: wait for it to end, or choose another --out")
    if not resume and contents(out) and not overwrite:
        handle.close()
        if (out / "checkpoint.pt").is_file():
            raise ValueError(f"--out {out} holds a run already; pass --resume to continue it "
                             "or --overwrite to replace it")
        raise ValueError(f"--out {out} is not empty and holds no checkpoint to resume; choose another --out, "
                         "or pass --overwrite to replace what is there")
    return handle


def claim_fresh(base):
    """The first of ``base``, ``base-2``, ``base-3``, ... that is empty and free, claimed: (folder, lock)."""
    for n in range(1, 10_000):
        folder = Path(base if n == 1 else f"{base}-{n}")
        if folder.exists() and (not folder.is_dir() or contents(folder)):
            continue
        make_folder(folder)
        handle = lock(folder)
        if handle is not None and not contents(folder):
            return folder, handle
        if handle is not None:
            handle.close()
    raise ValueError(f"no free folder named {base}-N: choose --out")


def clear_run(out):
    """Remove every file an earlier run wrote into ``out`` (``RUN_FILES``); other files stay."""
    for pattern in RUN_FILES:
        for path in Path(out).glob(pattern):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()

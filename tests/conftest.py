import os

import pytest
import torch

from ganlab.lab.training.data import Dataset

# One thread per process, here and in every process a test starts (a lesson, a kernel, a
# run to interrupt): the suite runs in parallel processes (pyproject's addopts), and a
# process of two threads on a busy core stalls at every operation waiting for the other.
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
torch.set_num_threads(1)


# The tests that take a minute or more (the lessons that train, the evaluation classifiers trained on
# first use) start first: on two cores, a long test that starts last keeps one core busy alone at the end.
LONG = ("tests/lab/teaching/test_lessons.py", "tests/lab/evaluation/")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONG))          # a stable sort: the rest keep their order


@pytest.fixture(autouse=True, scope="session")
def shared_data_dir(tmp_path_factory):
    """One data cache for the whole session, shared by its worker processes (so that each data
    set is read and each evaluation classifier trained once), never the user's own ~/.cache."""
    if os.environ.get("PYTEST_XDIST_WORKER"):               # the folder above the workers' own
        path = tmp_path_factory.getbasetemp().parent / "data"
        path.mkdir(exist_ok=True)
    else:
        path = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("GANLAB_DATA", str(path))
    yield path
    mp.undo()


def synthetic_dataset(n=200, seed=0, device="cpu"):
    """Tiny fake 'digits': a bright blob at a random place on a dark 28 x 28 field, in [-1, 1]."""
    gen = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    centers = torch.rand(n, 2, generator=gen) * 16 + 6
    d2 = (yy - centers[:, :1, None]) ** 2 + (xx - centers[:, 1:, None]) ** 2      # (n, 28, 28)
    images = torch.exp(-d2 / 18) * 2 - 1
    return Dataset(images.reshape(n, 784).to(device), torch.zeros(n, dtype=torch.long), "synthetic", "synthetic blobs")


@pytest.fixture
def synthetic_data(monkeypatch):
    """Make training read the synthetic set instead of MNIST."""
    import ganlab.lab.compare
    import ganlab.lab.training.train
    fake = lambda name, data_dir, device: synthetic_dataset(device=device)   # noqa: E731
    monkeypatch.setattr(ganlab.lab.training.train, "load_dataset", fake)
    monkeypatch.setattr(ganlab.lab.compare, "load_dataset", fake)
    return synthetic_dataset()


@pytest.fixture
def tiny():
    """Options for a very small, very fast run: 200 images, batch 20 -> 10 steps per epoch."""
    return dict(dataset="mnist-sample", latent_dim=8, hidden_dim=16, batch_size=20, log_every=5,
                sample_n=16, device="cpu")

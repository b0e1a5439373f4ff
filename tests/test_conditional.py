"""The conditional pieces: the one-hot label against torch, and conditioned G and D."""
import pytest
import torch
import torch.nn.functional as F

from ganlab.conditional import one_hot, with_labels
from ganlab.models import Discriminator, Generator
from parity import DEVICES, DTYPES


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_one_hot_matches_torch(dtype, device):
    labels = torch.tensor([0, 3, 9, 3, 1], device=device)
    ours = one_hot(labels, 10, dtype)
    assert ours.dtype == dtype and ours.shape == (5, 10)
    torch.testing.assert_close(ours, F.one_hot(labels, 10).to(dtype), atol=0, rtol=0)


@pytest.mark.parametrize("labels", [torch.tensor([0.0, 1.0]), torch.tensor([[1, 2]])])
def test_one_hot_refuses_labels_that_are_not_a_vector_of_classes(labels):
    with pytest.raises(ValueError, match="1-D tensor of integer classes"):
        one_hot(labels, 10)


@pytest.mark.parametrize("labels", [torch.tensor([0, 10]), torch.tensor([-1, 3])])
def test_one_hot_refuses_labels_out_of_range(labels):
    with pytest.raises(IndexError, match="index out of range"):
        one_hot(labels, 10)


def test_with_labels_appends_the_one_hot_columns():
    x = torch.randn(3, 5)
    xy = with_labels(x, torch.tensor([2, 0, 1]), 3)
    assert xy.shape == (3, 8)
    torch.testing.assert_close(xy[:, :5], x)
    torch.testing.assert_close(xy[:, 5:], torch.eye(3)[[2, 0, 1]])
    with pytest.raises(ValueError, match="2 labels for a batch of 3"):
        with_labels(x, torch.tensor([0, 1]), 3)


def test_the_label_changes_what_g_draws():
    G = Generator(8, 32, 49, generator=torch.Generator().manual_seed(0), num_classes=10)
    z = torch.randn(1, 8).repeat(10, 1)                        # one noise vector, ten labels
    images = G(z, torch.arange(10))
    assert images.shape == (10, 49)
    assert torch.cdist(images, images).fill_diagonal_(1).min() > 1e-3   # ten different images
    with pytest.raises(ValueError, match="needs the class labels"):
        G(z)


def test_manual_backward_through_a_conditional_d_matches_autograd_in_float64():
    D = Discriminator(49, 32, num_classes=4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x = torch.randn(6, 49, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    logits = D(x, labels)
    (auto,) = torch.autograd.grad(logits.square().sum(), x)
    with torch.no_grad():
        manual = D.backward(2 * D(x.detach(), labels), param_grads=False)
    assert manual.shape == x.shape                             # the label columns are dropped
    torch.testing.assert_close(manual, auto, atol=1e-13, rtol=1e-10)


def test_label_columns_start_as_strong_as_all_of_z():
    G = Generator(16, 32, 49, generator=torch.Generator().manual_seed(0), num_classes=10)
    W = G.layers[0].W.detach()
    bound = 1 / 26 ** 0.5                                      # nn.Linear's init for fan_in = 16 + 10
    assert W[:, :16].abs().max() <= bound
    assert bound * 3 < W[:, 16:].abs().max() <= bound * 4      # scaled by sqrt(16) = 4
    plain = Generator(16, 32, 49, generator=torch.Generator().manual_seed(0))
    assert plain.layers[0].W.abs().max() <= 1 / 16 ** 0.5     # a classic G keeps the default init

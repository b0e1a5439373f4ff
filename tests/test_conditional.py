"""The conditional pieces: the one-hot label and the projection against torch, and conditioned G and D."""
import pytest
import torch
import torch.nn.functional as F

from ganlab.conditional import one_hot, project, project_backward, with_labels
from ganlab.models import Discriminator, Generator
from torch import nn

from parity import DEVICES, DTYPES, TOL, assert_close, check_op


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


LABELS = torch.tensor([0, 3, 9, 3, 1, 0, 7])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_projection_matches_torch_embedding_forward_and_backward(dtype, device):
    labels = LABELS.to(device)
    h, V = torch.randn(7, 16, dtype=torch.float64), torch.randn(10, 16, dtype=torch.float64)

    def theirs(h, V):
        return (F.embedding(labels, V) * h).sum(1, keepdim=True)

    _, g, (grad_h, grad_V) = check_op(lambda h, V: project(h, V, labels), theirs, [h, V], dtype, device)
    ours_h, ours_V = project_backward(h.to(device, dtype), V.to(device, dtype), labels, g)
    assert_close(ours_h, grad_h, dtype)
    assert_close(ours_V, grad_V, dtype)                         # classes 2, 4, ... get zero rows
    assert ours_V[[2, 4, 5, 6, 8]].abs().max() == 0


def nn_projection_d(D):
    """The same projection D from torch.nn: Linear, LeakyReLU and F.embedding, weights copied."""
    linears = [nn.Linear(l.W.shape[1], l.W.shape[0], dtype=l.W.dtype) for l in D.layers if hasattr(l, "W")]
    with torch.no_grad():
        for lin, ours in zip(linears, [l for l in D.layers if hasattr(l, "W")]):
            lin.weight.copy_(ours.W)
            lin.bias.copy_(ours.b)
    embed = nn.Embedding(*D.V.shape, dtype=D.V.dtype)
    with torch.no_grad():
        embed.weight.copy_(D.V)
    body = nn.Sequential(linears[0], nn.LeakyReLU(0.2), linears[1], nn.LeakyReLU(0.2))

    def forward(x, labels):
        h = body(x)
        return linears[2](h) + (embed(labels) * h).sum(1, keepdim=True)
    return forward, [p for lin in linears for p in (lin.weight, lin.bias)] + [embed.weight]


@pytest.mark.parametrize("dtype", DTYPES)
def test_projection_d_matches_nn_with_an_embedding_forward_and_backward(dtype):
    D = Discriminator(49, 32, num_classes=10, projection=True, dtype=dtype, generator=torch.Generator().manual_seed(2))
    assert D.layers[0].W.shape == (32, 49)                      # the label is not appended to x
    forward, params = nn_projection_d(D)
    x = torch.randn(7, 49, dtype=dtype)
    ours, theirs = D(x, LABELS), forward(x, LABELS)
    assert_close(ours, theirs, dtype)
    for a, b in zip(torch.autograd.grad(ours.sum(), D.parameters()), torch.autograd.grad(theirs.sum(), params)):
        assert_close(a, b, dtype)


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_manual_backward_through_a_projection_d_matches_autograd_in_float64(spectral_norm):
    D = Discriminator(49, 32, num_classes=10, projection=True, spectral_norm=spectral_norm, dtype=torch.float64,
                      generator=torch.Generator().manual_seed(3))
    D.eval()                                                    # spectral norm's u, v held still
    x = torch.randn(7, 49, dtype=torch.float64, requires_grad=True)
    logits = D(x, LABELS)
    auto = torch.autograd.grad(logits.square().sum(), [x] + D.parameters())
    with torch.no_grad():
        D.zero_grad()
        grad_x = D.backward(2 * D(x.detach(), LABELS))
    manual = [grad_x] + [p.grad for p in D.parameters()]
    assert len(manual) == 8 and manual[-1].shape == (10, 32)   # x, then 3 W, 3 b and V
    for a, b in zip(manual, auto):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-10)


def test_projection_d_saves_v_as_embed_and_loads_it_back():
    kw = dict(image_dim=49, hidden_dim=32, num_classes=10, projection=True)
    D = Discriminator(**kw, generator=torch.Generator().manual_seed(4))
    other = Discriminator(**kw, generator=torch.Generator().manual_seed(5))
    state = D.state_dict()
    assert state["embed"].shape == (10, 32) and "embed" not in Discriminator(49, 32).state_dict()
    other.load_state_dict(state)
    x = torch.randn(3, 49)
    torch.testing.assert_close(other(x, LABELS[:3]), D(x, LABELS[:3]), atol=0, rtol=0)
    with pytest.raises(ValueError, match="needs the class labels"):
        D(x)

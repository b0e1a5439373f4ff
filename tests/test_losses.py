import pytest
import torch
from torch import nn

from ganlab.activations import sigmoid
from ganlab.losses import bce, bce_backward, bce_with_logits, bce_with_logits_backward
from parity import DEVICES, DTYPES, assert_close, check_op

gen = torch.Generator().manual_seed(3)
logits = torch.randn(32, 1, generator=gen) * 4
probs = torch.sigmoid(logits)
targets = (torch.rand(32, 1, generator=gen) > 0.5).float()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("y", [targets, 1.0, 0.0, 0.9])
def test_bce_matches_nn_bceloss(y, dtype, device):
    yt = y if torch.is_tensor(y) else torch.full_like(probs, y)
    loss, g, (grad_p,) = check_op(bce, nn.BCELoss(), [probs], dtype, device, constants=(yt,))
    hand = bce_backward(probs.to(device, dtype), yt.to(device, dtype)) * g
    assert_close(hand, grad_p, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("y", [targets, 1.0, 0.0, 0.9])
def test_bce_with_logits_matches_nn(y, dtype, device):
    yt = y if torch.is_tensor(y) else torch.full_like(logits, y)
    loss, g, (grad_l,) = check_op(bce_with_logits, nn.BCEWithLogitsLoss(), [logits], dtype, device, constants=(yt,))
    hand = bce_with_logits_backward(logits.to(device, dtype), yt.to(device, dtype)) * g
    assert_close(hand, grad_l, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits_stay_finite_and_match_torch(dtype):
    big = torch.tensor([[-1e4], [-500.0], [-50.0], [0.0], [50.0], [500.0], [1e4]], dtype=dtype, requires_grad=True)
    for y in (0.0, 1.0):
        yt = torch.full_like(big, y)
        ours = bce_with_logits(big, yt)
        theirs = nn.BCEWithLogitsLoss()(big, yt)
        assert torch.isfinite(ours)
        assert_close(ours, theirs, dtype)
        (g_ours,) = torch.autograd.grad(ours, big)
        (g_theirs,) = torch.autograd.grad(theirs, big)
        assert torch.isfinite(g_ours).all()
        assert_close(g_ours, g_theirs, dtype)
        assert_close(bce_with_logits_backward(big.detach(), yt), g_theirs, dtype)


def test_naive_bce_breaks_where_the_logits_form_does_not():
    # sigmoid(40) rounds to exactly 1 in float32, so log(1 - p) = log(0): clamped at -100.
    l = torch.tensor([[40.0]])
    naive = bce(sigmoid(l), torch.zeros_like(l))
    stable = bce_with_logits(l, torch.zeros_like(l))
    assert naive.item() == pytest.approx(100.0)          # the clamp, not the truth
    assert stable.item() == pytest.approx(40.0, rel=1e-6)  # softplus(40) ≈ 40
    assert naive.item() == pytest.approx(nn.BCELoss()(torch.sigmoid(l), torch.zeros_like(l)).item())


@pytest.mark.parametrize("y", [0.0, 1.0, 0.9])
def test_logits_form_equals_sigmoid_then_bce_for_moderate_logits(y):
    l = logits.double()
    yt = torch.full_like(l, y)
    assert_close(bce_with_logits(l, yt), bce(sigmoid(l), yt), torch.float64, scale=100)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_gradient_is_finite_and_torchs_when_p_is_exactly_0_or_1(dtype):
    p = torch.tensor([[0.0], [1e-30], [0.5], [1.0]], dtype=dtype)
    for y in (0.0, 1.0):
        ours_p = p.clone().requires_grad_(True)
        torch_p = p.clone().requires_grad_(True)
        yt = torch.full_like(p, y)
        (g_ours,) = torch.autograd.grad(bce(ours_p, yt), ours_p)
        (g_torch,) = torch.autograd.grad(nn.BCELoss()(torch_p, yt), torch_p)
        assert torch.isfinite(g_ours).all()
        # at the 1e-12 floor torch rounds its floor constant differently: ~4e-9 relative
        torch.testing.assert_close(g_ours, g_torch, rtol=1e-7, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_gradient_floor_at_p_exactly_0_and_1_is_torchs_to_the_last_digit(dtype):
    p = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    nn.BCELoss()(p, y).backward()
    assert torch.equal(bce_backward(p.detach(), y), p.grad)


def test_bce_of_tiny_probabilities_uses_log1p_like_torch():
    p = torch.tensor([[1e-7], [1e-10]], dtype=torch.float32)
    zeros = torch.zeros_like(p)
    for row in range(2):
        ours = bce(p[row:row + 1], zeros[row:row + 1])
        theirs = nn.BCELoss()(p[row:row + 1], zeros[row:row + 1])
        assert ours.item() == pytest.approx(theirs.item(), rel=1e-6) and ours.item() > 0

import math

import pytest
import torch
from torch import nn
import torch.nn.functional as F

from ganlab.linear import Linear, linear, linear_backward
from ganlab.sequential import Sequential
from ganlab.activations import ReLU, Tanh
from parity import DEVICES, DTYPES, assert_close, check_op

gen = torch.Generator().manual_seed(2)
x = torch.randn(16, 10, generator=gen)
W = torch.randn(7, 10, generator=gen)
b = torch.randn(7, generator=gen)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_matches_F_linear_forward_and_backward(dtype, device):
    y, g, (gx, gW, gb) = check_op(linear, F.linear, [x, W, b], dtype, device, scale=4)
    hand = linear_backward(x.to(device, dtype), W.to(device, dtype), g)
    for ours, theirs in zip(hand, (gx, gW, gb)):
        assert_close(ours, theirs, dtype, scale=4)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_layer_matches_nn_linear_with_copied_weights(dtype, device):
    ours = Linear(10, 7, device=device, dtype=dtype)
    theirs = nn.Linear(10, 7).to(device, dtype)
    with torch.no_grad():
        theirs.weight.copy_(ours.W)
        theirs.bias.copy_(ours.b)
    xs = x.to(device, dtype)
    y_ours, y_theirs = ours(xs), theirs(xs)
    assert_close(y_ours, y_theirs, dtype, scale=4)
    g = torch.randn_like(y_theirs)
    y_theirs.backward(g)
    grad_x = ours.backward(g)                          # hand-written
    assert_close(ours.W.grad, theirs.weight.grad, dtype, scale=4)
    assert_close(ours.b.grad, theirs.bias.grad, dtype, scale=4)
    assert grad_x.shape == xs.shape


def test_default_init_has_nn_linear_distribution():
    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)): bound, mean and variance (1/(3 fan_in)) as nn.Linear's
    fan_in = 400
    ours = Linear(fan_in, 500).W.detach()
    theirs = nn.Linear(fan_in, 500).weight.detach()
    bound = 1 / math.sqrt(fan_in)
    for w in (ours, theirs):
        assert w.abs().max() <= bound
        assert w.abs().max() > 0.99 * bound
        assert abs(w.mean().item()) < 0.01 * bound
        assert w.var().item() == pytest.approx(bound ** 2 / 3, rel=0.02)
    # same distribution: quantiles agree
    q = torch.linspace(0.05, 0.95, 19)
    torch.testing.assert_close(torch.quantile(ours.flatten()[:100_000], q),
                               torch.quantile(theirs.flatten()[:100_000], q), atol=0.02 * bound, rtol=0)


def test_state_dict_round_trips_through_nn_sequential():
    ours = Sequential(Linear(5, 8), ReLU(), Linear(8, 3), Tanh())
    theirs = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3), nn.Tanh())
    theirs.load_state_dict(ours.state_dict())                 # ganlab -> nn
    torch.testing.assert_close(theirs(x[:, :5]), ours(x[:, :5]), atol=1e-6, rtol=1e-5)
    fresh = Sequential(Linear(5, 8), ReLU(), Linear(8, 3), Tanh())
    fresh.load_state_dict(theirs.state_dict())                # nn -> ganlab
    for a, b_ in zip(fresh.parameters(), ours.parameters()):
        assert torch.equal(a, b_)


def test_load_state_dict_rejects_a_wrong_shape_or_key():
    model = Sequential(Linear(5, 8), ReLU(), Linear(8, 3))
    bad = Sequential(Linear(5, 9), ReLU(), Linear(9, 3)).state_dict()
    with pytest.raises(ValueError, match="shape"):
        model.load_state_dict(bad)
    with pytest.raises(ValueError, match="keys"):
        model.load_state_dict({"0.weight": torch.zeros(8, 5)})


def test_sequential_backward_equals_autograd():
    model = Sequential(Linear(10, 6, dtype=torch.float64), ReLU(), Linear(6, 4, dtype=torch.float64), Tanh())
    xs = x.double().requires_grad_(True)
    y = model(xs)
    g = torch.randn_like(y)
    auto = torch.autograd.grad(y, [xs] + model.parameters(), g)
    model.zero_grad()
    grad_x = model.backward(g)
    assert_close(grad_x, auto[0], torch.float64)
    for p, ga in zip(model.parameters(), auto[1:]):
        assert_close(p.grad, ga, torch.float64)

"""Batch normalization against nn.BatchNorm1d / nn.BatchNorm2d: training and evaluation
outputs, the running statistics, autograd's gradients and the hand-written backward."""
import pytest
import torch
from torch import nn

from ganlab.batchnorm import BatchNorm
from parity import DEVICES, DTYPES, assert_close

gen = torch.Generator().manual_seed(4)
SHAPES = {"1d": ((8, 5), nn.BatchNorm1d), "2d": ((6, 5, 4, 3), nn.BatchNorm2d)}


def pair(kind, dtype, device):
    shape, torch_class = SHAPES[kind]
    ours = BatchNorm(5, device=device, dtype=dtype, generator=torch.Generator().manual_seed(0))
    theirs = torch_class(5).to(device, dtype)
    theirs.load_state_dict(ours.named_parameters() | ours.buffers())
    return ours, theirs, shape


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_batchnorm_matches_nn_in_training_mode_with_running_stats_and_backward(dtype, device, kind):
    ours, theirs, shape = pair(kind, dtype, device)
    for step in range(3):                                   # the running averages, over three batches
        x = (3 * torch.randn(shape, generator=gen) + 2).to(device, dtype).requires_grad_(True)
        y_theirs = theirs(x)
        y_ours = ours(x.detach())
        assert_close(y_ours, y_theirs.detach(), dtype, scale=10)
        g = torch.randn(shape, generator=gen).to(device, dtype)
        (grad_x,) = torch.autograd.grad(y_theirs, x, g, retain_graph=True)
        theirs.zero_grad()
        y_theirs.backward(g)
        ours.gamma.grad = ours.beta.grad = None
        with torch.no_grad():
            assert_close(ours.backward(g), grad_x, dtype, scale=10)
        assert_close(ours.gamma.grad, theirs.weight.grad, dtype, scale=10)
        assert_close(ours.beta.grad, theirs.bias.grad, dtype, scale=10)
    assert_close(ours.running_mean, theirs.running_mean, dtype, scale=10)
    assert_close(ours.running_var, theirs.running_var, dtype, scale=10)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 3


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_batchnorm_in_evaluation_mode_uses_the_running_stats(dtype, kind):
    ours, theirs, shape = pair(kind, dtype, "cpu")
    for _ in range(2):
        x = torch.randn(shape, generator=gen, dtype=dtype) * 2 + 1
        ours(x), theirs(x)
    ours.eval(), theirs.eval()
    x = torch.randn(shape, generator=gen, dtype=dtype).requires_grad_(True)
    y_theirs = theirs(x)
    assert_close(ours(x.detach()), y_theirs.detach(), dtype, scale=10)
    g = torch.randn(shape, generator=gen, dtype=dtype)
    (grad_x,) = torch.autograd.grad(y_theirs, x, g)
    assert_close(ours.backward(g, param_grads=False), grad_x, dtype, scale=10)


@pytest.mark.parametrize("kind", list(SHAPES))
def test_batchnorm_backward_matches_finite_differences(kind):
    shape, _ = SHAPES[kind]
    bn = BatchNorm(5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x = torch.randn(shape, generator=gen, dtype=torch.float64)
    g = torch.randn(shape, generator=gen, dtype=torch.float64)
    loss = lambda x: (bn(x) * g).sum().item()                # running stats move, the output does not depend on them
    bn(x)
    grad = bn.backward(g, param_grads=False)
    index, h = (1,) * len(shape), 1e-6
    bumped, lowered = x.clone(), x.clone()
    bumped[index] += h
    lowered[index] -= h
    assert (loss(bumped) - loss(lowered)) / (2 * h) == pytest.approx(grad[index].item(), rel=1e-6, abs=1e-9)

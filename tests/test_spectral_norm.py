"""Spectral normalization against torch.nn.utils.parametrizations.spectral_norm on nn.Linear and nn.Conv2d."""
import pytest
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganlab.spectral_norm import SpectralNormConv2d, SpectralNormLinear
from ganlab.speed.conv_kernels import KernelSpectralNormConv2d
from parity import DEVICES, DTYPES, assert_close


def pair(dtype, device, n_in=20, n_out=12):
    ours = SpectralNormLinear(n_in, n_out, device=device, dtype=dtype, generator=torch.Generator().manual_seed(0))
    return ours, torch_copy(ours, nn.Linear(n_in, n_out).to(device, dtype))


def conv_pair(layer_class, dtype, device):
    ours = layer_class(3, 5, 4, stride=2, padding=1, device=device, dtype=dtype, generator=torch.Generator().manual_seed(0))
    return ours, torch_copy(ours, nn.Conv2d(3, 5, 4, stride=2, padding=1).to(device, dtype))


def torch_copy(ours, module):
    """``module`` under torch's spectral norm, holding our W, b, u and v."""
    theirs = spectral_norm(module)
    with torch.no_grad():                          # the same W, b and power-iteration state
        theirs.parametrizations.weight.original.copy_(ours.W)
        theirs.bias.copy_(ours.b)
        theirs.parametrizations.weight[0]._u.copy_(ours.u)
        theirs.parametrizations.weight[0]._v.copy_(ours.v)
    return theirs


LINEAR = (pair, (8, 20), (8, 12))
CONVS = [(lambda dtype, device: conv_pair(cls, dtype, device), (2, 3, 10, 10), (2, 5, 5, 5))
         for cls in (SpectralNormConv2d, KernelSpectralNormConv2d)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make, x_shape, y_shape", [LINEAR] + CONVS, ids=["linear", "conv-unfold", "conv-kernel"])
def test_forward_backward_and_power_iteration_match_torch_over_steps(dtype, device, make, x_shape, y_shape):
    ours, theirs = make(dtype, device)
    gen = torch.Generator().manual_seed(1)
    for _ in range(5):                             # W moves between calls, as in training
        x = torch.randn(x_shape, generator=gen, dtype=dtype).to(device)
        g = torch.randn(y_shape, generator=gen, dtype=dtype).to(device)
        x1, x2 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        y_ours, y_theirs = ours(x1), theirs(x2)
        assert_close(y_ours, y_theirs, dtype)
        W_t = theirs.parametrizations.weight.original
        grads_t = torch.autograd.grad(y_theirs, [x2, W_t, theirs.bias], g)
        grads_a = torch.autograd.grad(y_ours, [x1, ours.W, ours.b], g)
        ours.W.grad = ours.b.grad = None
        grad_x_hand = ours.backward(g)             # the hand-written backward
        for a, hand, t in zip(grads_a, [grad_x_hand, ours.W.grad, ours.b.grad], grads_t):
            assert_close(a, t, dtype, scale=10)
            assert_close(hand, t, dtype, scale=10)
        assert_close(ours.u, theirs.parametrizations.weight[0]._u, dtype)
        assert_close(ours.v, theirs.parametrizations.weight[0]._v, dtype)
        with torch.no_grad():
            ours.W.add_(0.1 * grads_t[1])
            W_t.add_(0.1 * grads_t[1])


def test_normalized_weight_has_spectral_norm_one():
    ours, _ = pair(torch.float64, "cpu", 64, 32)
    with torch.no_grad():
        ours.W.mul_(7.0)
    for _ in range(200):          # one power iteration per forward, as in training
        ours(torch.zeros(1, 64, dtype=torch.float64))
    assert torch.linalg.matrix_norm(ours.W_sn, ord=2).item() == pytest.approx(1.0, abs=1e-4)


def test_two_forward_calls_in_one_graph_backpropagate_like_torch():
    # D judging real and fake batches in separate calls, one loss: the power iteration of
    # the second call must not overwrite what the first call's backward needs
    ours, theirs = pair(torch.float64, "cpu")
    a, b = torch.randn(4, 20, dtype=torch.float64), torch.randn(4, 20, dtype=torch.float64)
    loss_ours = ours(a).square().sum() + ours(b).sum()
    loss_theirs = theirs(a).square().sum() + theirs(b).sum()
    (g_ours,) = torch.autograd.grad(loss_ours, [ours.W])
    (g_theirs,) = torch.autograd.grad(loss_theirs, [theirs.parametrizations.weight.original])
    assert_close(g_ours, g_theirs, torch.float64)


def test_conv_filters_are_normalized_as_a_matrix():
    ours, _ = conv_pair(SpectralNormConv2d, torch.float64, "cpu")
    with torch.no_grad():
        ours.W.mul_(5.0)
    for _ in range(200):
        ours(torch.zeros(1, 3, 8, 8, dtype=torch.float64))
    assert torch.linalg.matrix_norm(ours.W_sn.reshape(5, -1), ord=2).item() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("channels, side", [((1, 64), 28), ((64, 128), 14)], ids=["first", "second"])
def test_a_normalized_convolution_stretches_an_image_at_most_k_over_stride_times(channels, side):
    layer = SpectralNormConv2d(*channels, 4, stride=2, padding=1, dtype=torch.float64,
                               generator=torch.Generator().manual_seed(0))
    for _ in range(100):
        layer(torch.zeros(1, channels[0], side, side, dtype=torch.float64))
    conv = lambda x: torch.nn.functional.conv2d(x, layer.W_sn, stride=2, padding=1)
    x = torch.randn(1, channels[0], side, side, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for _ in range(300):           # power iteration on the whole map x -> conv(x), its adjoint by autograd
        x = x.requires_grad_(True)
        (grad,) = torch.autograd.grad(conv(x).square().sum() / 2, x)    # convᵀ conv x
        x = (grad / grad.norm()).detach()
    stretch = conv(x).norm().item()
    assert 1.0 < stretch <= 4 / 2 + 1e-6          # more than each patch's σ = 1, at most k / stride times it


def test_eval_mode_stops_the_power_iteration():
    ours, _ = conv_pair(SpectralNormConv2d, torch.float64, "cpu")
    u, v = ours.u.clone(), ours.v.clone()
    ours.eval()(torch.randn(2, 3, 8, 8, dtype=torch.float64))
    assert torch.equal(ours.u, u) and torch.equal(ours.v, v)
    ours.train()(torch.randn(2, 3, 8, 8, dtype=torch.float64))
    assert not torch.equal(ours.v, v)

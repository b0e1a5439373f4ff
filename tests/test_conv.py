"""Convolution as unfold + matmul, and the transposed convolution as its adjoint, against
F.conv2d / F.conv_transpose2d and nn.Conv2d / nn.ConvTranspose2d: values, autograd's
gradients and the hand-written backward, float32 and float64."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganlab.conv import Conv2d, ConvTranspose2d, conv2d, conv2d_backward, conv_transpose2d, conv_transpose2d_backward
from parity import DEVICES, DTYPES, assert_close, check_op

gen = torch.Generator().manual_seed(3)
# (stride, padding): a plain 3x3, the DCGAN's 4x4 stride 2 padding 1, and an odd size with padding 2
SETTINGS = [(1, 0, 3), (2, 1, 4), (2, 2, 5)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stride, padding, k", SETTINGS)
def test_conv2d_matches_F_conv2d_forward_and_backward(dtype, device, stride, padding, k):
    x = torch.randn(3, 2, 11, 9, generator=gen)
    W = torch.randn(5, 2, k, k, generator=gen)
    b = torch.randn(5, generator=gen)
    ours = lambda x, W, b: conv2d(x, W, b, stride, padding)
    theirs = lambda x, W, b: F.conv2d(x, W, b, stride=stride, padding=padding)
    _, g, torch_grads = check_op(ours, theirs, [x, W, b], dtype, device, scale=10)
    hand = conv2d_backward(x.to(device, dtype), W.to(device, dtype), g, stride, padding)
    for mine, torch_grad in zip(hand, torch_grads):
        assert_close(mine, torch_grad, dtype, scale=10)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stride, padding, k, output_padding", [(1, 0, 3, 0), (2, 1, 4, 0), (2, 1, 3, 1), (3, 2, 5, 2)])
def test_conv_transpose2d_matches_F_conv_transpose2d_forward_and_backward(dtype, device, stride, padding, k, output_padding):
    x = torch.randn(3, 4, 7, 6, generator=gen)
    W = torch.randn(4, 2, k, k, generator=gen)                 # (C_in, C_out, k, k)
    b = torch.randn(2, generator=gen)
    ours = lambda x, W, b: conv_transpose2d(x, W, b, stride, padding, output_padding)
    theirs = lambda x, W, b: F.conv_transpose2d(x, W, b, stride=stride, padding=padding, output_padding=output_padding)
    _, g, torch_grads = check_op(ours, theirs, [x, W, b], dtype, device, scale=10)
    hand = conv_transpose2d_backward(x.to(device, dtype), W.to(device, dtype), g, stride, padding)
    for mine, torch_grad in zip(hand, torch_grads):
        assert_close(mine, torch_grad, dtype, scale=10)


def test_the_transposed_convolution_is_the_convolutions_input_gradient():
    # <conv(u), v> = <u, conv_transpose(v)> for every u, v: the two maps are adjoint
    u = torch.randn(2, 3, 14, 14, dtype=torch.float64, generator=gen)
    v = torch.randn(2, 5, 7, 7, dtype=torch.float64, generator=gen)
    W = torch.randn(5, 3, 4, 4, dtype=torch.float64, generator=gen)
    zero_out, zero_in = torch.zeros(5, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    left = (conv2d(u, W, zero_out, 2, 1) * v).sum()
    right = (u * conv_transpose2d(v, W, zero_in, 2, 1)).sum()
    torch.testing.assert_close(left, right, atol=1e-10, rtol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transposed", [False, True])
def test_the_layers_match_nn_with_copied_weights(dtype, device, transposed):
    if transposed:
        ours, theirs = ConvTranspose2d(6, 3, 4, 2, 1, device=device, dtype=dtype), nn.ConvTranspose2d(6, 3, 4, 2, 1)
        x = torch.randn(4, 6, 7, 7, generator=gen)
    else:
        ours, theirs = Conv2d(3, 6, 4, 2, 1, device=device, dtype=dtype), nn.Conv2d(3, 6, 4, 2, 1)
        x = torch.randn(4, 3, 14, 14, generator=gen)
    theirs = theirs.to(device, dtype)
    theirs.load_state_dict({k: v for k, v in zip(("weight", "bias"), ours.parameters())})
    xs = x.to(device, dtype).requires_grad_(True)
    y_theirs = theirs(xs)
    assert_close(ours(xs.detach()), y_theirs.detach(), dtype, scale=10)
    g = torch.randn(y_theirs.shape, generator=gen).to(device, dtype)
    (grad_x,) = torch.autograd.grad(y_theirs, xs, g, retain_graph=True)
    y_theirs.backward(g)
    with torch.no_grad():
        assert_close(ours.backward(g), grad_x, dtype, scale=10)
    assert_close(ours.W.grad, theirs.weight.grad, dtype, scale=10)
    assert_close(ours.b.grad, theirs.bias.grad, dtype, scale=10)


def test_dcgan_init_is_normal_with_std_002():
    W = Conv2d(64, 128, 4, generator=torch.Generator().manual_seed(0)).W.detach()
    assert abs(W.mean().item()) < 1e-3 and W.std().item() == pytest.approx(0.02, rel=0.02)

import pytest
import torch
import torch.nn.functional as F

from ganlab import activations as A
from parity import DEVICES, DTYPES, assert_close, check_op

x = torch.randn(64, 32, generator=torch.Generator().manual_seed(1)) * 3

CASES = [  # (ours, torch's, hand-written backward, does backward take the output?)
    (A.relu, torch.relu, A.relu_backward, False),
    (lambda t: A.leaky_relu(t, 0.2), lambda t: F.leaky_relu(t, 0.2),
     lambda t, g: A.leaky_relu_backward(t, g, 0.2), False),
    (A.sigmoid, torch.sigmoid, A.sigmoid_backward, True),
    (A.tanh, torch.tanh, A.tanh_backward, True),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours,theirs,backward,uses_output", CASES)
def test_activation_matches_torch(ours, theirs, backward, uses_output, dtype, device):
    y, g, (grad_x,) = check_op(ours, theirs, [x], dtype, device)
    saved = y if uses_output else x.to(device, dtype)
    assert_close(backward(saved, g), grad_x, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_log_sigmoid_matches_torch(dtype, device):
    check_op(A.log_sigmoid, F.logsigmoid, [x], dtype, device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours,theirs", [(A.sigmoid, torch.sigmoid), (A.tanh, torch.tanh),
                                         (A.log_sigmoid, F.logsigmoid)])
def test_extreme_inputs_stay_finite_and_match(ours, theirs, dtype):
    big = torch.tensor([-1e4, -1e3, -100.0, -30.0, -1e-8, 0.0, 1e-8, 30.0, 100.0, 1e3, 1e4], dtype=dtype)
    ours_y = ours(big)
    assert torch.isfinite(ours_y).all()
    assert_close(ours_y, theirs(big), dtype)


def test_relu_gradient_at_zero_is_zero_like_torch():
    z = torch.zeros(3, requires_grad=True)
    torch.relu(z).sum().backward()
    assert torch.equal(A.relu_backward(torch.zeros(3), torch.ones(3)), z.grad)


@pytest.mark.parametrize("layer,fn", [(A.ReLU(), torch.relu), (A.LeakyReLU(0.2), lambda t: F.leaky_relu(t, 0.2)),
                                      (A.Sigmoid(), torch.sigmoid), (A.Tanh(), torch.tanh)])
def test_activation_layers_backward_matches_autograd(layer, fn):
    xt = x.double().requires_grad_(True)
    g = torch.randn_like(xt)
    (grad_x,) = torch.autograd.grad(fn(xt), xt, g)
    assert_close(layer(x.double()), fn(x.double()), torch.float64)
    assert_close(layer.backward(g), grad_x, torch.float64)


def test_derivatives_match_finite_differences():
    t = torch.linspace(-3, 3, 41, dtype=torch.float64) + 0.013      # avoid the kink at 0
    h = 1e-6
    for f, df in [(A.relu, lambda v: A.relu_backward(v, torch.ones_like(v))),
                  (lambda v: A.leaky_relu(v, 0.2), lambda v: A.leaky_relu_backward(v, torch.ones_like(v), 0.2)),
                  (A.sigmoid, lambda v: A.sigmoid_backward(A.sigmoid(v), torch.ones_like(v))),
                  (A.tanh, lambda v: A.tanh_backward(A.tanh(v), torch.ones_like(v)))]:
        numeric = (f(t + h) - f(t - h)) / (2 * h)
        torch.testing.assert_close(df(t), numeric, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("ours,theirs", [(A.sigmoid, torch.sigmoid), (A.tanh, torch.tanh),
                                         (A.log_sigmoid, F.logsigmoid)])
def test_gradient_at_exactly_zero_matches_torch(ours, theirs):
    z1 = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    z2 = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    (g1,) = torch.autograd.grad(ours(z1).sum(), z1)
    (g2,) = torch.autograd.grad(theirs(z2).sum(), z2)
    assert_close(g1, g2, torch.float64)


def test_relu_backward_passes_the_gradient_at_nan_like_torch():
    from ganlab.activations import relu_backward
    x = torch.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
    torch.relu(x).backward(torch.ones(4))
    assert torch.equal(relu_backward(x.detach(), torch.ones(4)), x.grad)

import pytest
import torch

from ganlab.optim import SGD, Adam
from parity import DEVICES, DTYPES, assert_close


def gradient(shape, gen, dtype):
    """Random gradients whose sizes span 1e-12 to 1. Adam divides by sqrt(v) + ε, and where a
    gradient is near ε (1e-8) any rounding in that division shows, magnified about lr/ε times."""
    sizes = torch.logspace(-12, 0, shape.numel(), dtype=dtype).reshape(shape)
    return torch.randn(shape, generator=gen, dtype=dtype) * sizes


def run(make_opt, dtype, device, steps=25, compile=False):
    """Apply ``steps`` updates with a fixed sequence of gradients; return the parameters."""
    gen = torch.Generator().manual_seed(5)
    params = [torch.randn(6, 4, generator=gen, dtype=dtype).to(device).requires_grad_(),
              torch.randn(4, generator=gen, dtype=dtype).to(device).requires_grad_()]
    opt = make_opt(params)
    step = torch.compile(opt.step, fullgraph=True) if compile else opt.step
    for _ in range(steps):
        for p in params:
            p.grad = gradient(p.shape, gen, dtype).to(device)
        step()
    return params


ADAM_SETTINGS = [dict(lr=2e-4), dict(lr=2e-4, betas=(0.5, 0.999)),
                 dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)]
SGD_SETTINGS = [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.5, weight_decay=0.01)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("settings", ADAM_SETTINGS)
def test_adam_matches_torch_optim_adam(settings, dtype, device):
    ours = run(lambda ps: Adam(ps, **settings), dtype, device)
    theirs = run(lambda ps: torch.optim.Adam(ps, **settings), dtype, device)
    for a, b in zip(ours, theirs):
        assert_close(a.detach(), b.detach(), dtype, scale=10)


@pytest.mark.parametrize("make", [lambda ps: Adam(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9)],
                         ids=["adam", "sgd"])
def test_an_optimizer_takes_the_gradients_directly_or_from_grad(make):
    gen = torch.Generator().manual_seed(3)
    a, b = (torch.randn(4, generator=torch.Generator().manual_seed(1), requires_grad=True) for _ in range(2))
    opt_a, opt_b = make([a]), make([b])
    for _ in range(3):
        g = torch.randn(4, generator=gen)
        a.grad = g
        opt_a.step()
        opt_b.step([g])
    assert torch.equal(a, b) and b.grad is None


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("settings", SGD_SETTINGS)
def test_sgd_matches_torch_optim_sgd(settings, dtype, device):
    ours = run(lambda ps: SGD(ps, **settings), dtype, device)
    theirs = run(lambda ps: torch.optim.SGD(ps, **settings), dtype, device)
    for a, b in zip(ours, theirs):
        assert_close(a.detach(), b.detach(), dtype, scale=10)


def test_adam_actually_moves_and_first_step_is_lr_sized():
    # Bias correction makes Adam's first step ≈ lr·sign(g), whatever the gradient's size.
    p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor([1e-3, -5.0, 200.0], dtype=torch.float64)
    Adam([p], lr=0.01).step()
    assert_close(p.detach(), torch.tensor([-0.01, 0.01, -0.01], dtype=torch.float64), torch.float64, scale=1e5)


def test_adam_state_dict_round_trip_continues_identically():
    gen = torch.Generator().manual_seed(6)
    grads = [torch.randn(5, generator=gen, dtype=torch.float64) for _ in range(8)]
    p = torch.randn(5, generator=gen, dtype=torch.float64, requires_grad=True)
    opt = Adam([p], lr=1e-2)
    for g in grads[:4]:
        p.grad = g
        opt.step()
    q = p.detach().clone().requires_grad_()
    resumed = Adam([q], lr=1e-2)
    resumed.load_state_dict(opt.state_dict())
    for g in grads[4:]:
        p.grad, q.grad = g, g.clone()
        opt.step()
        resumed.step()
    assert resumed.t == 8
    assert torch.equal(p, q)

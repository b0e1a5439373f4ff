"""R1 and WGAN-GP against the same penalties computed on an nn.Sequential D by torch's autograd."""
import pytest
import torch
from torch import nn

from ganlab.models import Discriminator
from ganlab.penalties import gradient_penalty, r1_penalty
from parity import DTYPES

TOL = {torch.float32: dict(atol=1e-5, rtol=1e-4), torch.float64: dict(atol=1e-12, rtol=1e-10)}


def twin_pair(dtype):
    ours = Discriminator(49, 16, slope=0.2, dtype=dtype, generator=torch.Generator().manual_seed(0))
    theirs = nn.Sequential(nn.Linear(49, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.LeakyReLU(0.2),
                           nn.Linear(16, 1)).to(dtype)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def grads(loss, params):
    """∂loss/∂θ for each θ; zeros for the biases a penalty on ∇ₓD does not depend on."""
    found = torch.autograd.grad(loss, list(params), allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(found, params)]


def torch_input_grad(D, x):
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad(D(x).sum(), x, create_graph=True)[0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_r1_value_and_its_gradient_for_d_match_torch(dtype):
    ours, theirs = twin_pair(dtype)
    x = torch.rand(10, 49, generator=torch.Generator().manual_seed(1), dtype=dtype) * 2 - 1
    x_seen = torch.cat([x, -x]).requires_grad_(True)           # reals first, fakes after, as D sees them
    logits = ours(x_seen)[:10]
    penalty = r1_penalty(logits, x_seen, gamma=3.0)
    expected = 3.0 / 2 * torch_input_grad(theirs, x).square().sum(1).mean()
    torch.testing.assert_close(penalty, expected, **TOL[dtype])
    for a, b in zip(grads(penalty, ours.parameters()), grads(expected, list(theirs.parameters()))):
        torch.testing.assert_close(a, b, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_penalty_value_and_its_gradient_for_d_match_torch(dtype):
    ours, theirs = twin_pair(dtype)
    gen = torch.Generator().manual_seed(2)
    x_real = torch.rand(10, 49, generator=gen, dtype=dtype) * 2 - 1
    x_fake = torch.rand(10, 49, generator=gen, dtype=dtype) * 2 - 1
    penalty = gradient_penalty(ours, x_real, x_fake, 10.0, rng=torch.Generator().manual_seed(5))
    eps = torch.rand(10, 1, generator=torch.Generator().manual_seed(5), dtype=dtype)
    x_hat = eps * x_real + (1 - eps) * x_fake
    expected = 10.0 * (torch.linalg.vector_norm(torch_input_grad(theirs, x_hat), dim=1) - 1).square().mean()
    torch.testing.assert_close(penalty, expected, **TOL[dtype])
    for a, b in zip(grads(penalty, ours.parameters()), grads(expected, list(theirs.parameters()))):
        torch.testing.assert_close(a, b, **TOL[dtype])


def test_r1_gradient_for_one_weight_matches_finite_differences():
    ours, _ = twin_pair(torch.float64)
    x = (torch.rand(6, 49, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 2 - 1).requires_grad_(True)

    def penalty():
        return r1_penalty(ours(x), x, gamma=1.0)

    (grad_W,) = torch.autograd.grad(penalty(), [ours.layers[2].W])
    h = 1e-6
    with torch.no_grad():
        ours.layers[2].W[3, 5] += h
    up = penalty().item()
    with torch.no_grad():
        ours.layers[2].W[3, 5] -= 2 * h
    down = penalty().item()
    assert grad_W[3, 5].item() == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)

import math

import pytest
import torch
import torch.nn.functional as F

from ganlab.activations import sigmoid
from ganlab.losses import bce_with_logits
from ganlab.objective import GAMES, make_game, d_loss, g_loss_non_saturating, g_loss_saturating, value
from parity import assert_close

gen = torch.Generator().manual_seed(4)
logits_real = torch.randn(50, 1, generator=gen, dtype=torch.float64) * 3
logits_fake = torch.randn(50, 1, generator=gen, dtype=torch.float64) * 3
ones, zeros = torch.ones_like(logits_real), torch.zeros_like(logits_real)


def test_value_is_the_textbook_formula():
    expected = torch.log(sigmoid(logits_real)).mean() + torch.log(1 - sigmoid(logits_fake)).mean()
    assert_close(value(logits_real, logits_fake), expected, torch.float64)


def test_d_loss_is_minus_v_and_equals_bce_real_plus_bce_fake():
    assert_close(d_loss(logits_real, logits_fake), -value(logits_real, logits_fake), torch.float64)
    bce_sum = bce_with_logits(logits_real, ones) + bce_with_logits(logits_fake, zeros)
    assert_close(d_loss(logits_real, logits_fake), bce_sum, torch.float64)


def test_non_saturating_g_loss_is_bce_against_label_one():
    assert_close(g_loss_non_saturating(logits_fake), bce_with_logits(logits_fake, ones), torch.float64)


def test_saturating_g_loss_is_gs_term_of_v():
    # V = E[log D(x)] + E[log(1 - D(G(z)))]; G can only move the second term.
    assert_close(g_loss_saturating(logits_fake),
                 value(logits_real, logits_fake) - torch.log(sigmoid(logits_real)).mean(), torch.float64)


def test_saturating_gradient_vanishes_where_non_saturating_does_not():
    # D confidently rejects the fakes: D(G(z)) = sigmoid(-8) ≈ 3e-4.
    l = torch.full((10, 1), -8.0, dtype=torch.float64, requires_grad=True)
    (g_sat,) = torch.autograd.grad(g_loss_saturating(l), l)
    (g_non,) = torch.autograd.grad(g_loss_non_saturating(l), l)
    assert g_sat.abs().max() < 1e-3 * g_non.abs().min()


def test_equilibrium_values():
    # At the optimum D = 1/2 everywhere: V = -2 ln 2 and the D loss is 2 ln 2.
    half = torch.zeros(8, 1, dtype=torch.float64)        # logit 0 <=> D = 1/2
    assert abs(value(half, half).item() + 2 * math.log(2)) < 1e-15
    assert abs(d_loss(half, half).item() - 2 * math.log(2)) < 1e-15
    assert abs(g_loss_non_saturating(half).item() - math.log(2)) < 1e-15


# ---- the other losses on D's logits, against torch's own functions -------------------------
def ONES(t):
    return torch.ones_like(t)

TORCH_LOSSES = {   # kind: (D on reals, D on fakes, G), each from torch.nn.functional
    "bce": (lambda l: F.binary_cross_entropy_with_logits(l, ONES(l)),
            lambda l: F.binary_cross_entropy_with_logits(l, 0 * l),
            lambda l: F.binary_cross_entropy_with_logits(l, ONES(l))),
    "lsgan": (lambda l: 0.5 * F.mse_loss(l, ONES(l)), lambda l: 0.5 * F.mse_loss(l, 0 * l),
              lambda l: 0.5 * F.mse_loss(l, ONES(l))),
    "hinge": (lambda l: F.hinge_embedding_loss(l, -ONES(l)), lambda l: F.hinge_embedding_loss(-l, -ONES(l)),
              lambda l: -l.mean()),
    "wgan-gp": (lambda l: -l.mean(), lambda l: l.mean(), lambda l: -l.mean()),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", list(TORCH_LOSSES))
def test_each_loss_and_its_hand_written_gradient_match_torch(kind, dtype):
    objective = make_game(kind)
    logits = (torch.randn(64, 1, generator=torch.Generator().manual_seed(2), dtype=dtype) * 3)
    tol = dict(atol=1e-6, rtol=1e-5) if dtype == torch.float32 else dict(atol=1e-12, rtol=1e-10)
    ours = (objective.real, objective.fake, objective.g)
    grads = (objective.real_grad, objective.fake_grad, objective.g_grad)
    for mine, hand, theirs in zip(ours, grads, TORCH_LOSSES[kind]):
        l1, l2 = logits.clone().requires_grad_(True), logits.clone().requires_grad_(True)
        value, expected = mine(l1), theirs(l2)
        torch.testing.assert_close(value, expected, **tol)
        (g_ours,) = torch.autograd.grad(value, l1)
        (g_torch,) = torch.autograd.grad(expected, l2)
        torch.testing.assert_close(g_ours, g_torch, **tol)
        torch.testing.assert_close(hand(logits), g_torch, **tol)


def test_hinge_gradient_at_the_kink_is_torchs():
    objective = make_game("hinge")
    logits = torch.tensor([[1.0], [-1.0], [0.0]], dtype=torch.float64, requires_grad=True)
    for hand, theirs in ((objective.real_grad, lambda l: F.relu(1 - l).mean()),
                         (objective.fake_grad, lambda l: F.relu(1 + l).mean())):
        (expected,) = torch.autograd.grad(theirs(logits), logits)
        assert torch.equal(hand(logits.detach()), expected)


def test_saturating_and_label_smoothed_bce_gradients_match_torch():
    logits = torch.randn(16, 1, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    for objective, theirs in (
            (make_game("bce", g_loss="saturating"), lambda l: -F.binary_cross_entropy_with_logits(l, 0 * l)),
            (make_game("bce", stable=False, g_loss="saturating"), lambda l: -F.binary_cross_entropy(torch.sigmoid(l), 0 * l))):
        l = logits.clone().requires_grad_(True)
        (expected,) = torch.autograd.grad(theirs(l), l)
        torch.testing.assert_close(objective.g_grad(logits), expected, atol=1e-12, rtol=1e-10)
    smoothed = make_game("bce", real_label=0.9)
    l = logits.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(l, torch.full_like(l, 0.9)), l)
    torch.testing.assert_close(smoothed.real_grad(logits), expected, atol=1e-12, rtol=1e-10)


def test_the_games_table_is_the_losses_list_and_an_unknown_name_raises():
    assert set(GAMES) == set(TORCH_LOSSES)              # each game has its torch check above
    with pytest.raises(ValueError, match="unknown loss 'bec': choose one of bce, lsgan, hinge, wgan-gp"):
        make_game("bec")
    with pytest.raises(ValueError, match="unknown generator loss"):
        make_game("bce", g_loss="nonsaturating")


def test_the_bce_game_plays_lesson_8s_losses():
    # the functions lesson 8 teaches are the ones the GAN step calls
    assert make_game("bce").g is g_loss_non_saturating
    assert make_game("bce", g_loss="saturating").g is g_loss_saturating
    logits_real, logits_fake = torch.randn(2, 8, 1, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    game = make_game("bce")
    assert game.real(logits_real) + game.fake(logits_fake) == d_loss(logits_real, logits_fake)
    torch.testing.assert_close(d_loss(logits_real, logits_fake), -value(logits_real, logits_fake), atol=1e-12, rtol=0)

import math

import torch

from ganlab.activations import sigmoid
from ganlab.losses import bce_with_logits
from ganlab.objective import d_loss, g_loss_non_saturating, g_loss_saturating, value
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

import pytest
import torch
import torch.nn.functional as F

from ganlab.dropout import Dropout
from ganlab.models import Discriminator
from test_gan import gan_of, SMALL, batches


def test_dropout_keeps_the_expected_value_and_drops_about_p():
    gen = torch.Generator().manual_seed(0)
    layer = Dropout(0.3, gen)
    x = torch.ones(400, 500, dtype=torch.float64)
    y = layer(x)
    dropped = (y == 0).double().mean().item()
    assert abs(dropped - 0.3) < 0.01
    assert abs(y.mean().item() - 1.0) < 0.01                        # E[y] = x
    assert set(torch.unique(y).tolist()) == {0.0, 1 / 0.7}


def test_dropout_backward_silences_the_same_units():
    layer = Dropout(0.5, torch.Generator().manual_seed(1))
    x = torch.randn(8, 6, requires_grad=True)
    y = layer(x)
    g = torch.randn_like(y)
    (auto,) = torch.autograd.grad(y, x, g)
    torch.testing.assert_close(layer.backward(g), auto)


def test_manual_and_autograd_agree_with_dropout_in_d():
    a = gan_of(**SMALL, dropout=0.3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    b = gan_of(**SMALL, dropout=0.3, dtype=torch.float64, generator=torch.Generator().manual_seed(1), manual_backward=True)
    for batch in batches(torch.float64, "cpu", steps=5):
        a.step(*batch)
        b.step(*batch)
    for pa, pb in zip(a.G.parameters() + a.D.parameters(), b.G.parameters() + b.D.parameters()):
        torch.testing.assert_close(pa, pb, atol=1e-12, rtol=1e-10)


def test_dropout_keys_follow_nn_sequential():
    from ganlab.reference.twin import twin_discriminator
    ours = gan_of(**SMALL, dropout=0.3).D.state_dict()
    theirs = twin_discriminator(SMALL["image_dim"], SMALL["hidden_dim"], dropout=0.3).state_dict()
    assert list(ours) == list(theirs) == ["0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"]


def test_minibatch_std_matches_autograd_and_torch_std():
    from ganlab.minibatch_std import MinibatchStd
    h = torch.randn(12, 5, dtype=torch.float64, requires_grad=True)
    layer = MinibatchStd()
    y = layer(h)
    assert y.shape == (12, 6)
    expected = h.std(dim=0, unbiased=False).mean()
    torch.testing.assert_close(y[:, 5], expected.expand(12), atol=1e-8, rtol=1e-8)
    g = torch.randn_like(y)
    (auto,) = torch.autograd.grad(y, h, g)
    torch.testing.assert_close(layer.backward(g), auto, atol=1e-12, rtol=1e-10)


def test_manual_and_autograd_agree_with_minibatch_std():
    kw = dict(**SMALL, dropout=0.3, minibatch_std=True, dtype=torch.float64)
    a = gan_of(**kw, generator=torch.Generator().manual_seed(1))
    b = gan_of(**kw, generator=torch.Generator().manual_seed(1), manual_backward=True)
    for batch in batches(torch.float64, "cpu", steps=5):
        a.step(*batch)
        b.step(*batch)
    for pa, pb in zip(a.G.parameters() + a.D.parameters(), b.G.parameters() + b.D.parameters()):
        torch.testing.assert_close(pa, pb, atol=1e-12, rtol=1e-10)


def test_eval_mode_passes_everything_through_as_nn_dropout_does():
    x = torch.randn(6, 5, dtype=torch.float64)
    ours, theirs = Dropout(0.5, torch.Generator().manual_seed(2)), torch.nn.Dropout(0.5)
    ours.eval(), theirs.eval()
    assert torch.equal(ours(x), theirs(x))
    g = torch.randn(6, 5, dtype=torch.float64)
    assert torch.equal(ours.backward(g), g)
    state = ours.rng.get_state()
    ours(x)
    assert torch.equal(ours.rng.get_state(), state)       # no random numbers drawn
    assert ours.train() is ours and ours.training and not torch.equal(ours(x), x)


def test_sequential_eval_switches_every_layer_and_back():
    D = Discriminator(**{k: SMALL[k] for k in ("image_dim", "hidden_dim")}, dropout=0.5, spectral_norm=True,
                      rng=torch.Generator().manual_seed(0))
    x = torch.randn(4, SMALL["image_dim"])
    D.eval()
    assert not any(layer.training for layer in D.layers)
    u = D.layers[0].u.clone()
    assert torch.equal(D(x), D(x))                               # no dropout, no power iteration
    assert torch.equal(D.layers[0].u, u)
    D.train()
    assert all(layer.training for layer in D.layers) and not torch.equal(D(x), D(x))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_has_the_statistics_of_f_dropout(p):
    """The same share dropped, the same scale for the kept units, and eval mode passes through."""
    x = torch.ones(1000, 1000)
    ours_layer = Dropout(p, torch.Generator().manual_seed(0))
    ours = ours_layer(x)
    torch.manual_seed(0)
    theirs = F.dropout(x, p=p, training=True)
    # one share of 1e6 Bernoulli draws has sd sqrt(p(1-p)/1e6) <= 5e-4; 0.003 is 4 sd of a difference
    assert abs((ours == 0).float().mean() - (theirs == 0).float().mean()) < 0.003
    torch.testing.assert_close(ours[ours != 0].unique(), theirs[theirs != 0].unique(), atol=0, rtol=0)
    ours_layer.eval()
    torch.testing.assert_close(ours_layer(x), F.dropout(x, p=p, training=False), atol=0, rtol=0)

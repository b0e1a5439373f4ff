"""``--diagnostics``: what it measures is what torch measures, and measuring changes nothing."""
import json

import pytest
import torch

from test_gan import gan_of
from ganlab.lab.training.config import make_config
from ganlab.lab.watching.diagnostics import Diagnostics, dead_share, hidden_activations
from ganlab.lab.training.train import train
from ganlab.reference.twin import TwinGAN
from same_weights import assert_same_weights, weights

SIZES = dict(latent_dim=8, hidden_dim=32, image_dim=49)


def probe(n=20, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(n, 49, generator=gen, dtype=torch.float64) * 2 - 1, torch.randn(n, 8, generator=gen, dtype=torch.float64)


def test_gradients_are_torchs_for_the_same_weights():
    # the nn twin (nn.Linear, nn.BCELoss on its Sigmoid) from the same weights: torch's own gradients
    gan = gan_of(**SIZES, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    twin = TwinGAN(**SIZES, dtype=torch.float64)
    twin.G.load_state_dict(gan.G.state_dict())
    twin.D.load_state_dict(gan.D.state_dict())
    x, z = probe()
    ours = Diagnostics(gan, x, z).gradients()
    bce = torch.nn.BCELoss()
    fakes = twin.G(z)
    d_loss = bce(twin.D(x), torch.ones(20, 1, dtype=torch.float64)) + bce(twin.D(fakes.detach()), torch.zeros(20, 1, dtype=torch.float64))
    g_loss = bce(twin.D(fakes), torch.ones(20, 1, dtype=torch.float64))
    d_W = torch.autograd.grad(d_loss, [twin.D[i].weight for i in (0, 2, 4)])
    g_W = torch.autograd.grad(g_loss, [twin.G[i].weight for i in (0, 2, 4)])
    for name, theirs in zip(["D.0", "D.2", "D.4", "G.0", "G.2", "G.4"], d_W + g_W):
        torch.testing.assert_close(ours[name], theirs, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("loss, real_label", [("bce", 0.9), ("hinge", 1.0), ("wgan-gp", 1.0)])
def test_gradients_are_those_of_the_game_the_run_plays(loss, real_label):
    # a label-smoothed, hinge or Wasserstein run reports the gradients of its own loss, in torch's
    # functions, through the twin's nn.Linear layers holding the same weights
    penalty = dict(gp=10.0) if loss == "wgan-gp" else {}           # the Wasserstein game comes with its penalty
    gan = gan_of(**SIZES, dtype=torch.float64, loss=loss, real_label=real_label, generator=torch.Generator().manual_seed(1),
                 **penalty)
    twin = TwinGAN(**SIZES, dtype=torch.float64)
    twin.G.load_state_dict(gan.G.state_dict())
    twin.D.load_state_dict(gan.D.state_dict())
    D = twin.D[:-1]                                         # the logit: the twin without its Sigmoid
    x, z = probe()
    ours = Diagnostics(gan, x, z).gradients()
    fakes = twin.G(z)
    real, fake, gen = D(x), D(fakes.detach()), D(fakes)
    F = torch.nn.functional
    d_loss, g_loss = {
        "bce": (F.binary_cross_entropy_with_logits(real, torch.full_like(real, real_label))
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)),
                F.binary_cross_entropy_with_logits(gen, torch.ones_like(gen))),
        "hinge": (F.relu(1 - real).mean() + F.relu(1 + fake).mean(), -gen.mean()),
        "wgan-gp": (fake.mean() - real.mean(), -gen.mean()),
    }[loss]
    d_W = torch.autograd.grad(d_loss, [twin.D[i].weight for i in (0, 2, 4)])
    g_W = torch.autograd.grad(g_loss, [twin.G[i].weight for i in (0, 2, 4)])
    for name, theirs in zip(["D.0", "D.2", "D.4", "G.0", "G.2", "G.4"], d_W + g_W):
        torch.testing.assert_close(ours[name], theirs, atol=1e-12, rtol=1e-10)


def test_activations_and_dead_units_match_torchs_forward():
    gan = gan_of(**SIZES, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    twin = TwinGAN(**SIZES, dtype=torch.float64)
    twin.D.load_state_dict(gan.D.state_dict())
    x, _ = probe()
    with torch.no_grad():
        theirs = twin.D[1](twin.D[0](x))                           # LeakyReLU(x W1ᵀ + b1)
    ours, kind = hidden_activations(gan.D, x)["1"]
    torch.testing.assert_close(ours, theirs, atol=1e-12, rtol=0)
    assert kind == "leaky"
    assert dead_share(ours, kind) == (theirs < 0).all(dim=0).double().mean().item()
    a = torch.tensor([[0.0, 1.0, -1.0], [0.0, -2.0, -3.0]])
    assert dead_share(a, "relu") == pytest.approx(2 / 3) and dead_share(a, "leaky") == pytest.approx(1 / 3)


def test_update_ratio_is_the_step_over_the_weight():
    gan = gan_of(**SIZES, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x, z = probe()
    diag = Diagnostics(gan, x, z)
    W_before = gan.D.layers[0].W.detach().clone()
    diag.before_step()
    gan.step(x, z, z)
    diag.after_step(1)
    expected = (torch.linalg.vector_norm(gan.D.layers[0].W - W_before) / torch.linalg.vector_norm(W_before)).item()
    assert diag.points[0]["update_ratio"]["D.0"] == pytest.approx(expected, rel=1e-12)
    assert 1e-5 < expected < 1e-1


@pytest.mark.parametrize("backend,conditional", [("autograd", False), ("manual", True)])
def test_a_run_with_diagnostics_is_the_same_run_and_writes_them(synthetic_data, tiny, tmp_path, backend, conditional):
    settings = dict(steps=20, backend=backend, conditional=conditional, **tiny)
    train(make_config(**settings), tmp_path / "plain", log=lambda s: None)
    train(make_config(**settings, diagnostics=True), tmp_path / "measured", log=lambda s: None)
    # measuring spends none of the run's random numbers and moves no weight
    assert_same_weights(weights(tmp_path / "plain/checkpoint.pt"), weights(tmp_path / "measured/checkpoint.pt"))
    points = json.loads((tmp_path / "measured/diagnostics.json").read_text())["points"]
    assert [p["step"] for p in points] == [5, 10, 15, 20]
    assert set(points[0]["update_ratio"]) == {"G.0", "G.2", "G.4", "D.0", "D.3", "D.6"}     # dropout after each LeakyReLU
    assert all(0 <= v <= 1 for p in points for v in p["dead_units"].values())
    assert (tmp_path / "measured/diagnostics.png").stat().st_size > 10_000
    assert not (tmp_path / "plain/diagnostics.png").exists()


def test_the_nn_backend_refuses_diagnostics_in_one_line():
    from click.testing import CliRunner
    from ganlab.lab.cli import main
    result = CliRunner().invoke(main, ["train", "--recipe", "classic", "--backend", "nn", "--diagnostics"])
    assert result.exit_code != 0 and "--diagnostics" in result.output and "Traceback" not in result.output

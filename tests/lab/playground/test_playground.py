"""The playground, driven without a browser: its buttons, its game, its pictures and its notebook."""
import os
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

pytest.importorskip("ipywidgets")

from ganlab.lab.playground import toy_data  # noqa: E402
from ganlab.lab.playground.game import PRESETS, Game2D, Settings, js_divergence  # noqa: E402
from ganlab.lab.playground.ui import Playground2D  # noqa: E402

SMALL = Settings(width=16, batch=64)


def snapshot(net):
    return [p.detach().clone() for p in net.parameters()]


def changed(net, before):
    return [not torch.equal(p, q) for p, q in zip(net.parameters(), before)]


def test_step_d_moves_only_d_and_step_g_only_g():
    ui = Playground2D(SMALL)
    G, D = ui.game.gan.G, ui.game.gan.D
    g0, d0 = snapshot(G), snapshot(D)
    ui.buttons["Step D"].click()
    assert all(changed(D, d0)) and not any(changed(G, g0))
    g1, d1 = snapshot(G), snapshot(D)
    ui.buttons["Step G"].click()
    assert all(changed(G, g1)) and not any(changed(D, d1))
    assert (ui.game.d_steps, ui.game.g_steps) == (1, 1)
    assert bytes(ui.image.value).startswith(b"\x89PNG")                       # the picture was redrawn


def test_step_both_takes_d_steps_then_one_g_step():
    ui = Playground2D(SMALL)
    ui.fields["d_steps"].value = 3
    ui.buttons["Step both"].click()
    assert (ui.game.d_steps, ui.game.g_steps) == (3, 1)


def test_play_runs_n_rounds_and_pause_stops_them():
    ui = Playground2D(SMALL)
    ui.player.play(rounds=7, every=lambda: 3)
    ui.player.thread.join(timeout=120)
    assert ui.game.g_steps == 7 and not ui.player.running
    ui.buttons["Play"].click()                                         # until paused
    deadline = time.time() + 60
    while ui.game.g_steps < 12 and time.time() < deadline:
        time.sleep(0.01)
    ui.buttons["Pause"].click()
    stopped_at = ui.game.g_steps
    assert stopped_at >= 12 and not ui.player.running
    time.sleep(0.3)
    assert ui.game.g_steps == stopped_at                               # nothing runs after Pause


LOSSES = {   # G's loss, as each paper writes it, on D's scores ℓ of G's fakes
    ("bce", "non_saturating"): lambda l: F.binary_cross_entropy_with_logits(l, torch.ones_like(l)),   # -log σ(ℓ)
    ("bce", "saturating"): lambda l: -F.binary_cross_entropy_with_logits(l, torch.zeros_like(l)),     # log(1 - σ(ℓ))
    ("lsgan", "non_saturating"): lambda l: 0.5 * F.mse_loss(l, torch.ones_like(l)),                   # ½ (ℓ - 1)²
    ("hinge", "non_saturating"): lambda l: -l.mean(),
    ("wgan-gp", "non_saturating"): lambda l: -l.mean(),
}


@pytest.mark.parametrize("loss", list(LOSSES), ids=lambda k: "-".join(k))
def test_changing_the_loss_changes_the_next_g_step_as_its_formula_says(loss):
    """Switched in the controls mid-game, the next Step G moves G by -η ∂L_G/∂θ of the new loss
    (plain SGD, η = 0.1), its gradient taken by torch from the loss as the papers write it."""
    ui = Playground2D(replace_settings(optimizer_g="sgd", beta1_g=0.0, lr_g=0.1))
    for _ in range(5):
        ui.buttons["Step both"].click()
    ui.fields["loss"].value = loss                                      # the new game, from the next step
    game = ui.game
    G, D = game.gan.G, game.gan.D
    rng = torch.Generator()
    rng.set_state(game.gen.get_state())                                 # the noise the next step draws
    z = torch.randn(game.settings.batch, game.settings.noise_dim, generator=rng)
    grads = torch.autograd.grad(LOSSES[loss](D(G(z))), list(G.parameters()))
    expected = [p.detach() - 0.1 * g for p, g in zip(G.parameters(), grads)]
    ui.buttons["Step G"].click()
    for p, e in zip(G.parameters(), expected):
        torch.testing.assert_close(p.detach(), e, rtol=1e-5, atol=1e-7)


def replace_settings(**changes):
    from dataclasses import replace
    return replace(SMALL, **changes)


def test_a_setting_of_the_networks_waits_for_reset():
    ui = Playground2D(SMALL)
    ui.fields["width"].value = 8
    assert ui.game.gan.G.parameters()[0].shape[0] == 16 and "Reset" in ui.status.value
    ui.buttons["Reset"].click()
    assert ui.game.gan.G.parameters()[0].shape[0] == 8 and ui.game.g_steps == 0
    with pytest.raises(ValueError, match="width take effect at Reset"):
        ui.game.change(width=4)


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_loads_and_plays_50_rounds(name):
    ui = Playground2D(SMALL)
    ui.preset.value = name
    ui.load.click()
    settings, watch = PRESETS[name]
    assert ui.game.settings == settings and name in ui.status.value and watch in ui.status.value
    assert ui.fields["lr_g"].value == pytest.approx(settings.lr_g)    # the controls show the preset
    ui.player.play(rounds=50, every=lambda: 25)
    ui.player.thread.join(timeout=300)
    assert ui.game.g_steps == 50 and ui.game.d_steps == 50 * settings.d_steps
    played = [p for p in ui.game.history if p["g_steps"]]              # g_loss exists from G's first step
    assert all(np.isfinite([p["d_loss"], p["g_loss"], p["d_real"], p["d_fake"], p["jsd"]]).all() for p in played)


def test_the_default_game_learns_the_ring():
    """Ring, default settings, seed 0: G reaches all 8 blobs by 2,000 rounds (7 at 1,750)."""
    game = Game2D(Settings())
    start = game.jsd()
    for _ in range(2000):
        game.step()
    assert toy_data.modes_covered(game.fakes()) == 8 and game.jsd() < start / 2


def test_the_jensen_shannon_divergence_is_scipys():
    from scipy.spatial.distance import jensenshannon
    gen = torch.Generator().manual_seed(0)
    a, b = toy_data.ring(3000, gen), toy_data.moons(3000, gen)
    p = np.histogram2d(*a.double().numpy().T, bins=30, range=[[-1, 1], [-1, 1]])[0].flatten()
    q = np.histogram2d(*b.double().numpy().T, bins=30, range=[[-1, 1], [-1, 1]])[0].flatten()
    assert js_divergence(a, b) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-5)   # scipy: √JSD, in nats
    assert js_divergence(a, a) == pytest.approx(0, abs=1e-7)
    assert js_divergence(a, a + 5) == pytest.approx(0.6931, abs=1e-3)   # apart: log 2 (clamped to the edge)


def test_the_arrows_are_minus_the_gradient_of_gs_loss_at_each_fake():
    game = Game2D(SMALL)
    x, arrows = game.pushes(n=10)
    x = x.clone().requires_grad_(True)
    logits = game.gan.D(x)
    (grad,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), reduction="sum"), x)
    torch.testing.assert_close(arrows, -grad, rtol=1e-5, atol=1e-7)


def test_the_surface_is_ds_probability_on_the_plane():
    game = Game2D(SMALL)
    surface = game.surface(n=5)                                          # rows: y, columns: x
    point = torch.tensor([[1.0, -0.5]])                                  # x = 1 (column 4), y = -0.5 (row 1)
    assert surface[1, 4].item() == pytest.approx(torch.sigmoid(game.gan.D(point)).item(), rel=1e-6)


def test_own_points_from_a_csv(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "\n".join(f"{i},{2 * i}" for i in range(10)))
    points = toy_data.read_points(csv)
    assert points.shape == (10, 2)
    drawn = toy_data.points(points)(500, torch.Generator().manual_seed(0))
    assert drawn.abs().max() == pytest.approx(0.8) and (drawn[:, 1] - drawn[:, 1].mean()).abs().max() > 0.7
    (tmp_path / "bad.csv").write_text("1,2\n3,x\n")
    with pytest.raises(ValueError, match="two numbers"):
        toy_data.read_points(tmp_path / "bad.csv")
    game = Game2D(Settings(data="own", width=16), own_points=points)
    game.step()
    assert game.real.abs().max() <= 0.8 + 1e-6


def test_the_ring_is_lesson_11s():
    """The data lesson 11 drew by hand: a centre picked uniformly, then Gaussian noise of std 0.04."""
    gen, again = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    angles = torch.arange(8) * 2 * torch.pi / 8
    centres = 0.7 * torch.stack([angles.cos(), angles.sin()], dim=1)
    which = torch.randint(8, (100,), generator=again)
    torch.testing.assert_close(toy_data.ring(100, gen), centres[which] + 0.04 * torch.randn(100, 2, generator=again))


def test_the_mnist_game_steps_and_reads_its_grid():
    from ganlab.lab.evaluation.classifier import load_scorer
    from ganlab.lab.playground.ui import PlaygroundDigits
    ui = PlaygroundDigits(scorer=load_scorer("mnist-sample", log=lambda s: None))
    G, D = ui.game.gan.G, ui.game.gan.D
    g0, d0 = snapshot(G), snapshot(D)
    ui.buttons["Step D"].click()
    assert all(changed(D, d0)) and not any(changed(G, g0))
    ui.fields["lr_d"].value = 1e-3
    assert ui.game.gan.opt_D.lr == pytest.approx(1e-3)
    ui.buttons["Step both"].click()
    images, digits = ui.game.grid()
    assert images.shape == (64, 784) and digits.shape == (64,) and bytes(ui.image.value).startswith(b"\x89PNG")
    ui.fields["seed"].value = 1
    ui.buttons["Reset"].click()                                          # starts again, with the new seed
    assert ui.game.g_steps == 0 and ui.game.settings.seed == 1 and ui.game.settings.lr_d == pytest.approx(1e-3)


def test_the_notebook_runs_top_to_bottom_in_a_real_kernel(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    from ganlab.lab.teaching.notebook import write_playground
    notebook = nbformat.read(str(write_playground(tmp_path)), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute(env={**os.environ, "MPLBACKEND": "Agg"})
    shown = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(shown) == 3                                                # the two 2-D games and the MNIST game
    assert not [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def test_ganlab_playground_writes_the_notebook_and_refuses_to_overwrite(tmp_path):
    from click.testing import CliRunner

    from ganlab.lab.cli import main
    out = tmp_path / "nb"
    first = CliRunner().invoke(main, ["playground", "--notebook", str(out)])
    assert first.exit_code == 0 and f"jupyter lab {out / 'playground.ipynb'}" in first.output
    (out / "playground.ipynb").write_text("my edits")
    second = CliRunner().invoke(main, ["playground", "--notebook", str(out)])
    assert second.exit_code != 0 and "already exists" in second.output
    assert (out / "playground.ipynb").read_text() == "my edits"


def test_points_placed_by_hand_are_the_real_data_from_the_next_step_on_and_after_reset():
    from ganlab.lab.playground.ui import Playground2D, plane_point
    playground = Playground2D()
    x0, y0, width, height = playground.plane
    click = dict(type="mousedown", buttons=1, boundingRectWidth=1000, boundingRectHeight=500,
                 relativeX=(x0 + 0.75 * width) * 1000, relativeY=(1 - (y0 + 0.25 * height)) * 500)
    assert plane_point(click, playground.plane) == pytest.approx((0.5, -0.5))
    assert plane_point(dict(click, relativeX=0), playground.plane) is None               # off the plane
    playground.pointed(click)                                    # "Place points" is off: nothing happens
    assert playground.game.settings.data == "ring"
    playground.placing.value = True
    playground.pointed(click)
    playground.pointed(dict(click, type="mousemove", buttons=0))          # a move without the button: nothing
    game = playground.game
    assert game.settings.data == "own" and game.real.shape == (20, 2)
    assert (game.real.mean(0) - torch.tensor([0.5, -0.5])).abs().max() < 0.05
    assert (game.real_batch() - torch.tensor([0.5, -0.5])).abs().max() < 0.2    # the batches D sees are those
    playground.reset()                                            # a new game keeps the placed points
    assert game.settings.data == "own" and (game.real.mean(0) - torch.tensor([0.5, -0.5])).abs().max() < 0.05


def test_a_port_that_is_taken_is_refused_in_one_line():
    import socket
    from click.testing import CliRunner

    from ganlab.lab.cli import main
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["playground", "--no-browser", "--port", str(port)])
    assert result.exit_code == 1 and result.output.strip() == f"error: port {port} is taken (another playground?): " \
        "choose another with --port"

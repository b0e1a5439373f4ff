"""``ganlab train --tensorboard``: what the event files hold, read back with TensorBoard's own
reader and compared with the run's history.json, epoch grids and diagnostics.json; the
option refused in one line without the package; the real dashboard, in headless Chromium."""
import json
import shutil
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ganlab.lab.cli import main

TINY = ["--latent-dim", "8", "--hidden-dim", "16", "--batch-size", "20", "--log-every", "5", "--device", "cpu"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def read_events(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    events.Reload()
    return events


@pytest.fixture
def board_run(synthetic_data, tmp_path):
    """25 steps (2.5 epochs of 200 images) with diagnostics, logged for TensorBoard beside the run."""
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--steps", "25", "--out", str(out), "--diagnostics",
                                       "--tensorboard", *TINY])
    assert result.exit_code == 0, result.output
    assert f"tensorboard --logdir {out / 'tensorboard'}" in result.output
    return out


def test_the_scalars_are_the_history_at_its_steps(board_run):
    events = read_events(board_run / "tensorboard")
    history = json.loads((board_run / "history.json").read_text())
    assert [p["step"] for p in history] == [5, 10, 15, 20, 25]
    for tag, key in [("d_loss", "d_loss"), ("g_loss", "g_loss"), ("D(x)", "d_real"), ("D(G(z))", "d_fake")]:
        scalars = events.Scalars(tag)
        assert [s.step for s in scalars] == [p["step"] for p in history], tag
        # event files store float32
        np.testing.assert_allclose([s.value for s in scalars], [p[key] for p in history], rtol=1e-6, err_msg=tag)


def test_each_epoch_grid_is_the_saved_grid(board_run):
    images = read_events(board_run / "tensorboard").Images("samples/fixed noise")
    assert [i.step for i in images] == [10, 20]                         # 10 steps an epoch
    for image, epoch in zip(images, (1, 2)):
        import io
        logged = np.asarray(Image.open(io.BytesIO(image.encoded_image_string)).convert("L"))
        saved = np.asarray(Image.open(board_run / f"epoch-{epoch:03d}.png").convert("L"))
        assert saved.shape == (3 * logged.shape[0], 3 * logged.shape[1])   # saved 3x, pixel for pixel
        np.testing.assert_array_equal(saved[::3, ::3], logged)


def test_the_diagnostics_and_the_settings_are_logged(board_run):
    events = read_events(board_run / "tensorboard")
    points = json.loads((board_run / "diagnostics.json").read_text())["points"]
    assert points
    tags = events.Tags()["scalars"]
    for measure in ("update_ratio", "dead_units", "activation_std", "grad_norm"):
        for layer, value in points[-1][measure].items():
            tag = f"diagnostics/{measure}/{layer}"
            assert tag in tags
            last = events.Scalars(tag)[-1]
            assert last.step == points[-1]["step"] and last.value == pytest.approx(value, rel=1e-6, abs=1e-12)
    config = json.loads((board_run / "config.json").read_text())
    text = events.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert f"| hidden_dim | {config['hidden_dim']} |" in text and f"| lr | {config['lr']} |" in text


def test_without_tensorboard_the_option_is_refused_in_one_line_and_nothing_is_written(synthetic_data, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)      # as if it were not installed
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--steps", "5", "--out", str(out), "--tensorboard", *TINY])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == \
        'error: --tensorboard needs the tensorboard package: pip install tensorboard (or pip install -e ".[tensorboard]")'
    assert not out.exists()


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt install chromium)")
def test_the_real_dashboard_lists_the_losses(board_run, tmp_path):
    from playwright.sync_api import sync_playwright
    from ganlab.lab.watching.tensorboard import dashboard
    with dashboard(board_run / "tensorboard") as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                       "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url + "#timeseries", timeout=60_000)
            page.get_by_text("d_loss", exact=True).first.wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "tensorboard.png"))
            browser.close()
    assert (tmp_path / "tensorboard.png").stat().st_size > 10_000

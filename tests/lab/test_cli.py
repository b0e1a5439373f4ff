"""The command line through click's test runner: exit codes, one-line errors, files written."""
import json
import re

import pytest
import torch
from click.testing import CliRunner

from ganlab.lab.training.checkpoint import load_checkpoint
from ganlab.lab.cli import main
from parity import needs_compiler

TINY = ["--latent-dim", "8", "--hidden-dim", "16", "--batch-size", "20", "--log-every", "5", "--device", "cpu"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line_error(result, fragment):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and fragment in lines[0], result.output


@pytest.fixture
def trained(synthetic_data, tmp_path):
    out = tmp_path / "run"
    result = run("train", "--steps", 20, "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    return out


def test_train_logs_the_seeds_columns_and_writes_outputs(trained):
    assert (trained / "checkpoint.pt").exists() and (trained / "samples.png").exists()


def test_train_log_lines(synthetic_data, tmp_path):
    result = run("train", "--steps", 10, "--out", tmp_path / "r", *TINY)
    lines = [line for line in result.output.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2
    assert re.search(r"epoch\s+1\.00\s+step\s+10\s+d_loss \d+\.\d+\s+g_loss \d+\.\d+\s+D\(x\) 0\.\d+\s+D\(G\(z\)\) 0\.\d+", lines[1])


def test_sample_png_and_pt(trained, tmp_path):
    ckpt = trained / "checkpoint.pt"
    assert run("sample", ckpt, "--out", tmp_path / "grid.png", "--n", 16).exit_code == 0
    assert (tmp_path / "grid.png").stat().st_size > 0
    assert run("sample", ckpt, "--out", tmp_path / "x.pt", "--n", 10, "--seed", 3).exit_code == 0
    x = torch.load(tmp_path / "x.pt", weights_only=True)
    assert x.shape == (10, 1, 28, 28) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1
    run("sample", ckpt, "--out", tmp_path / "y.pt", "--n", 10, "--seed", 3)
    assert torch.equal(x, torch.load(tmp_path / "y.pt", weights_only=True))     # same seed, same images
    assert run("sample", ckpt, "--out", tmp_path / "walk.png", "--interpolate").exit_code == 0
    assert (tmp_path / "walk.png").exists()


@pytest.mark.parametrize("arch,steps", [("mlp", 20), ("dcgan", 3), ("mlp-dcgan-d", 3)])
def test_compare_reports_tiny_differences(synthetic_data, tmp_path, arch, steps):
    result = run("compare", "--steps", steps, "--device", "cpu", "--out", tmp_path, "--arch", arch)
    assert result.exit_code == 0, result.output
    assert f"autograd, {arch})" in result.output
    diffs = [float(m) for m in re.findall(r"^\s+\w+\s+([\d.]+e[-+]\d+)", result.output, re.M)]
    *stats, params = diffs
    assert len(stats) == 4 and max(stats) < (1e-5 if arch == "mlp" else 1e-4)     # convolutions: longer sums
    # Adam moves a weight by about lr whatever its gradient's size: where a gradient is ~0, float32
    # rounding can flip its sign, and the weight moves lr one way in one and the other way in the other
    assert params < 2 * 2e-4
    assert (tmp_path / "compare.png").exists()


@pytest.mark.parametrize("args,fragment", [
    (["--steps", "-5"], "--steps"),
    (["--steps", "0"], "--steps"),                   # not read as "use --epochs"
    (["--epochs", "0"], "--epochs"),
    (["--batch-size", "0"], "batch-size must be positive"),
    (["--lr", "0"], "lr must be positive"),
    (["--lr", "-1e-3"], "lr must be positive"),
    (["--dataset", "cifar"], "is not one of"),
    (["--recipe", "classic", "--backend", "nn", "--compile"], "--backend nn does not do --compile"),
    (["--backend", "manual", "--r1", "1"], "second derivatives"),
    (["--backend", "nn", "--translation", "0.1", "--no-stable-loss"], "nn twin is the classic GAN"),
    (["--loss", "wgan-gp", "--real-label", "1", "--gp", "10", "--compile"], "--compile"),
    (["--translation", "0.6"], "--translation"),
])
def test_train_bad_values(args, fragment, synthetic_data, tmp_path):
    assert_one_line_error(run("train", "--out", tmp_path / "r", *args), fragment)


@pytest.mark.parametrize("command", [["train"], ["compare"], ["lesson", "1"]])
def test_every_command_offers_the_same_devices_and_refuses_others_in_one_line(command):
    from ganlab.device import DEVICES
    assert_one_line_error(run(*command, "--device", "tpu"), f"is not one of {', '.join(map(repr, DEVICES))}")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu(synthetic_data, tmp_path):
    assert_one_line_error(run("train", "--steps", 5, "--out", tmp_path / "r", "--device", "cuda"), "no CUDA GPU")


def test_out_that_is_a_file(synthetic_data, tmp_path):
    f = tmp_path / "file"
    f.write_text("keep me")
    assert_one_line_error(run("train", "--steps", 5, "--out", f, *TINY), "is a file")
    assert f.read_text() == "keep me"


def test_non_empty_out_is_refused_and_kept(trained):
    before = (trained / "checkpoint.pt").read_bytes()
    assert_one_line_error(run("train", "--steps", 5, "--out", trained, *TINY), "holds a run already")
    assert (trained / "checkpoint.pt").read_bytes() == before


def test_resume_continues_to_the_new_length(trained):
    result = run("train", "--steps", 30, "--out", trained, "--resume", *TINY)
    assert result.exit_code == 0, result.output
    assert "step     30" in result.output and "step     15" not in result.output


def test_resume_keeps_the_saved_settings_it_is_not_given(synthetic_data, tmp_path):
    # a 30-step DCGAN run (its recipe turns --fast-conv on) stopped at 10 steps, as by Ctrl-C
    out = tmp_path / "run"
    assert run("train", "--recipe", "dcgan", "--steps", 10, "--out", out, *TINY).exit_code == 0
    state = load_checkpoint(out / "checkpoint.pt")
    state["config"]["steps"] = 30
    torch.save(state, out / "checkpoint.pt")
    result = run("train", "--out", out, "--resume")          # the way the stop message says to go on
    assert result.exit_code == 0, result.output
    saved = load_checkpoint(out / "checkpoint.pt")
    assert saved["step"] == 30                               # not the 30 epochs of a new run's default
    assert saved["config"]["fast_conv"] and saved["config"]["arch"] == "dcgan"
    assert run("train", "--out", out, "--resume", "--steps", 35, "--no-fast-conv").exit_code == 0
    assert not load_checkpoint(out / "checkpoint.pt")["config"]["fast_conv"]


def test_resume_refuses_a_changed_setting_and_keeps_the_run(trained):
    # the run's own settings may be repeated; a new value is refused, never dropped
    assert run("train", "--steps", 25, "--out", trained, "--resume", *TINY).exit_code == 0
    before = (trained / "checkpoint.pt").read_bytes()
    assert_one_line_error(run("train", "--steps", 30, "--out", trained, "--resume", "--lr", 0.1),
                          "--lr differs from them")
    assert_one_line_error(run("train", "--out", trained, "--resume", "--recipe", "classic", "--batch-size", 5),
                          "--recipe, --batch-size differ")
    assert (trained / "checkpoint.pt").read_bytes() == before


def test_sample_errors(trained, tmp_path):
    assert_one_line_error(run("sample", tmp_path / "missing.pt"), "no checkpoint")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    assert_one_line_error(run("sample", bad), "not a readable checkpoint")
    assert_one_line_error(run("sample", trained / "checkpoint.pt", "--out", tmp_path / "x.jpg"), ".png or .pt")


def test_unwritable_out(synthetic_data, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    assert_one_line_error(run("train", "--steps", 5, "--out", blocker / "sub", *TINY), "error:")
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("args,fragment", [
    (["sample", "x.pt", "--n", "0"], "--n"),
    (["compare", "--steps", "0"], "--steps"),
    (["train", "--epochs", "abc"], "--epochs"),
    (["train", "--backend", "jax"], "--backend"),
    (["lesson-that-does-not-exist"], "No such command"),
    (["lesson", "1", "--bogus"], "No such option"),     # not silently ignored
    (["train", "--loss", "l1"], "--loss"),
])
def test_usage_errors_are_one_line_too(args, fragment):
    result = run(*args)
    assert result.exit_code == 2
    assert "Usage:" not in result.output
    assert_one_line_error(result, fragment)


def test_checkpoint_from_another_architecture_is_a_clear_mismatch(trained, tmp_path):
    from ganlab.lab.training.checkpoint import load_checkpoint, save_checkpoint
    ckpt = load_checkpoint(trained / "checkpoint.pt")
    ckpt["config"]["hidden_dim"] = 64                      # the weights are for 16 units
    save_checkpoint(ckpt, tmp_path / "other.pt")
    assert_one_line_error(run("sample", tmp_path / "other.pt", "--out", tmp_path / "x.png"), "does not match")
    assert not (tmp_path / "x.png").exists()


@pytest.fixture
def trained_conditional(synthetic_data, tmp_path):
    out = tmp_path / "conditional"
    result = run("train", "--conditional", "--steps", 20, "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    return out / "checkpoint.pt"


def test_conditional_sample_draws_the_asked_for_digit_or_every_digit_in_a_square_grid(trained_conditional, tmp_path):
    assert run("sample", trained_conditional, "--digit", 7, "--n", 5, "--out", tmp_path / "sevens.pt").exit_code == 0
    assert torch.load(tmp_path / "sevens.pt").shape == (5, 1, 28, 28)
    assert run("sample", trained_conditional, "--n", 25, "--out", tmp_path / "rows.pt").exit_code == 0
    rows = torch.load(tmp_path / "rows.pt")
    assert rows.shape == (30, 1, 28, 28)                       # --n 25: 3 of each of the 10 digits
    assert not torch.equal(rows[:3], rows[3:6])                # same noise, another digit: another image
    from PIL import Image
    assert run("sample", trained_conditional, "--out", tmp_path / "rows.png").exit_code == 0
    width, height = Image.open(tmp_path / "rows.png").size
    assert height > width                                      # the default, 80: 10 rows of 8
    for n, images in ((100, 100), (1000, 1020)):                # 10 x 10; 30 rows (3 per digit) of 34
        assert run("sample", trained_conditional, "--n", n, "--out", tmp_path / f"{n}.png").exit_code == 0
        assert run("sample", trained_conditional, "--n", n, "--out", tmp_path / f"{n}.pt").exit_code == 0
        assert len(torch.load(tmp_path / f"{n}.pt")) == images
        width, height = Image.open(tmp_path / f"{n}.png").size
        assert 0.8 < width / height < 1.25, (n, width, height)  # as square as ten digits allow


@pytest.mark.parametrize("command", [("sample", "--n", 10_000_000), ("sample", "--n", 200_000, "--out", "x.pt"),
                                     ("evaluate", "--n", 10_000_000)])
def test_more_samples_than_memory_allows_are_refused_in_one_line(trained, command, tmp_path):
    name, *options = command
    result = run(name, trained / "checkpoint.pt", *[str(tmp_path / o) if o == "x.pt" else o for o in options])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1, result.output
    assert "10,000" in result.output or "100,000" in result.output or "100000" in result.output


def test_evaluate_refuses_images_that_are_not_finite_in_one_line(tmp_path):
    images = torch.rand(200, 1, 28, 28) * 2 - 1
    images[3, 0, 5, 5] = float("nan")
    torch.save(images, tmp_path / "x.pt")
    assert_one_line_error(run("evaluate", tmp_path / "x.pt", "--n", 100, "--dataset", "mnist"),
                          "1 of 156,800 pixel values are not finite")


def test_a_conditional_dcgan_trains_and_draws_the_asked_for_digit_from_its_checkpoint(synthetic_data, tmp_path):
    out = tmp_path / "cdcgan"
    assert run("train", "--recipe", "dcgan", "--conditional", "--steps", 10, "--out", out, *TINY).exit_code == 0
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert ckpt["model"]["D"]["embed"].shape == (10, 8 * 7 * 7)          # V: one direction per digit
    assert run("sample", out / "checkpoint.pt", "--digit", 3, "--n", 4, "--out", tmp_path / "threes.pt").exit_code == 0
    assert run("sample", out / "checkpoint.pt", "--digit", 5, "--n", 4, "--out", tmp_path / "fives.pt").exit_code == 0
    threes, fives = torch.load(tmp_path / "threes.pt"), torch.load(tmp_path / "fives.pt")
    assert threes.shape == (4, 1, 28, 28) and (threes - fives).abs().max() > 1e-3    # same noise, another digit


def test_digit_errors(trained, trained_conditional):
    assert_one_line_error(run("sample", trained / "checkpoint.pt", "--digit", 3), "not conditional")
    assert_one_line_error(run("sample", trained_conditional, "--digit", 12), "--digit must be 0 to 9")


@needs_compiler
def test_resume_with_compile_continues_the_same_run(trained, tmp_path):
    import shutil
    twin = tmp_path / "twin"
    shutil.copytree(trained, twin)
    assert run("train", "--steps", 30, "--out", trained, "--resume", *TINY).exit_code == 0
    result = run("train", "--steps", 30, "--out", twin, "--resume", "--compile", *TINY)
    assert result.exit_code == 0, result.output
    assert "step     30" in result.output
    eager, fused = (torch.load(d / "checkpoint.pt", weights_only=True) for d in (trained, twin))
    assert fused["config"]["compile"] and not eager["config"]["compile"]
    for name, tensor in eager["model"]["G"].items():
        torch.testing.assert_close(fused["model"]["G"][name], tensor, atol=1e-5, rtol=1e-4)


def test_ganlab_alone_prints_its_help():
    result = run()
    assert result.exit_code == 0 and "Commands:" in result.output and "train" in result.output


def test_evaluate_refuses_a_corrupt_file_and_pickled_code_in_one_line(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a tensor file")
    assert_one_line_error(run("evaluate", bad), "not a readable checkpoint")
    code = tmp_path / "code.pt"
    torch.save({"model": {}, "config": {}, "hook": print}, code)     # pickles a reference to code
    assert_one_line_error(run("evaluate", code), "refusing to load it")


def test_cli_sets_what_the_lessons_teach(synthetic_data, tmp_path):
    out = tmp_path / "r"
    result = run("train", "--steps", 5, "--out", out, *TINY, "--g-loss", "saturating", "--beta1", "0.7",
                 "--beta2", "0.99", "--real-label", "0.8", "--no-stable-loss", "--loss", "bce",
                 "--lr-d", "1e-4", "--lr-g", "3e-4", "--translation", "0.1", "--cutout", "0.25", "--r1", "0.5",
                 "--r1-every", "4", "--spectral-norm")
    assert result.exit_code == 0, result.output
    import json
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["g_loss"], cfg["beta1"], cfg["beta2"], cfg["real_label"], cfg["stable_loss"]) == ("saturating", 0.7, 0.99, 0.8, False)
    assert (cfg["lr_d"], cfg["lr_g"], cfg["translation"], cfg["cutout"], cfg["r1"], cfg["r1_every"], cfg["spectral_norm"]) == \
        (1e-4, 3e-4, 0.1, 0.25, 0.5, 4, True)


def test_without_out_each_run_gets_a_fresh_folder(synthetic_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for expected in ("train", "train-2"):
        result = run("train", "--steps", 5, *TINY)
        assert result.exit_code == 0, result.output
        assert (tmp_path / "ganlab-out" / expected / "checkpoint.pt").exists()
        assert f"ganlab-out/{expected}" in result.output
    assert_one_line_error(run("train", "--steps", 5, "--resume", *TINY), "--resume needs")


@pytest.mark.parametrize("code", [
    "from ganlab.lab.cli import main; main(['--help'])",
    "from ganlab.lab.cli import main; main(['lessons'])",
    "from ganlab.lab.cli import main; main([])",
])
def test_help_and_the_lesson_list_answer_without_loading_torch(code):
    import subprocess
    import sys
    probe = f"import sys\ntry:\n    {code}\nexcept SystemExit:\n    pass\nprint('LOADED', 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "LOADED False" in out


def test_the_training_loop_loads_torchvision_and_matplotlib_only_when_drawing():
    import subprocess
    import sys
    probe = "import sys, ganlab.lab.training.train\nprint('LOADED', 'torchvision' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "LOADED False False" in out


def test_every_config_field_is_a_train_option_and_every_option_a_field():
    from dataclasses import fields
    from ganlab.lab.cli import train
    from ganlab.lab.training.config import Config
    where = {"out_dir", "resume", "overwrite", "tensorboard_dir", "dry_run"}   # where the run goes, not what it is
    options = {p.name for p in train.params} - where
    not_options = {"image_dim", "cluster_shares"}    # fixed by the data: 28 x 28, and --clusters' k-means
    assert options == {f.name for f in fields(Config)} - not_options


def test_every_default_in_train_help_is_the_recipes():
    import re
    from ganlab.lab.cli import train
    from ganlab.lab.training.config import make_config
    for param in train.params:
        if param.name in ("out_dir", "resume", "overwrite", "recipe", "tensorboard_dir", "dry_run"):
            continue
        default = re.search(r"\[default: ([^;\]]+)", param.help).group(1)
        for recipe, shown in [("ganlab", default)] + re.findall(r"; (quick|dcgan|classic) ([^;\]]+)", param.help):
            value = getattr(make_config(recipe), param.name)
            expected = {True: "on", False: "off", None: "none", "": "none"}.get(value, value) \
                if isinstance(value, bool | str) or value is None else f"{value:g}"
            assert shown == expected, f"--{param.name}: help says {shown}, the {recipe} recipe has {expected}"
    spectral = next(p for p in train.params if p.name == "spectral_norm").help
    assert "[default: on; dcgan off; classic off]" in spectral and "with --" not in spectral      # recipes, no rules


def test_a_self_conditioned_gan_draws_its_clusters_with_their_shares_and_takes_no_digit(synthetic_data, tmp_path):
    from ganlab.lab.evaluation.evaluate import load_samples
    from ganlab.lab.training.conditioning import Conditioning
    from ganlab.lab.training.sampling import load_generator
    out = tmp_path / "clusters"
    assert run("train", "--conditional", "--clusters", 4, "--steps", 10, "--out", out, *TINY).exit_code == 0
    ckpt = out / "checkpoint.pt"
    assert_one_line_error(run("sample", ckpt, "--digit", 3), "k-means clusters")
    assert run("sample", ckpt, "--out", tmp_path / "mix.pt").exit_code == 0
    assert torch.load(tmp_path / "mix.pt").shape == (64, 1, 28, 28)       # one mixed grid, not a block per cluster
    _, cfg = load_generator(ckpt)
    drawn = Conditioning.of(cfg).labels(20_000)
    shares = torch.bincount(drawn, minlength=4).double() / len(drawn)
    torch.testing.assert_close(shares, torch.tensor(cfg.cluster_shares, dtype=torch.float64), atol=0.015, rtol=0)
    images, labels = load_samples(ckpt, n=50)
    assert images.shape == (50, 784) and labels is None                   # no digit to agree with


# ---- nothing already written changes unless asked; every bad input gets one line -------------
def test_sample_never_writes_over_a_file_it_did_not_write(trained, tmp_path):
    ckpt = trained / "checkpoint.pt"
    before = ckpt.read_bytes()
    figure = (trained / "samples.png").read_bytes()
    assert_one_line_error(run("sample", ckpt, "--out", ckpt), "not written by ganlab sample")
    assert_one_line_error(run("sample", ckpt, "--out", trained / "samples.png"), "not written by ganlab sample")
    assert_one_line_error(run("sample", ckpt, "--interpolate", "--out", trained / "samples.png"), "not written by")
    assert ckpt.read_bytes() == before and (trained / "samples.png").read_bytes() == figure
    for name in ("grid.png", "GRID.PNG", "images.pt"):        # its own earlier output may be replaced
        assert run("sample", ckpt, "--out", tmp_path / name).exit_code == 0
        assert run("sample", ckpt, "--out", tmp_path / name, "--seed", 1).exit_code == 0


def test_resume_to_fewer_steps_than_done_is_refused_and_keeps_config_json(trained):
    before = (trained / "config.json").read_text()
    assert_one_line_error(run("train", "--out", trained, "--resume", "--steps", 10), "at step 20 already")
    assert_one_line_error(run("train", "--out", trained, "--resume", "--steps", 20), "at step 20 already")
    assert (trained / "config.json").read_text() == before


def test_resume_on_other_data_is_refused(trained, monkeypatch):
    import ganlab.lab.training.train
    from conftest import synthetic_dataset
    monkeypatch.setattr(ganlab.lab.training.train, "load_dataset", lambda name, data_dir, device: synthetic_dataset(seed=1))
    assert_one_line_error(run("train", "--out", trained, "--resume", "--steps", 30), "other data")


def test_a_hand_edited_config_json_is_not_ignored_or_overwritten(trained):
    edited = json.loads((trained / "config.json").read_text()) | {"lr": 0.5}
    (trained / "config.json").write_text(json.dumps(edited))
    assert_one_line_error(run("train", "--out", trained, "--resume", "--steps", 30), "differs from the settings")
    assert json.loads((trained / "config.json").read_text())["lr"] == 0.5


@pytest.mark.parametrize("args,fragment", [
    (["--real-label", 5], "--real-label"),
    (["--seed", 10**23], "--seed"),
    (["--out", ""], "--out is empty"),
    (["--sample-n", 0], "--sample-n"),
    (["--data-dir", "no-such-folder"], "--data-dir no-such-folder is not a folder"),
])
def test_settings_out_of_range_are_refused_in_one_line(args, fragment, synthetic_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("train", "--steps", 5, *TINY, *(["--out", tmp_path / "run"] if "--out" not in args else []), *args)
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "no-such-folder").exists()                 # a typo is never created


def test_a_folder_a_failed_run_left_says_overwrite_not_resume(synthetic_data, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert_one_line_error(run("train", "--steps", 5, "--out", tmp_path, *TINY), "--overwrite")


def test_sample_truncation_that_is_not_a_number_and_a_file_in_the_way(trained, tmp_path):
    assert_one_line_error(run("sample", trained / "checkpoint.pt", "--truncation", "nan"), "--truncation")
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    assert_one_line_error(run("sample", trained / "checkpoint.pt", "--out", blocker / "x.png"), "cannot be created")
    assert blocker.read_text() == "keep me"


def test_docs_build_into_a_file_says_it_is_a_file(tmp_path):
    f = tmp_path / "site.txt"
    f.write_text("keep me")
    assert_one_line_error(run("docs", "--build", f), "is a file")
    assert f.read_text() == "keep me"


@pytest.mark.parametrize("command", [["compare", "--steps", "1"], ["lesson", "1"]])
def test_an_out_that_is_a_file_is_named_so(command, tmp_path):
    f = tmp_path / "file"
    f.write_text("keep me")
    assert_one_line_error(run(*command, "--out", f), "is a file, not a folder")
    assert f.read_text() == "keep me"

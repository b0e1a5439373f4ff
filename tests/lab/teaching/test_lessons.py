"""Every lesson runs in its default mode, and the test checks what it claims, not just its exit code."""
import json
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from ganlab.lab.cli import main
from ganlab.lab.teaching.index import lesson_files

LESSONS = sorted(lesson_files())
EXPECTED_FIGURES = {1: {"batch.png", "pixel_histogram.png"}, 2: {"init_weights.png"}, 3: {"activations.png"}, 5: {"bce_naive_vs_stable.png"},
                    6: {"discriminator_alone.png"}, 7: {"untrained_generator.png"},
                    8: {"optimal_discriminator.png", "value_against_D.png", "saturating_vs_non_saturating.png"},
                    9: {"optimizers_in_a_valley.png"}, 10: {"training_loop.png"},
                    11: {"toy_gan.png", "one_round_slow.png"}, 12: {"interpolation.png", "diagnostics.png"}, 13: {"what_is_scored.png", "what_fid_misses.png", "truncation.png"},
                    14: {"working_gan.png", "failure_modes.png"}, 15: {"digits_by_row_appended.png", "digits_by_row_projected.png"}, 16: {"gradient_through_d.png"}, 17: {"game_trajectories.png"},
                    21: {"spectral_norm.png", "losses_on_logits.png", "what_d_sees.png"},
                    22: {"conditional_dcgan_and_mlp.png"}}


def test_lessons_are_numbered_from_one_without_gaps():
    assert LESSONS == list(range(1, len(LESSONS) + 1))


@pytest.mark.parametrize("number", LESSONS)
def test_lesson_runs_and_its_checks_hold(number, tmp_path):
    # The timeout guards against a hang only: each lesson's 60-second budget is measured by
    # benchmarks/lesson_times.py, not here, where a busy or slow machine would fail it.
    result = subprocess.run([sys.executable, "-m", "ganlab", "lesson", str(number), "--out", str(tmp_path),
                             "--device", "cpu"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "checks.json").read_text())
    assert report["checks"], "a lesson ends with at least one check against torch"
    for name, check in report["checks"].items():
        assert check["ok"] and check["max_abs_diff"] <= check["tolerance"], name
        assert f"{name}: max |diff|" in result.stdout and "✓" in result.stdout
    assert set(report["figures"]) >= EXPECTED_FIGURES.get(number, set())
    for figure in report["figures"]:
        assert (tmp_path / figure).stat().st_size > 1000, figure


def test_lessons_lists_numbers_and_titles():
    result = CliRunner().invoke(main, ["lessons"])
    assert result.exit_code == 0
    assert " 1  Tensors and batches" in result.output and " 2  The Linear layer from tensor ops" in result.output


def test_unknown_lesson_prints_the_list_and_fails():
    result = CliRunner().invoke(main, ["lesson", "99"])
    assert result.exit_code == 2
    assert "there is no lesson 99" in result.output and "Tensors and batches" in result.output


def test_a_keyerror_inside_a_lesson_is_not_taken_for_a_missing_lesson(monkeypatch):
    import ganlab.lab.teaching.index

    def lesson_with_a_bug(number, args):
        return {}["a key the lesson expected"]
    monkeypatch.setattr(ganlab.lab.teaching.index, "run_lesson", lesson_with_a_bug)
    result = CliRunner().invoke(main, ["lesson", "3"])
    assert "there is no lesson" not in result.output, result.output
    assert isinstance(result.exception, KeyError)             # the lesson's own error, with its traceback


def test_lessons_ship_inside_a_built_wheel_and_run_from_it(tmp_path):
    root = lesson_files()[1].parent.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(root)], check=True, capture_output=True, timeout=600)
    wheel = next((tmp_path / "dist").glob("ganlab-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for path in lesson_files().values():
        assert f"ganlab/lessons/{path.name}" in names
    # installed from the wheel alone (no checkout on the path), the lessons are found and run
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True, timeout=600)
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "GANLAB_DATA": str(tmp_path / "data")}
    listed = subprocess.run([sys.executable, "-m", "ganlab", "lessons"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert listed.returncode == 0, listed.stderr
    assert "Tensors and batches" in listed.stdout
    ran = subprocess.run([sys.executable, "-m", "ganlab", "lesson", "2", "--out", str(tmp_path / "l2")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    assert str(tmp_path / "site") in subprocess.run(
        [sys.executable, "-c", "import ganlab; print(ganlab.__file__)"], cwd=tmp_path, env=env,
        capture_output=True, text=True).stdout


# Each hand-written derivative, made 10% wrong on purpose, and a lesson that must notice.
BREAK_AND_RUN = """
import importlib, runpy, sys
module, name, script, out = sys.argv[1:5]
mod = importlib.import_module(module)
right = getattr(mod, name)
def wrong(*args, **kwargs):
    result = right(*args, **kwargs)
    if isinstance(result, tuple):
        return tuple(None if t is None else 1.1 * t for t in result)
    return 1.1 * result
setattr(mod, name, wrong)
sys.argv = [script, "--out", out, "--device", "cpu"]
runpy.run_path(script, run_name="__main__")
"""
DERIVATIVES = {("ganlab.activations", "relu_backward"): 3, ("ganlab.activations", "leaky_relu_backward"): 3,
               ("ganlab.activations", "sigmoid_backward"): 3, ("ganlab.activations", "tanh_backward"): 4,
               ("ganlab.activations", "log_sigmoid_backward"): 5, ("ganlab.linear", "linear_backward"): 2,
               ("ganlab.losses", "bce_with_logits_backward"): 5}


@pytest.mark.parametrize("module, name", list(DERIVATIVES), ids=[n for _, n in DERIVATIVES])
def test_a_wrong_derivative_fails_a_lesson_check(module, name, tmp_path):
    # A check that compares ganlab with itself (autograd calling ganlab's own derivative)
    # would pass whatever the derivative says; the lessons compare with torch instead.
    number = DERIVATIVES[(module, name)]
    result = subprocess.run([sys.executable, "-c", BREAK_AND_RUN, module, name, str(lesson_files()[number]),
                             str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr[-2000:]
    failed = [n for n, c in json.loads((tmp_path / "checks.json").read_text())["checks"].items() if not c["ok"]]
    assert failed, f"lesson {number} did not notice a wrong {name}"

"""Killing a real training process, then resuming: nothing is lost or corrupted."""
import signal
import subprocess
import sys
import time

import pytest
import torch

from ganlab.lab.training.checkpoint import load_checkpoint

ARGS = ["--dataset", "mnist-sample", "--latent-dim", "8", "--hidden-dim", "32", "--batch-size", "40",
        "--log-every", "50", "--device", "cpu", "--steps", "1000"]          # 4,000 digits: 100 steps per epoch


def ganlab(*args, **kw):
    return [sys.executable, "-m", "ganlab", *map(str, args)]


def weights(path):
    model = load_checkpoint(path)["model"]
    return {f"{part}.{k}": v for part in ("G", "D", "G_ema") for k, v in model[part].items()}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    subprocess.run(ganlab("train", *ARGS, "--out", out, "--overwrite"), check=True, capture_output=True, timeout=600)
    return weights(out / "checkpoint.pt")


def start_and_wait_for_first_checkpoint(out):
    proc = subprocess.Popen(ganlab("train", *ARGS, "--out", out), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 600
    while not (out / "checkpoint.pt").exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["kill", "int", "term"])
def test_interrupt_then_resume_matches_an_uninterrupted_run(sig, uninterrupted, tmp_path):
    out = tmp_path / "run"
    proc = start_and_wait_for_first_checkpoint(out)
    time.sleep(0.3)                                        # land somewhere inside a later epoch
    proc.send_signal(sig)
    output, _ = proc.communicate(timeout=600)
    stopped_at = load_checkpoint(out / "checkpoint.pt")["step"]     # loads: the file is whole
    assert 0 < stopped_at < 1000, "the run finished before the signal; nothing was tested"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert stopped_at % 100 == 0                       # the last complete epoch checkpoint
    else:
        assert proc.returncode == 128 + sig.value, output    # the shell's convention (130 for Ctrl-C) ...
        assert f"stopped by {sig.name}" in output and "--resume" in output     # ... and how to go on
        assert "Traceback" not in output
    assert not list(out.glob(".checkpoint.pt.*"))          # no half-written temporary file left
    resumed = subprocess.run(ganlab("train", *ARGS, "--out", out, "--resume"), capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    final = weights(out / "checkpoint.pt")
    for k, v in uninterrupted.items():
        assert torch.equal(final[k], v), k

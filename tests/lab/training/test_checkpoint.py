import shutil
from pathlib import Path

import pytest
import torch

from data.old_checkpoints import RUNS, blobs, config
from ganlab.lab.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ganlab.lab.training.sampling import generate, load_generator
from ganlab.lab.training.train import resumed_config, train


def state():
    return {"model": {"G": {"0.weight": torch.randn(3, 2)}}, "config": {"lr": 0.1}, "step": 7,
            "history": [{"step": 5, "d_loss": 1.0}]}


def test_round_trip_with_weights_only(tmp_path):
    s = state()
    save_checkpoint(s, tmp_path / "c.pt")
    back = torch.load(tmp_path / "c.pt", weights_only=True)
    assert torch.equal(back["model"]["G"]["0.weight"], s["model"]["G"]["0.weight"])
    assert load_checkpoint(tmp_path / "c.pt")["step"] == 7
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]        # no temporary file left


def test_a_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    save_checkpoint(state(), path)
    before = path.read_bytes()

    def crash(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("the device went away")
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(CheckpointError, match="could not write .*c.pt: the device went away; the last complete"):
        save_checkpoint({"model": {}, "config": {}, "step": 8}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]


class Payload:
    def __reduce__(self):
        return (print, ("this code must never run",))


def test_a_checkpoint_with_pickled_code_is_refused(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"model": Payload(), "config": {}}, path)
    with pytest.raises(CheckpointError, match="refusing to load"):
        load_checkpoint(path)
    assert "must never run" not in capsys.readouterr().out


def test_truncated_missing_and_foreign_files_give_clear_errors(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(state(), path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a ganlab checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


# ---- checkpoints written by an older ganlab --------------------------------------------
OLD = Path(__file__).parents[2] / "data" / "checkpoints-f407618"      # tests/data/old_checkpoints.py


@pytest.mark.parametrize("name", list(RUNS))
def test_a_checkpoint_written_before_the_gan_was_made_of_parts_resumes_and_draws(name, tmp_path, monkeypatch):
    """Written by f407618 after 10 steps in float64; resumed today to 20, it is today's 20-step run."""
    import ganlab.lab.training.train
    monkeypatch.setattr(ganlab.lab.training.train, "load_dataset", lambda name, data_dir, device: blobs())
    shutil.copytree(OLD / name, tmp_path / "resumed")
    quiet = lambda *a: None                                             # noqa: E731
    train(resumed_config(tmp_path / "resumed", steps=20), tmp_path / "resumed", resume=True, log=quiet)
    train(config(name, 20), tmp_path / "whole", log=quiet)
    resumed = load_checkpoint(tmp_path / "resumed" / "checkpoint.pt")
    whole = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    assert resumed["step"] == whole["step"] == 20
    # The first 10 steps ran in f407618's arithmetic (addmm, not x @ W.T + b), so the two runs
    # differ by rounding, grown over 10 more steps and dependent on the CPU's kernels: 3e-10 on
    # one machine, under 1e-12 on another. A resume that loses the noise's RNG state is 3e-3 off.
    for part in whole["model"]:
        if part in ("G", "D", "G_ema"):
            for k, v in whole["model"][part].items():
                torch.testing.assert_close(resumed["model"][part][k], v, atol=1e-8, rtol=0, msg=f"{part}.{k}")
    G, cfg = load_generator(OLD / name / "checkpoint.pt")               # what sample and evaluate load
    labels = torch.arange(4) if cfg.conditional else None
    images = generate(G, cfg, 4, seed=0, labels=labels)
    assert images.shape == (4, 784) and images.abs().max() <= 1 and images.std() > 0


@pytest.mark.parametrize("failure", [RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 3684928 vs 3684816"),
                                     OSError(28, "No space left on device")], ids=["torch-writer", "ENOSPC"])
def test_a_full_disk_is_named_and_the_last_checkpoint_survives(tmp_path, monkeypatch, failure):
    save_checkpoint(state(), tmp_path / "c.pt")
    def full(*args, **kwargs):
        raise failure
    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(CheckpointError, match=r"could not write .*c.pt: the disk is full; the last complete checkpoint is kept"):
        save_checkpoint({**state(), "step": 8}, tmp_path / "c.pt")
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "c.pt")["step"] == 7
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]

import pytest
import torch

from ganlab.lab.checkpoint import CheckpointError, load_checkpoint, save_checkpoint


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
        raise OSError("disk full")
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError):
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

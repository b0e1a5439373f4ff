"""A run's folder is claimed by one run at a time, and --overwrite leaves nothing of the run it replaces."""
import json
import os
import subprocess
import sys

import pytest
import torch

from ganlab.lab.training.checkpoint import load_checkpoint
from ganlab.lab.training.run_folder import claim, claim_fresh


def test_a_folder_another_run_holds_is_refused(tmp_path):
    held = claim(tmp_path / "run")
    with pytest.raises(ValueError, match="another ganlab run is writing into"):
        claim(tmp_path / "run", overwrite=True)
    held.close()
    claim(tmp_path / "run").close()               # free again once the first run lets go


def test_the_default_folder_moves_on_to_the_next_free_one(tmp_path):
    (first, a), (second, b) = claim_fresh(tmp_path / "train"), claim_fresh(tmp_path / "train")
    assert (first.name, second.name) == ("train", "train-2")
    a.close(), b.close()
    assert claim_fresh(tmp_path / "train")[0].name == "train"      # empty and free: taken again


def test_a_folder_left_by_a_failed_run_says_how_to_replace_it(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="holds no checkpoint to resume.*--overwrite"):
        claim(tmp_path)


ARGS = ["--dataset", "mnist-sample", "--latent-dim", "8", "--hidden-dim", "16", "--batch-size", "50",
        "--log-every", "10", "--device", "cpu", "--steps", "120"]


def start(seed, cwd, *extra):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "ganlab", "train", *ARGS, "--seed", str(seed), *extra], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def same_run(folder):
    """The seed that each file of the run in ``folder`` says it was trained with."""
    ckpt = load_checkpoint(folder / "checkpoint.pt")
    return {ckpt["config"]["seed"], json.loads((folder / "config.json").read_text())["seed"]}


@pytest.mark.parametrize("out", [None, "shared"], ids=["default-out", "same-out"])
def test_two_runs_started_together_never_share_a_folder(tmp_path, out):
    extra = ["--out", str(tmp_path / out)] if out else []
    procs = [start(seed, tmp_path, *extra) for seed in (1, 2)]
    results = [(p.wait(timeout=600), p.stdout.read()) for p in procs]
    if out is None:                              # both train, each in a folder of its own
        assert [code for code, _ in results] == [0, 0], results
        folders = sorted((tmp_path / "ganlab-out").iterdir())
        assert [f.name for f in folders] == ["train", "train-2"]
        assert sorted(min(same_run(f)) for f in folders) == [1, 2] and all(len(same_run(f)) == 1 for f in folders)
    else:                                        # one trains; the other is refused in one line
        assert sorted(code for code, _ in results) == [0, 1], results
        refused = next(output for code, output in results if code == 1)
        assert refused.strip().startswith("error:") and len(refused.strip().splitlines()) == 1, refused
        assert len(same_run(tmp_path / out)) == 1


def test_overwrite_leaves_nothing_of_the_old_run(synthetic_data, tmp_path, tiny):
    from ganlab.lab.training.config import make_config
    from ganlab.lab.training.train import train
    train(make_config(steps=60, seed=1, **tiny), tmp_path, log=lambda s: None)      # 10 steps an epoch: 6 grids
    (tmp_path / "notes.txt").write_text("mine")
    history = train(make_config(steps=20, seed=2, **tiny), tmp_path, overwrite=True, log=lambda s: None)
    assert sorted(p.name for p in tmp_path.glob("epoch-*.png")) == ["epoch-001.png", "epoch-002.png"]
    assert [p["step"] for p in json.loads((tmp_path / "history.json").read_text())] == [p["step"] for p in history]
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 20 and same_run(tmp_path) == {2}
    from PIL import Image
    assert Image.open(tmp_path / "training.gif").n_frames == 2                 # the new run's grids alone
    assert (tmp_path / "notes.txt").read_text() == "mine"                    # not the run's: kept

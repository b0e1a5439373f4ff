"""Every lesson as a notebook: written by ``ganlab lesson N --notebook``, run top to bottom
in a real Jupyter kernel (quick mode, offline), and its checks hold there too."""
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from ganlab.lab.cli import main
from ganlab.lab.lessons_index import lesson_files


@pytest.mark.parametrize("number", list(lesson_files()))
def test_the_lesson_notebook_runs_and_its_checks_hold(tmp_path, monkeypatch, number):
    result = CliRunner().invoke(main, ["lesson", str(number), "--notebook", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / lesson_files()[number].with_suffix(".ipynb").name
    notebook = nbformat.read(str(path), as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith(f"# Lesson {number} —")
    assert "find_spec(\"ganlab\")" in notebook.cells[1].source            # installs itself where missing

    # the kernel's "python" is the one running the tests, with ganlab installed
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    report = json.loads((tmp_path / f"ganlab-out/lesson-{number:02d}/checks.json").read_text())
    assert report["checks"] and all(c["ok"] for c in report["checks"].values()), report["checks"]
    shown = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
             if "image/png" in o.get("data", {})]
    saved = [name for name in report["figures"] if (tmp_path / f"ganlab-out/lesson-{number:02d}" / name).exists()]
    assert len(saved) == len(report["figures"]) and len(shown) >= min(1, len(saved))


def test_an_existing_notebook_is_not_overwritten(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["lesson", "2", "--notebook", str(tmp_path)]).exit_code == 0
    path = next(Path(tmp_path).glob("02_*.ipynb"))
    path.write_text(path.read_text().replace("Lesson 2", "Lesson 2 (my notes)"))
    again = runner.invoke(main, ["lesson", "2", "--notebook", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output and "my notes" in path.read_text()

"""Every lesson as a notebook: written by ``ganlab lesson N --notebook`` with the script's code,
statement for statement; and a notebook runs top to bottom in a real Jupyter kernel, its checks
holding there too."""
import ast
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from ganlab.lab.cli import main
from ganlab.lab.teaching.index import lesson_files


# Each lesson runs once, as a script (test_lessons.py); its notebook is checked to hold the
# script's code, statement for statement. What only a kernel does (no command line, figures
# shown inline, a failed check raising) is exercised by one lesson that draws figures; the docs
# build (tests/lab/website/) runs another in a kernel.
IN_A_KERNEL = (3,)


def written_notebook(number, folder):
    result = CliRunner().invoke(main, ["lesson", str(number), "--notebook", str(folder)])
    assert result.exit_code == 0, result.output
    path = folder / lesson_files()[number].with_suffix(".ipynb").name
    notebook = nbformat.read(str(path), as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith(f"# Lesson {number} —")
    assert "find_spec(\"ganlab\")" in notebook.cells[1].source            # installs itself where missing
    return notebook


@pytest.mark.parametrize("number", list(lesson_files()))
def test_the_notebook_holds_the_lessons_code_statement_for_statement(tmp_path, number):
    notebook = written_notebook(number, tmp_path)
    code = "\n".join(cell.source for cell in notebook.cells[2:] if cell.cell_type == "code")
    script = ast.parse(lesson_files()[number].read_text(encoding="utf-8"))
    assert isinstance(script.body[0], ast.Expr) and isinstance(script.body[0].value, ast.Constant)   # the docstring
    assert [ast.dump(s) for s in ast.parse(code).body] == [ast.dump(s) for s in script.body[1:]]
    assert lesson_files()[number].read_text(encoding="utf-8").count("# %% [markdown]") == \
        sum(cell.cell_type == "markdown" for cell in notebook.cells[1:])


@pytest.mark.parametrize("number", IN_A_KERNEL)
def test_the_lesson_notebook_runs_and_its_checks_hold(tmp_path, monkeypatch, number):
    notebook = written_notebook(number, tmp_path)

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

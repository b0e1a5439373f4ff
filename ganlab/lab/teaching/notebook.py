"""A lesson as a Jupyter notebook: ``ganlab lesson N --notebook [DIR]``.

The lessons are written in jupytext's percent format: ``# %%`` starts a code cell and
``# %% [markdown]`` a cell of commented markdown, so each file is a plain script and a
notebook at once. jupytext reads it; two cells are added around what it reads:

- first, a cell that installs ganlab where it is missing (Colab, a fresh kernel);
- the lesson's docstring (its goal, its math, what you will see) as a markdown cell,
  the rest of the first cell (imports, setup) staying code.
"""
import ast
import textwrap
from pathlib import Path

INSTALL = '''\
# Where ganlab is missing (Colab, a fresh environment), install it first: about a minute.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("ganlab") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ganlab"], check=True)'''


def lesson_notebook(path):
    """The lesson file at ``path`` as an ``nbformat`` notebook, ready to run top to bottom."""
    import jupytext
    import nbformat

    source = Path(path).read_text(encoding="utf-8")
    notebook = jupytext.reads(source, fmt="py:percent")
    first = notebook.cells[0]
    intro, rest = split_docstring(first.source)
    cells = [nbformat.v4.new_markdown_cell(intro), nbformat.v4.new_code_cell(INSTALL)]
    if rest:
        cells.append(nbformat.v4.new_code_cell(rest))
    notebook.cells = cells + notebook.cells[1:]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata.pop("jupytext", None)
    return notebook


def split_docstring(code):
    """(the module docstring as markdown, the code after it)."""
    module = ast.parse(code)
    doc = ast.get_docstring(module, clean=True)
    if doc is None:
        return "", code
    end = module.body[0].end_lineno
    rest = "\n".join(code.splitlines()[end:]).strip("\n")
    title, _, body = doc.partition("\n")
    return f"# {title.strip()}\n\n{textwrap.dedent(body).strip()}", rest


def write_notebook(number, folder):
    """Write lesson ``number`` as ``NN_name.ipynb`` into ``folder``; returns its path."""
    import nbformat

    from ganlab.lab.teaching.index import lesson_files
    files = lesson_files()
    if number not in files:
        raise KeyError(number)
    path = Path(folder) / files[number].with_suffix(".ipynb").name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(lesson_notebook(files[number]), str(path))
    return path


def write_playground(folder):
    """Write the playground (``lessons/playground.py``) as ``playground.ipynb`` into ``folder``."""
    from importlib import resources

    import nbformat
    source = Path(str(resources.files("ganlab.lessons"))) / "playground.py"
    path = Path(folder) / "playground.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(lesson_notebook(source), str(path))
    return path

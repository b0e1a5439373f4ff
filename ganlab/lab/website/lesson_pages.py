"""The lessons as pages of the docs site: each lesson run as a notebook, shown in order.

A lesson page reads like the notebook it is: the lesson's text as prose, each code cell
highlighted, and under each cell what it printed (the checks against torch among it) and
the figures it drew. The outputs come from running the lesson itself, in its default
mode, in a real Jupyter kernel (``nbclient``): never from pasted text.

Running all 22 lessons costs minutes, so an executed notebook is kept in a cache folder,
named by the hash of the lesson file and of ganlab's version: a lesson runs again only
when its file (or ganlab's version) changes. Unexecuted, a page shows the code alone.

The notebook becomes markdown with ``nbconvert``'s MarkdownExporter, the Jupyter project's
own converter, so that mkdocs renders the page like every other one: math, links to the
other pages, search, the table of contents and the dark palette included. Outputs are
fenced as ``text``, and each figure becomes a PNG file beside the page.
"""
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ganlab
from ganlab.lab.teaching.index import lesson_files
from ganlab.lab.teaching.notebook import lesson_notebook

# Outputs as fenced text: an indented block would run into the code above it.
TEMPLATE = r"""{% extends 'markdown/index.md.j2' %}
{% block stream %}
```text
{{ output.text.rstrip() }}
```
{% endblock stream %}
{% block data_text scoped %}
```text
{{ output.data['text/plain'].rstrip() }}
```
{% endblock data_text %}
"""


def cache_key(path):
    """What an executed notebook depends on: the lesson file's bytes and ganlab's version."""
    digest = hashlib.sha256(Path(path).read_bytes())
    digest.update(ganlab.__version__.encode())
    return digest.hexdigest()[:16]


def cached_path(number, cache_dir):
    path = lesson_files()[number]
    return Path(cache_dir) / f"{path.stem}-{cache_key(path)}.ipynb"


def executed_notebook(number, cache_dir, execute=True, timeout=900):
    """Lesson ``number`` as a notebook with its outputs: from the cache, else run now (when
    ``execute``), else without outputs. Returns (notebook, whether it has outputs)."""
    import nbformat
    cached = cached_path(number, cache_dir)
    if cached.exists():
        return nbformat.read(str(cached), as_version=4), True
    notebook = lesson_notebook(lesson_files()[number])
    if not execute:
        return notebook, False
    run_notebook(notebook, timeout)
    cached.parent.mkdir(parents=True, exist_ok=True)
    for old in cached.parent.glob(f"{lesson_files()[number].stem}-*.ipynb"):      # an earlier version's
        old.unlink()
    partial = cached.with_suffix(".partial")
    nbformat.write(notebook, str(partial))
    partial.replace(cached)                                    # never a half-written cache entry
    return notebook, True


def run_notebook(notebook, timeout):
    """Run every cell in a fresh kernel, in a scratch folder (where the lesson writes its
    outputs), on the CPU, with figures drawn off screen. A failed check fails the run."""
    from nbclient import NotebookClient
    env = {**os.environ, "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": ""}
    with tempfile.TemporaryDirectory() as scratch:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": scratch}}).execute(env=env)


def execute_all(numbers, cache_dir, workers=2, log=print):
    """Run the lessons ``numbers`` that are not cached yet, ``workers`` kernels at a time."""
    missing = [n for n in numbers if not cached_path(n, cache_dir).exists()]
    if missing:
        log(f"running {len(missing)} lesson notebook(s) for the docs (once; cached in {cache_dir})")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda n: executed_notebook(n, cache_dir, execute=True), missing))


def lesson_markdown(notebook, files_dir):
    """The page body for ``notebook``: (markdown, {path relative to the page: PNG bytes}).

    The first two cells are left out: the lesson's title (the page has its own) and the
    cell that installs ganlab in Colab. The rest of the docstring stays, as prose."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import MarkdownExporter
    page = nbformat.from_dict(notebook)
    intro = page.cells[0].source.split("\n", 1)
    page.cells = ([nbformat.v4.new_markdown_cell(intro[1].strip())] if len(intro) > 1 else []) + page.cells[2:]
    exporter = MarkdownExporter(extra_loaders=[DictLoader({"lesson_page.md.j2": TEMPLATE})],
                                template_file="lesson_page.md.j2")
    body, resources = exporter.from_notebook_node(page, resources={"output_files_dir": files_dir})
    return body, dict(resources.get("outputs", {}))


if __name__ == "__main__":          # ganlab docs --execute: every lesson not cached yet, into the folder given
    import sys
    from ganlab.lab.teaching.index import lesson_files
    execute_all(list(lesson_files()), Path(sys.argv[1]))

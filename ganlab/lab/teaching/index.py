"""Finding and running the lesson scripts (shipped inside the package as ``ganlab.lessons``)."""
import ast
import runpy
import sys
from importlib import resources
from pathlib import Path


def lesson_files():
    """{number: path} for every ``NN_name.py`` among the lessons."""
    folder = Path(str(resources.files("ganlab.lessons")))
    return {int(p.name[:2]): p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}


def lesson_title(path):
    doc = ast.get_docstring(ast.parse(Path(path).read_text(encoding="utf-8"))) or path.stem
    return doc.splitlines()[0].split("—", 1)[-1].strip()


def listing():
    return [f"{n:2d}  {lesson_title(p)}" for n, p in lesson_files().items()]


def run_lesson(number, args):
    """Run lesson ``number`` as a script, with ``args`` as its command line."""
    files = lesson_files()
    if number not in files:
        raise KeyError(number)
    argv = sys.argv
    sys.argv = [str(files[number]), *args]
    try:
        runpy.run_path(str(files[number]), run_name="__main__")
    finally:
        sys.argv = argv

"""mkdocs hooks: every lesson's notebook and every exercise's file, generated at build time.

The notebooks (``notebooks/NN_name.ipynb``) and the blank exercise files
(``exercises/exercise_NN_name.py``) are made from the lessons and the reference solutions
while the site builds, so the site always offers what ``ganlab lesson N --notebook`` and
``ganlab exercise N`` write, and the repository holds each of them once. Each lesson page
gets a line linking its notebook and the exercises that follow it.
"""
import re

import nbformat
from mkdocs.structure.files import File

from ganlab.lab.exercises import EXERCISES, exercise_text
from ganlab.lab.lessons_index import lesson_files
from ganlab.lab.notebook import lesson_notebook


def on_files(files, config):
    for number, path in lesson_files().items():
        content = nbformat.writes(lesson_notebook(path))
        files.append(File.generated(config, f"notebooks/{path.stem}.ipynb", content=content))
    for number, exercise in EXERCISES.items():
        files.append(File.generated(config, f"exercises/{exercise.file_name()}", content=exercise_text(number)))
    return files


def on_page_markdown(markdown, page, config, files):
    match = re.fullmatch(r"lessons/(\d\d)\.md", page.file.src_uri)
    if not match:
        return markdown
    number = int(match.group(1))
    notebook = lesson_files()[number].with_suffix(".ipynb").name
    line = (f"\nOr as a Jupyter notebook, runnable in Colab: [download it](../notebooks/{notebook}), "
            f"or write it with `ganlab lesson {number} --notebook`.")
    exercises = [e for e in EXERCISES.values() if number in e.lessons]
    if exercises:
        links = ", ".join(f"[exercise {e.number}: {e.title.lower()}](../exercises.md#exercise-{e.number})"
                          for e in exercises)
        line += f" Then write it yourself: {links}."
    command = f"```bash\nganlab lesson {number}\n```\n"
    return markdown.replace(command, command + line + "\n", 1)

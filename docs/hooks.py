"""mkdocs hooks: every lesson's page, notebook and exercise file, generated at build time.

- **The lesson pages.** Each ``docs/lessons/NN.md`` holds the lesson's introduction and a
  marker, ``<!-- lesson -->``, that is replaced by the lesson itself: its text, its code
  cells and, under each cell, what it printed and drew when it ran as a notebook
  (``ganlab.lab.website.lesson_pages``). The outputs come from the cache of executed notebooks;
  with ``GANLAB_DOCS_EXECUTE`` set (``ganlab docs --build`` sets it), the lessons not cached
  yet run first. ``all`` runs every lesson, a list such as ``5,10`` runs those; unset, a page
  shows the code alone.
- **The notebooks** (``notebooks/NN_name.ipynb``) and the blank exercise files
  (``exercises/exercise_NN_name.py``) are made from the lessons and the reference solutions
  while the site builds, so the site always offers what ``ganlab lesson N --notebook`` and
  ``ganlab exercise N`` write, and the repository holds each of them once. Each lesson page
  gets a line linking its notebook and the exercises that follow it. The playground's
  notebook (``notebooks/playground.ipynb``) is made the same way.
"""
import os
import re
from pathlib import Path

import nbformat
from mkdocs.structure.files import File

from ganlab.lab.exercises import EXERCISES, exercise_text
from ganlab.lab.website.lesson_pages import execute_all, executed_notebook, lesson_markdown
from ganlab.lab.teaching.index import lesson_files
from ganlab.lab.teaching.notebook import lesson_notebook
from ganlab.lab.website.site import lesson_cache

MARKER = "<!-- lesson -->"
CODE_ONLY = ("*This page shows the lesson's code alone: what each cell printed and drew appears under it once "
             "the lesson has run as a notebook. `ganlab docs --execute` runs the lessons in the background while "
             "the site is served (about 24 minutes on two cores the first time, cached after), each page filling "
             "in as its lesson ends; `ganlab lesson N` runs this one in a terminal.*\n\n")
LESSON_BODIES = {}                      # lesson number -> its page's markdown, made in on_files


def cache_dir(config):
    """Where executed notebooks are kept (``ganlab.lab.website.site.lesson_cache``)."""
    return lesson_cache(config["config_file_path"])


def to_execute(numbers):
    wanted = os.environ.get("GANLAB_DOCS_EXECUTE", "").strip()
    if wanted == "all":
        return list(numbers)
    return [int(n) for n in wanted.split(",") if n.strip()]


def on_files(files, config):
    lessons = lesson_files()
    execute_all(to_execute(lessons), cache_dir(config))
    for number, path in lessons.items():
        content = nbformat.writes(lesson_notebook(path))
        files.append(File.generated(config, f"notebooks/{path.stem}.ipynb", content=content))
        notebook, executed = executed_notebook(number, cache_dir(config), execute=False)
        body, images = lesson_markdown(notebook, f"{number:02d}_files")
        LESSON_BODIES[number] = body if executed else CODE_ONLY + body
        for name, data in images.items():
            files.append(File.generated(config, f"lessons/{name}", content=data))
    playground = lesson_notebook(Path(lesson_files()[1]).parent / "playground.py")
    files.append(File.generated(config, "notebooks/playground.ipynb", content=nbformat.writes(playground)))
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
    return markdown.replace(command, command + line + "\n", 1).replace(MARKER, LESSON_BODIES[number], 1)

"""Exercises: write a lesson's functions yourself, then have them graded against torch.

``ganlab exercises`` lists them; ``ganlab exercise N`` writes exercise N's file, its
functions' bodies replaced by ``raise NotImplementedError`` under their formula, shapes and
hint; ``ganlab check N FILE`` (or running the file) grades it, one line per function.

Each exercise is a reference solution in ``solutions/`` (the CLI never prints it; the
docs fold it away) and the checks of its functions in ``checks/``. The file a learner
gets is the solution with its function bodies cut out, so the two cannot drift apart.
"""
import ast
from dataclasses import dataclass
from importlib import import_module, resources
from pathlib import Path

from ganlab.lab.exercises.grader import Wrong, answer, answers, grade, load, with_grads


@dataclass
class Exercise:
    number: int
    title: str
    lessons: str          # the lessons it follows: (2, 4)
    solution: str         # the file in solutions/
    checks: str           # the module in checks/

    def tasks(self):
        return import_module(f"ganlab.lab.exercises.checks.{self.checks}").TASKS

    def solution_path(self):
        return Path(str(resources.files("ganlab.lab.exercises.solutions") / self.solution))

    def after(self):
        """"lesson 3", "lessons 2 and 4": where to learn what the exercise asks."""
        *rest, last = self.lessons
        return f"lesson {last}" if not rest else f"lessons {', '.join(map(str, rest))} and {last}"

    def file_name(self):
        return f"exercise_{self.solution}"


EXERCISES = {e.number: e for e in [
    Exercise(1, "The Linear layer, forward and backward", (2, 4), "01_linear.py", "linear"),
    Exercise(2, "The stable sigmoid", (3,), "02_sigmoid.py", "sigmoid"),
    Exercise(3, "Binary cross-entropy, naive and stable, and its gradient", (5,), "03_bce.py", "bce"),
    Exercise(4, "D's loss and G's non-saturating loss, from logits", (8,), "04_gan_losses.py", "gan_losses"),
    Exercise(5, "One Adam step", (9,), "05_adam.py", "adam"),
    Exercise(6, "G's gradient through a frozen D", (16,), "06_generators_gradient.py", "generators_gradient"),
    Exercise(7, "One full GAN step by hand", (10, 16), "07_gan_step.py", "gan_step"),
    Exercise(8, "A convolution as unfold + one matrix multiply", (18,), "08_convolution.py", "convolution"),
]}


def listing():
    return [f"{e.number:2d}  {e.title}  (after {e.after()})" for e in EXERCISES.values()]


def get(number):
    if number not in EXERCISES:
        raise Wrong(f"there is no exercise {number}; `ganlab exercises` lists 1 to {max(EXERCISES)}")
    return EXERCISES[number]


def blank(source, names):
    """``source`` with the body of every function in ``names`` cut down to its docstring and
    ``raise NotImplementedError``: what the learner completes."""
    lines = source.splitlines(keepends=True)
    cuts = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            indent = " " * body[0].col_offset
            cuts.append((body[0].lineno - 1, body[-1].end_lineno, f"{indent}raise NotImplementedError  # your code here\n"))
    for start, end, text in sorted(cuts, reverse=True):
        lines[start:end] = [text]
    return "".join(lines)


def exercise_text(number):
    exercise = get(number)
    return blank(exercise.solution_path().read_text(encoding="utf-8"), {t.name for t in exercise.tasks()})


def write(number, folder, force=False):
    """Write exercise ``number``'s file into ``folder``; never over the learner's own work."""
    path = Path(folder) / get(number).file_name()
    if path.exists() and not force:
        raise Wrong(f"{path} already exists (your work?): grade it with `ganlab check {number} {path}`, "
                    "or pass --force to start again")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(exercise_text(number), encoding="utf-8")
    return path


def check(number, path):
    """[(function name, passed, hint or None)] for the file ``path``, loaded in this process:
    for files that are trusted, such as the reference solutions (``ganlab check`` runs a
    learner's file in a process of its own, ``ganlab.lab.exercises.sandbox``)."""
    tasks = get(number).tasks()
    expected = answers(tasks)
    module = load(path)
    return grade(tasks, lambda task, case: answer(task, module, case.inputs, with_grads(task, case), path), expected)


def check_file(number, path, echo=print, timeout=60.0):
    """Grade ``path`` in a process of its own and print one line per function (``ganlab.lab.exercises.sandbox``)."""
    from ganlab.lab.exercises.sandbox import check_file as in_a_process
    return in_a_process(number, path, echo, timeout)

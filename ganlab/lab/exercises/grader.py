"""Grading a learner's functions against torch: one line per function, ✓ or ✗ with a hint.

Each function of an exercise is a ``Task``: the cases it is run on, what torch computes
for each (``reference``), and the mistakes learners make, each written out in torch with
the hint it deserves. A learner's answer that differs from torch is run against every
mistake: the one it equals names the hint. Otherwise the grader says what it sees (a
wrong shape or dtype, a NaN where torch is finite, the largest difference and the case).

Everything is float64, so "equal" means equal to ~1e-12 (``ganlab.lab.parity``).
"""
import importlib
import importlib.util
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ganlab.lab.parity import close, max_diff

NOT_WRITTEN = "not written yet: replace `raise NotImplementedError` with your code"


class Wrong(Exception):
    """A mistake the grader recognised while running the learner's function; its message is the hint."""


class Forbidden(Exception):
    """The learner's code called the torch function the exercise asks them to write."""


@dataclass
class Case:
    label: str                      # what the case is, shown when it fails: "batch 5, 7 -> 3"
    inputs: dict                    # keyword arguments: tensors, lists of tensors, numbers
    grad: bool = True               # also compare gradients (for a differentiable task)


@dataclass
class Task:
    name: str                       # the function the learner writes
    cases: list
    reference: Callable             # (**inputs) -> what torch computes
    mistakes: list = field(default_factory=list)    # [(hint, wrong(**inputs))]
    outputs: tuple = ()             # the returned tensors' names, when there are several
    differentiable: bool = False    # compare gradients with respect to the tensor inputs too
    forbidden: tuple = ()           # "torch.sigmoid", ...: functions the learner may not call
    unstable: str = ""              # the hint for a NaN or inf where torch's answer is finite
    run: Callable = None            # (fn, inputs) -> output, when not simply fn(**inputs)
    scale: float = 1.0              # the tolerance, times this


def grade(tasks, module, path):
    """[(name, ok, message)] for every task, with the functions found in ``module``."""
    results = []
    for task in tasks:
        fn = getattr(module, task.name, None)
        if not callable(fn):
            results.append((task.name, False, f"no function named {task.name} in your file"))
            continue
        message = grade_task(task, fn, path)
        results.append((task.name, message is None, message))
    return results


def grade_task(task, fn, path):
    """None if ``fn`` agrees with torch on every case, else the hint for the first case it fails."""
    for case in task.cases:
        expected, expected_grads = evaluate(task, task.reference, case)
        try:
            got, got_grads = evaluate(task, fn, case, learner=True)
            message = judge(task, case, got, got_grads, expected, expected_grads)
        except Forbidden as error:
            return f"calls {error}, which this exercise asks you to write yourself"
        except Wrong as error:
            return f"{error} ({case.label})"
        except NotImplementedError:
            return NOT_WRITTEN
        except Exception as error:                         # the learner's bug, reported as theirs
            return f"your code raised {describe_error(error, path)} ({case.label})"
        if message:
            return f"{message} ({case.label})"
    return None


def judge(task, case, got, got_grads, expected, expected_grads):
    """None when the learner's answer is torch's; else what is wrong with it."""
    got, expected = as_list(got), as_list(expected)
    problem = compare_structure(task, got, expected)
    if problem:
        return problem
    if all(close(a, b, scale=task.scale) for a, b in zip(got, expected)):
        if got_grads is None:
            return None
        return compare_grads(task, got_grads, expected_grads)
    for hint, wrong in task.mistakes:
        try:
            variant = as_list(wrong(**copy(case.inputs)))
        except Exception:                 # a mistake that cannot happen on this case's shapes
            continue
        if len(variant) == len(got) and all(close(a, b, scale=task.scale, equal_nan=True)
                                            for a, b in zip(got, variant)):
            return hint
    finite = [bool(b.isfinite().all()) for b in expected]
    if task.unstable and any(f and not a.isfinite().all() for a, f in zip(got, finite)):
        return task.unstable
    worst = max(range(len(got)), key=lambda i: max_diff(got[i], expected[i]))
    return f"{name_of(task, worst)} differs from torch by up to {max_diff(got[worst], expected[worst]):.1e}"


def evaluate(task, fn, case, learner=False):
    """``fn``'s output on the case, and (for a differentiable task) its input gradients.

    The learner's function runs through ``task.run`` when there is one, with the
    forbidden functions refused; torch's reference is called with the inputs directly.
    """
    inputs = copy(case.inputs, requires_grad=task.differentiable and case.grad)
    with forbid(task.forbidden if learner else ()):
        out = task.run(fn, inputs) if learner and task.run else fn(**inputs)
    if not (task.differentiable and case.grad):
        return out, None
    leaves = [t for t in flatten(inputs) if t.requires_grad]
    if not torch.is_tensor(out):
        return out, None                                   # compare_structure says what is wrong
    if not out.requires_grad:
        raise Wrong("no gradient flows back through your result: did you detach it, or turn it into a number?")
    upstream = torch.randn(out.shape, dtype=out.dtype, generator=torch.Generator().manual_seed(1))
    grads = torch.autograd.grad(out, leaves, upstream, allow_unused=True)
    return out.detach(), [torch.zeros_like(x) if g is None else g for x, g in zip(leaves, grads)]


def compare_structure(task, got, expected):
    """A message when the answer is not tensors of torch's shapes and dtype, else None."""
    if len(got) != len(expected):
        return f"returned {len(got)} values; expected {len(expected)}: {', '.join(task.outputs)}"
    for i, (a, b) in enumerate(zip(got, expected)):
        what = name_of(task, i)
        if not torch.is_tensor(a):
            return f"{what} is a {type(a).__name__}; expected a tensor"
        if a.shape != b.shape:
            return f"{what} has shape {tuple(a.shape)}; torch's has {tuple(b.shape)}"
        if a.dtype != b.dtype:
            return f"{what} is {a.dtype} for float64 inputs: keep the inputs' dtype"
    return None


def compare_grads(task, got, expected):
    for a, b in zip(got, expected):
        if not close(a, b, scale=task.scale):
            if task.unstable and b.isfinite().all() and not a.isfinite().all():
                return task.unstable
            return f"the value matches torch but its gradient does not (max |diff| {max_diff(a, b):.1e})"
    return None


def as_list(out):
    """The output as a list: a tuple or list is unpacked (nested pairs too), anything else is one."""
    if isinstance(out, (tuple, list)):
        return [v for item in out for v in as_list(item)]
    return [out]


def flatten(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from flatten(v)
    elif torch.is_tensor(value):
        yield value


def copy(value, requires_grad=False):
    """A fresh copy of the inputs (the learner may change them in place); floats can require grad."""
    if isinstance(value, dict):
        return {k: copy(v, requires_grad) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(copy(v, requires_grad) for v in value)
    if torch.is_tensor(value):
        value = value.detach().clone()
        return value.requires_grad_(True) if requires_grad and value.is_floating_point() else value
    return value


def name_of(task, i):
    return task.outputs[i] if i < len(task.outputs) else "the result"


# ---- the learner's file and errors --------------------------------------------------------
def load(path):
    """Import the learner's file as a module; ``Wrong`` with a one-line reason if it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise Wrong(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(f"ganlab_exercise_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))         # so that it can import its neighbours
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise Wrong(f"{path.name}, line {error.lineno}: SyntaxError: {error.msg}") from None
    except Exception as error:
        raise Wrong(f"{path.name} raised {describe_error(error, path)} while loading") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def describe_error(error, path):
    """``TypeError on line 23: <message>``, the line being the last one of the learner's file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if Path(f.filename).resolve() == Path(path).resolve()]
    where = f" on line {frames[-1].lineno}" if frames else ""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}{where}" + (f": {message}" if message else "")


@contextmanager
def forbid(names):
    """Within the block, calling any of ``names`` (dotted: "torch.Tensor.sigmoid") raises ``Forbidden``."""
    saved = []
    for name in names:
        owner_name, attr = name.rsplit(".", 1)
        owner = resolve(owner_name)
        saved.append((owner, attr, owner.__dict__.get(attr), attr in owner.__dict__))
        setattr(owner, attr, refusal(name))
    try:
        yield
    finally:
        for owner, attr, original, own in reversed(saved):
            if own:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)


def refusal(name):
    def refuse(*args, **kwargs):
        raise Forbidden(name)
    return refuse


def resolve(dotted):
    """The object a dotted name refers to: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)

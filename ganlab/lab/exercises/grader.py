"""Grading a learner's functions against torch: one line per function, ✓ or ✗ with a hint.

Each function of an exercise is a ``Task``: the cases it is run on, what torch computes
for each (``reference``), and the mistakes learners make, each written out in torch with
the hint it deserves. A learner's answer that differs from torch is run against every
mistake: the one it equals names the hint. Otherwise the grader says what it sees (a
wrong shape or dtype, a NaN where torch is finite, the largest difference and the case).

Everything is float64, so "equal" means equal to ~1e-12 (``ganlab.lab.parity``).

The rules of an exercise hold on what the code computes, not on its text: each graded call
runs under ``Rules``, a ``TorchFunctionMode`` that sees every torch function the call reaches,
however it is spelled (``F.linear``, ``from torch import sigmoid``, ``x.sigmoid_()``,
``torch.special.expit``), and refuses the forbidden ones; a "by hand" function runs without
autograd, and any call to ``torch.autograd.grad`` or ``.backward()`` is refused.

The work is split between two processes (``ganlab.lab.exercises.sandbox``). The learner's process loads
the file and runs each function on the inputs it is sent (``answer``), under the rules; it
sends back outputs and nothing else. The grading process never loads the file: it computes
torch's answers (``answers``) and judges what comes back (``grade``), so nothing the file
does can change torch's answers or the verdict. The rules themselves run in the learner's
process: they catch honest mistakes, not a file written to get round them.
"""
import importlib
import importlib.machinery
import importlib.util
import sys
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch.overrides import TorchFunctionMode

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
    by_hand: bool = False           # written without autograd: no .backward(), no torch.autograd.grad


def answers(tasks):
    """torch's answers for every case of every task: (output, input gradients) per case."""
    return {task.name: [evaluate(task, task.reference, case.inputs, with_grads(task, case)) for case in task.cases]
            for task in tasks}


def with_grads(task, case):
    """Whether the case compares input gradients too."""
    return task.differentiable and case.grad


def grade(tasks, attempt, expected, started=lambda name: None):
    """[(name, ok, message)] for every task, judged here on what ``attempt`` returns.

    ``attempt(task, case)`` runs the learner's function on the case and returns its
    ``answer``: outputs and gradients, or the message of what went wrong. ``expected``:
    torch's ``answers``, computed by a process that never loads the learner's file.
    ``started(name)`` is called before each function is run.
    """
    results = []
    for task in tasks:
        started(task.name)
        message = grade_task(task, attempt, expected[task.name])
        results.append((task.name, message is None, message))
    return results


def grade_task(task, attempt, expected):
    """None if the learner's function agrees with torch on every case, else the hint for the first case it fails."""
    for case, (expected_out, expected_grads) in zip(task.cases, expected):
        reply = attempt(task, case)
        if "message" in reply:
            return f"{reply['message']} ({case.label})" if reply["at_case"] else reply["message"]
        message = judge(task, case, reply["out"], reply["grads"], expected_out, expected_grads)
        if message:
            return f"{message} ({case.label})"
    return None


def answer(task, module, inputs, grad, path):
    """What the learner's function in ``module`` answers on a case's ``inputs`` (``grad``: with
    the gradients of its tensor inputs), ready to travel
    between processes: ``{"out": [tensors, or the type names of what is not one], "grads":
    {input: gradient} or None}``, or ``{"message": what went wrong, "at_case": whether the
    case's label belongs after it}``. This runs in the learner's process; nothing here judges."""
    fn = getattr(module, task.name, None)
    if not callable(fn):
        return {"message": f"no function named {task.name} in your file", "at_case": False}
    try:
        out, grads = evaluate(task, fn, inputs, grad, learner=True)
    except Forbidden as error:
        return {"message": str(error), "at_case": False}
    except Wrong as error:
        return {"message": str(error), "at_case": True}
    except NotImplementedError as error:
        blank = [f.name for f in traceback.extract_tb(error.__traceback__)
                 if Path(f.filename).resolve() == Path(path).resolve()]
        if blank and blank[-1] != task.name:       # a helper of this function is still blank
            return {"message": f"calls {blank[-1]}, which is not written yet: write it first", "at_case": False}
        return {"message": NOT_WRITTEN, "at_case": False}
    except SystemExit as error:                        # exit(), sys.exit(), raise SystemExit
        return {"message": f"called exit ({exit_code(error)}) instead of returning its result", "at_case": True}
    except Exception as error:                         # the learner's bug, reported as theirs
        return {"message": f"your code raised {describe_error(error, path)}", "at_case": True}
    return {"out": [v.detach().clone() if torch.is_tensor(v) else type(v).__name__ for v in as_list(out)],
            "grads": grads}


def judge(task, case, got, got_grads, expected, expected_grads):
    """None when the learner's answer is torch's; else what is wrong with it."""
    expected = as_list(expected)
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


def evaluate(task, fn, inputs, grad=False, learner=False):
    """``fn``'s output on a case's ``inputs``, and (for a differentiable task) its input gradients.

    The learner's function runs through ``task.run`` when there is one, under the task's
    ``Rules`` (and for a "by hand" task without autograd); torch's reference is called with
    the inputs directly.
    """
    inputs = copy(inputs, requires_grad=grad)
    rules = Rules(task) if learner else nullcontext()
    with rules, torch.no_grad() if learner and task.by_hand else nullcontext():
        out = task.run(fn, inputs) if learner and task.run else fn(**inputs)
    if not grad:
        return out, None
    named = [(name, t) for name, t in named_tensors(inputs) if t.requires_grad]
    names, leaves = [name for name, _ in named], [t for _, t in named]
    if not torch.is_tensor(out):
        return out, None                                   # compare_structure says what is wrong
    if not out.requires_grad:
        raise Wrong("no gradient flows back through your result: did you detach it, or turn it into a number?")
    upstream = torch.randn(out.shape, dtype=out.dtype, generator=torch.Generator().manual_seed(1))
    grads = torch.autograd.grad(out, leaves, upstream, allow_unused=True)
    return out.detach(), {name: torch.zeros_like(x) if g is None else g for name, x, g in zip(names, leaves, grads)}


def compare_structure(task, got, expected):
    """A message when the answer is not tensors of torch's shapes and dtype, else None."""
    if len(got) != len(expected):
        return f"returned {len(got)} values; expected {len(expected)}: {', '.join(task.outputs)}"
    for i, (a, b) in enumerate(zip(got, expected)):
        what = name_of(task, i)
        if not torch.is_tensor(a):                           # the type's name, as ``answer`` sends it
            return f"{what} is a {a if isinstance(a, str) else type(a).__name__}; expected a tensor"
        if a.shape != b.shape:
            return f"{what} has shape {tuple(a.shape)}; torch's has {tuple(b.shape)}"
        if a.dtype != b.dtype:
            return f"{what} is {a.dtype} for float64 inputs: keep the inputs' dtype"
    return None


def compare_grads(task, got, expected):
    """None when every input's gradient is torch's; else which input's is not."""
    for name, b in expected.items():
        a = got[name]
        if not close(a, b, scale=task.scale):
            if task.unstable and b.isfinite().all() and not a.isfinite().all():
                return task.unstable
            return (f"the value matches torch but its gradient with respect to {name} does not "
                    f"(max |diff| {max_diff(a, b):.1e})")
    return None


def as_list(out):
    """The output as a list: a tuple or list is unpacked (nested pairs too), anything else is one."""
    if isinstance(out, (tuple, list)):
        return [v for item in out for v in as_list(item)]
    return [out]


def named_tensors(value, name=""):
    """(name, tensor) for every tensor of the inputs, in order: ``x``, ``D[0][1]``."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from named_tensors(v, k)
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from named_tensors(v, f"{name}[{i}]")
    elif torch.is_tensor(value):
        yield name, value


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
    """Import the learner's file as a module, whatever its name ends with; ``Wrong`` with a
    one-line reason if it cannot be."""
    path = Path(path)
    if path.is_dir():
        raise Wrong(f"{path} is a folder: give the exercise's file, e.g. {path / 'exercise_1.py'}")
    if not path.is_file():
        raise Wrong(f"no such file: {path}")
    if b"\0" in path.read_bytes():
        raise Wrong(f"{path.name} holds null bytes: it is not a Python source file")
    loader = importlib.machinery.SourceFileLoader(f"ganlab_exercise_{path.stem.replace('.', '_')}", str(path))
    spec = importlib.util.spec_from_file_location(loader.name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))         # so that it can import its neighbours
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise Wrong(f"{path.name}, line {error.lineno}: SyntaxError: {error.msg}") from None
    except SystemExit as error:
        raise Wrong(f"{path.name} called exit ({exit_code(error)}) while loading: remove the call, "
                    "the grader calls your functions itself") from None
    except Exception as error:
        raise Wrong(f"{path.name} raised {describe_error(error, path)} while loading") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def exit_code(error):
    return f"SystemExit {error.code}" if error.code is not None else "SystemExit"


def describe_error(error, path):
    """``TypeError on line 23: <message>``, the line being the last one of the learner's file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if Path(f.filename).resolve() == Path(path).resolve()]
    where = f" on line {frames[-1].lineno}" if frames else ""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}{where}" + (f": {message}" if message else "")


# ---- the rules, on what the code computes -------------------------------------------------
AUTOGRAD = {"grad": "torch.autograd.grad", "backward": ".backward()"}
TORCH_DIR = Path(torch.__file__).parent


def base_name(func):
    """A torch function's name without its spelling: ``sigmoid_`` and ``special_expit`` become
    ``sigmoid`` and ``expit``."""
    name = getattr(func, "__name__", "")
    return name.removeprefix("special_").rstrip("_")


class Rules(TorchFunctionMode):
    """While active, refuse (``Forbidden``) every torch function ``task`` forbids, however it is
    reached; a "by hand" task may not call autograd either. A forbidden module's name
    ("torch.optim.Adam") refuses any call made from that module's code (torch.optim's AdamW too)."""

    def __init__(self, task):
        super().__init__()
        self.names = {}                 # base name -> the name the hint gives
        self.folders = {}               # a torch package's folder -> its name, for its classes
        for dotted in task.forbidden:
            owner, _, last = dotted.rpartition(".")
            if last[:1].isupper():      # a class, "torch.optim.Adam": the code of its package
                self.folders[str(TORCH_DIR.joinpath(*owner.split(".")[1:]))] = owner
            else:
                self.names.setdefault(last.removeprefix("special_").rstrip("_"), dotted)
        self.by_hand = task.by_hand

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = base_name(func)
        if name in self.names:
            spelled = getattr(func, "__name__", name)
            if getattr(func, "__qualname__", "").startswith(("TensorBase.", "Tensor.")):
                spelled = f"Tensor.{spelled}"                        # x.sigmoid(), a method
            alias = "" if self.names[name].endswith("." + spelled) else f" (here as {spelled})"
            raise Forbidden(f"calls {self.names[name]}{alias}, which this exercise asks you to write yourself")
        if self.by_hand and name in AUTOGRAD:
            raise Forbidden(f"calls {AUTOGRAD[name]}: this function is written by hand, without autograd")
        if self.folders:
            frame = sys._getframe(1)
            while frame is not None:
                for folder, package in self.folders.items():
                    if frame.f_code.co_filename.startswith(folder):
                        raise Forbidden(f"uses {package}, which this exercise asks you to write yourself")
                frame = frame.f_back
        return func(*args, **(kwargs or {}))

"""The grader in a process of its own: files that exit, stall, cheat by accident or are no
Python source all end in one line and exit status 1; the rules hold however a function is reached."""
import pytest
from click.testing import CliRunner

from ganlab.lab.cli import main
from ganlab.lab.exercises import EXERCISES

SIGMOID = "def sigmoid(x):\n    return {}\n"
FILES = {   # name -> (exercise, the file's text, what the line must say)
    "exit-at-the-top": (1, "import sys\nsys.exit(0)\n", "called exit (SystemExit 0) while loading"),
    "raise-systemexit": (1, "raise SystemExit(3)\n", "called exit (SystemExit 3) while loading"),
    "exit-in-a-function": (2, "def sigmoid(x):\n    exit(0)\n", "sigmoid: called exit (SystemExit 0) instead of returning"),
    "os-exit": (2, "import os\ndef sigmoid(x):\n    os._exit(0)\n", "ended the grading while sigmoid ran"),
    "endless-loop": (2, "def sigmoid(x):\n    while True:\n        pass\n", "sigmoid: still running after 2 s"),
    "endless-loop-at-the-top": (2, "while True:\n    pass\n", "answer.py did not finish loading within 2 s"),
    "changes-the-reference": (2, "import torch\ntorch.sigmoid = lambda x: x * 0\n" + SIGMOID.format("x * 0"),
                              "sigmoid: the result differs from torch"),
    "null-bytes": (2, "x = 1\0\n", "holds null bytes"),
    "from-import": (2, "from torch import sigmoid\n", "calls torch.sigmoid"),
    "in-place-method": (2, SIGMOID.format("x.clone().sigmoid_()"), "calls torch.sigmoid (here as Tensor.sigmoid_)"),
    "expit": (2, "import torch\n" + SIGMOID.format("torch.special.expit(x)"), "calls torch.special.expit"),
    "imported-linear": (1, "from torch.nn.functional import linear as affine\n"
                           "def linear(x, W, b):\n    return affine(x, W, b)\n", "linear: calls torch.nn.functional.linear"),
    "bce-kernel": (3, "import torch\ndef bce_with_logits(logits, y):\n"
                      "    return torch.binary_cross_entropy_with_logits(logits, y)\n",
                   "bce_with_logits: calls torch.nn.functional.binary_cross_entropy_with_logits"),
    "adamw": (5, "import torch\ndef adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
                 "    p = param.clone().requires_grad_(True)\n    p.grad = grad.clone()\n"
                 "    opt = torch.optim.AdamW([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=0)\n"
                 "    opt.step()\n    return p.detach(), m, v\n", "adam_step: uses torch.optim"),
    "convolution-kernel": (8, "import torch\ndef conv2d(x, W, b, stride=1, padding=0):\n"
                              "    return torch.convolution(x, W, b, [stride] * 2, [padding] * 2, [1, 1], False, [0, 0], 1)\n",
                           "conv2d: calls torch.convolution"),
    "autograd-by-hand": (1, "import torch\ndef linear_backward(x, W, grad_y):\n"
                            "    with torch.enable_grad():\n        x, W = x.clone().requires_grad_(), W.clone().requires_grad_()\n"
                            "        b = torch.zeros(len(W), dtype=W.dtype, requires_grad=True)\n"
                            "        return torch.autograd.grad(x @ W.T + b, (x, W, b), grad_y)\n",
                         "linear_backward: calls torch.autograd.grad: this function is written by hand"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_a_file_that_breaks_the_rules_or_the_grading_gets_one_line_and_exit_1(tmp_path, name):
    number, text, expected = FILES[name]
    path = tmp_path / "answer.py"
    path.write_bytes(text.encode())
    stalls = "still running after 2 s" in expected or "within 2 s" in expected
    result = CliRunner().invoke(main, ["check", str(number), str(path), "--timeout", "2" if stalls else "60"])
    assert result.exit_code == 1, result.output
    assert expected in result.output and "Traceback" not in result.output, result.output
    assert "well done" not in result.output


def test_the_rules_hold_on_what_is_computed_not_on_the_text(tmp_path):
    solution = EXERCISES[2].solution_path().read_text(encoding="utf-8")
    path = tmp_path / "answer.py"
    path.write_text("# torch.sigmoid would be the easy way; 'torch.special.expit' too\n" + solution)
    result = CliRunner().invoke(main, ["check", "2", str(path)])
    assert result.exit_code == 0 and "well done" in result.output, result.output


@pytest.mark.parametrize("name", ["notes.txt", "no_extension"])
def test_a_solution_under_another_name_is_graded_as_python(tmp_path, name):
    path = tmp_path / name
    path.write_text(EXERCISES[2].solution_path().read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["check", "2", str(path)])
    assert result.exit_code == 0 and "1 of 1 functions match torch: well done." in result.output, result.output


def test_a_folder_is_called_a_folder(tmp_path):
    result = CliRunner().invoke(main, ["check", "2", str(tmp_path)])
    assert result.exit_code == 1 and result.output.strip().startswith(f"✗ {tmp_path} is a folder")


ZERO_SIGMOID = "def sigmoid(x):\n    return x * 0\n"
FORGERIES = {   # a file that tries to get "well done" for all-zero answers
    "patches-torch-comparisons": "import torch\n"
                                 "torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)\n"
                                 "torch.allclose = lambda *a, **k: True\n"
                                 "torch.Tensor.all = lambda self, *a, **k: torch.tensor(True)\n" + ZERO_SIGMOID,
    "patches-the-grader": "import ganlab.lab.exercises.grader as g, ganlab.lab.parity as p\n"
                          "g.judge = lambda *a, **k: None\ng.close = p.close = lambda *a, **k: True\n"
                          "g.grade_task = lambda *a, **k: None\n" + ZERO_SIGMOID,
    "writes-into-the-report-pipe": "import json, os, sys\nfd = int(sys.argv[-1])\n"
                                   "os.write(fd, b'{\"total\": 1}\\n{\"result\": [\"sigmoid\", true, null]}\\n{\"done\": true}\\n')\n"
                                   "os.write(fd, (10).to_bytes(8, 'big') + b'not torch!')\n" + ZERO_SIGMOID,
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_a_file_cannot_forge_its_grade(tmp_path, name):
    path = tmp_path / "answer.py"
    path.write_text(FORGERIES[name])
    result = CliRunner().invoke(main, ["check", "2", str(path), "--timeout", "20"])
    assert result.exit_code == 1 and "well done" not in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2, result.output


def test_a_file_that_forks_is_graded_once_and_its_child_does_not_outlive_the_grading(tmp_path):
    import os
    import time
    pid_file = tmp_path / "child-pid"
    solution = EXERCISES[2].solution_path().read_text(encoding="utf-8")
    path = tmp_path / "answer.py"
    path.write_text(f"import os, time\nif os.fork() == 0:\n    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
                    "    devnull = os.open(os.devnull, os.O_RDWR)\n"
                    "    for fd in (0, 1, 2):\n        os.dup2(devnull, fd)\n"
                    "    os.closerange(3, 4096)\n"            # it holds none of the grading's pipes open
                    "    time.sleep(600)\n"
                    "os.fork()\n" + solution)          # a second bare fork: two copies of the file's process
    result = CliRunner().invoke(main, ["check", "2", str(path), "--timeout", "60"])
    assert result.exit_code == 0 and result.output.strip().endswith("1 of 1 functions match torch: well done."), \
        result.output
    child = int(pid_file.read_text())

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return not open(f"/proc/{pid}/stat").read().split(") ")[1].startswith("Z")    # a zombie is gone
    for _ in range(50):
        if not alive(child):
            break
        time.sleep(0.1)
    outlived = alive(child)
    if outlived:
        os.kill(child, 9)
    assert not outlived, "a child of the learner's file outlived the grading"

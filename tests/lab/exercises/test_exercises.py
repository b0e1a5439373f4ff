"""The exercise grader: the reference solutions pass, blank files say "not written yet",
and plausible wrong answers fail, each with the hint meant for its mistake.

A wrong answer is the reference solution with one line changed, as a learner would
write it; the grader compares it with torch, never with the solution.
"""
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ganlab.lab.cli import main
from ganlab.lab.exercises import EXERCISES, check, exercise_text

# (exercise, function, line of the solution, the learner's line instead, words of the hint)
WRONG_ANSWERS = [
    (1, "linear", "return x @ W.T + b", "return x @ W + b", "multiply by its transpose"),
    (1, "linear", "return x @ W.T + b", "return x @ W.T", "the bias is missing"),
    (1, "linear", "return x @ W.T + b", "return torch.nn.functional.linear(x, W, b)", "calls torch.nn.functional.linear"),
    (1, "linear_backward", "grad_W = grad_y.T @ x", "grad_W = x.T @ grad_y", "x^T g is its transpose"),
    (1, "linear_backward", "grad_b = grad_y.sum(dim=0)", "grad_b = grad_y.mean(dim=0)", "not mean"),
    (1, "linear_backward", "grad_x = grad_y @ W", "grad_x = grad_y @ W.T", "not W.T"),
    (1, "linear_backward", "grad_b = grad_y.sum(dim=0)", "grad_b = grad_y", "grad_b has shape (4, 3); torch's has (3,)"),
    (2, "sigmoid", "return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))", "return 1 / (1 + torch.exp(-x))",
     "its gradient is inf / inf = NaN"),
    (2, "sigmoid", "return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))", "return 1 / (1 + torch.exp(x))", "that is σ(-x)"),
    (2, "sigmoid", "return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))", "return torch.exp(x) / (1 + torch.exp(x))",
     "overflows for large x"),
    (2, "sigmoid", "return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))", "return torch.where(x >= 0, 1 / (1 + e), 1 / (1 + e))",
     "for x < 0"),
    (2, "sigmoid", "return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))", "return x.sigmoid()", "calls torch.sigmoid (here as Tensor.sigmoid)"),
    (3, "bce", "log_p = torch.log(p).clamp(min=-100)", "log_p = torch.log(p)", "clamp each log at -100"),
    (3, "bce", "return -(y * log_p + (1 - y) * log_1mp).mean()", "return -(y * log_p + (1 - y) * log_1mp).sum()",
     ".mean(), not .sum()"),
    (3, "bce", "return -(y * log_p + (1 - y) * log_1mp).mean()", "return (y * log_p + (1 - y) * log_1mp).mean()", "wrong sign"),
    (3, "bce_with_logits", "return (logits.clamp(min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()",
     "return -(y * torch.log(torch.sigmoid(logits)) + (1 - y) * torch.log(1 - torch.sigmoid(logits))).mean()",
     "never takes the log of 0"),
    (3, "bce_with_logits", "return (logits.clamp(min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()",
     "return (- logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()", "max(ℓ, 0) term is missing"),
    (3, "bce_with_logits_grad", "return (torch.sigmoid(logits) - y) / logits.numel()", "return torch.sigmoid(logits) - y",
     "carries 1/N"),
    (3, "bce_with_logits_grad", "return (torch.sigmoid(logits) - y) / logits.numel()",
     "return (y - torch.sigmoid(logits)) / logits.numel()", "prediction minus target"),
    (4, "d_loss", "return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
     "return F.softplus(logits_real).mean() + F.softplus(-logits_fake).mean()", "labels are swapped"),
    (4, "d_loss", "return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
     "return (F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()) / 2", "not their average"),
    (4, "d_loss", "return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
     "return -(torch.log(torch.sigmoid(logits_real)).mean() + torch.log(1 - torch.sigmoid(logits_fake)).mean())",
     "-softplus(-ℓ)"),
    (4, "g_loss", "return F.softplus(-logits_fake).mean()", "return torch.log(1 - torch.sigmoid(logits_fake)).mean()",
     "saturating loss"),
    (4, "g_loss", "return F.softplus(-logits_fake).mean()", "return F.softplus(logits_fake).mean()", "label 1"),
    (4, "g_loss", "return F.softplus(-logits_fake).mean()", "return -F.softplus(-logits_fake).mean()", "wrong sign"),
    (5, "adam_step", "m_hat = m / (1 - beta1 ** t)", "m_hat = m", "bias correction is missing"),
    (5, "adam_step", "return param - lr * m_hat / (v_hat.sqrt() + eps), m, v",
     "return param - lr * m_hat / (v_hat + eps).sqrt(), m, v", "outside the square root"),
    (5, "adam_step", "return param - lr * m_hat / (v_hat.sqrt() + eps), m, v",
     "return param + lr * m_hat / (v_hat.sqrt() + eps), m, v", "against the gradient"),
    (5, "adam_step", "m = beta1 * m + (1 - beta1) * grad", "m = (1 - beta1) * m + beta1 * grad", "β1 weights the old mean"),
    (5, "adam_step", "m_hat = m / (1 - beta1 ** t)\n    v_hat = v / (1 - beta2 ** t)",
     "m_hat = m / (1 - beta1 ** (t - 1))\n    v_hat = v / (1 - beta2 ** (t - 1))", "1 for the first"),
    (6, "grad_wrt_fakes", "grad = torch.where(a2 > 0, grad, slope * grad) @ W2",
     "grad = torch.where(a2 > 0, grad, 0 * grad) @ W2", "not 0"),
    (6, "grad_wrt_fakes", "grad = (torch.sigmoid(logits) - 1) / len(x)", "grad = torch.sigmoid(logits) / len(x)",
     "G's label is 1"),
    (6, "grad_wrt_fakes", "grad = (torch.sigmoid(logits) - 1) / len(x)", "grad = torch.sigmoid(logits) - 1", "/ B"),
    (6, "grad_wrt_fakes", "grad = grad @ W3                                     # dL/dh2\n"
     "    grad = torch.where(a2 > 0, grad, slope * grad) @ W2  # dL/dh1, through LeakyReLU and Linear\n"
     "    grad = torch.where(a1 > 0, grad, slope * grad) @ W1  # dL/dx",
     "grad = (grad @ W3) * torch.where(a2 > 0, 1.0, slope)\n"
     "    grad = ((grad @ W2) * torch.where(a1 > 0, 1.0, slope)) @ W1", "float32"),
    (6, "grad_wrt_fakes", "return grad", "W1 -= 0.01 * W1                 # and D learns a little too\n    return grad",
     "D's weights changed"),
    (6, "generator_grads", "grad_a3 = grad_wrt_fakes(x, D, slope) * (1 - x ** 2)", "grad_a3 = grad_wrt_fakes(x, D, slope)",
     "through tanh"),
    (6, "generator_grads", "grad_a2 = (grad_a3 @ W3) * (a2 > 0)\n    grad_a1 = (grad_a2 @ W2) * (a1 > 0)",
     "grad_a2 = grad_a3 @ W3\n    grad_a1 = grad_a2 @ W2", "through ReLU"),
    (8, "conv2d", "y = W.reshape(C_out, -1) @ cols + b[:, None]", "y = W.reshape(C_out, -1) @ cols", "bias is missing"),
    (8, "conv2d", "y = W.reshape(C_out, -1) @ cols + b[:, None]", "y = W.flip(-1, -2).reshape(C_out, -1) @ cols + b[:, None]",
     "no flip"),
    (8, "conv2d", "cols = F.unfold(x, k, padding=padding, stride=stride)", "cols = F.unfold(x, k, stride=stride)",
     "RuntimeError on line"),
    (8, "conv2d", "cols = F.unfold(x, k, padding=padding, stride=stride)",
     "return F.conv2d(x, W, b, stride=stride, padding=padding)", "calls torch.nn.functional.conv2d"),
    (7, "gan_step", "    D.zero_grad()\n", "", "call D.zero_grad()"),
    (7, "gan_step", "    G.zero_grad()\n", "", "call G.zero_grad()"),
    (7, "gan_step", "x_gen = G(z_g)", "x_gen = G(z_d)", "fresh noise"),
    (7, "gan_step", "g_loss = bce_with_logits(logits_gen, ones)\n"
     "    grad_x = D.backward(bce_with_logits_backward(logits_gen, ones), param_grads=False)",
     "g_loss = -bce_with_logits(logits_gen, zeros)\n"
     "    grad_x = D.backward(-bce_with_logits_backward(logits_gen, zeros), param_grads=False)", "saturating"),
    (7, "gan_step", "    opt_D.step()\n\n", "\n", "after D's update"),
    (7, "gan_step", "d_loss = bce_with_logits(logits_real, ones) + bce_with_logits(logits_fake, zeros)",
     "d_loss = bce_with_logits(logits_real, ones) + bce_with_logits(logits_fake, zeros)\n    d_loss.backward()",
     "calls .backward(): this function is written by hand"),
    (3, "bce", "torch.log(1 - p)", "torch.log(p - 1)", "log(p - 1) is the log of a negative number"),
    (3, "bce_with_logits", "return (logits.clamp(min=0)", "return (logits.detach().clamp(min=0)",
     "its gradient with respect to logits does not"),
    (6, "grad_wrt_fakes", "grad = torch.where(a1 > 0, grad, slope * grad) @ W1",
     "grad = (grad * torch.where(a1 > 0, 1.0, slope)) @ W1", "a float32 tensor, slope rounded"),
    (6, "grad_wrt_fakes", "grad = torch.where(a2 > 0, grad, slope * grad) @ W2",
     "grad = (grad * torch.where(a2 > 0, 1.0, slope)) @ W2", "a float32 tensor, slope rounded"),
]


def answer(tmp_path, number, old="", new=""):
    """The reference solution of ``number`` with ``old`` replaced by ``new``, as a file."""
    source = EXERCISES[number].solution_path().read_text(encoding="utf-8")
    assert source.count(old) >= 1, old
    path = tmp_path / f"answer_{number}.py"
    path.write_text(source.replace(old, new, 1) if old else source, encoding="utf-8")
    return path


def results(number, path):
    return {name: (ok, message) for name, ok, message in check(number, path)}


@pytest.mark.parametrize("number", list(EXERCISES))
def test_the_reference_solution_passes(tmp_path, number):
    assert all(ok for ok, _ in results(number, answer(tmp_path, number)).values())


@pytest.mark.parametrize("number", list(EXERCISES))
def test_the_blank_exercise_says_not_written_yet(tmp_path, number):
    path = tmp_path / "blank.py"
    path.write_text(exercise_text(number), encoding="utf-8")
    found = results(number, path)
    assert found and all(not ok and message.startswith("not written yet") for ok, message in found.values())


@pytest.mark.parametrize("number, function, old, new, hint", WRONG_ANSWERS,
                         ids=[f"{n}-{f}-{h[:24]}" for n, f, _, _, h in WRONG_ANSWERS])
def test_a_wrong_answer_fails_with_its_hint(tmp_path, number, function, old, new, hint):
    if number == 7 and hint == "after D's update":           # move D's update after G's step
        source = EXERCISES[7].solution_path().read_text(encoding="utf-8")
        path = tmp_path / "answer_7.py"
        path.write_text(source.replace("    opt_D.step()\n\n", "\n", 1).replace(
            "    opt_G.step()\n", "    opt_G.step()\n    opt_D.step()\n", 1), encoding="utf-8")
    else:
        path = answer(tmp_path, number, old, new)
    found = results(number, path)
    ok, message = found[function]
    assert not ok and hint in message, message
    others = {name: r for name, r in found.items() if name != function and name != "generator_grads"}
    assert all(passed for passed, _ in others.values()), others


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = {n: sum(1 for w in WRONG_ANSWERS if w[0] == n) for n in EXERCISES}
    assert min(counts.values()) >= 3, counts


def test_an_exception_is_reported_with_the_learners_line(tmp_path):
    path = answer(tmp_path, 1, "grad_W = grad_y.T @ x", "grad_W = grad_y @ x")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "grad_W = grad_y @ x" in text)
    ok, message = results(1, path)["linear_backward"]
    assert not ok and f"RuntimeError on line {line}" in message


def test_a_missing_function_and_a_broken_file_are_one_line_each(tmp_path):
    path = answer(tmp_path, 2, "def sigmoid(x):", "def my_sigmoid(x):")
    assert results(2, path)["sigmoid"] == (False, "no function named sigmoid in your file")
    broken = tmp_path / "broken.py"
    broken.write_text("def sigmoid(x)\n    return x\n")
    result = CliRunner().invoke(main, ["check", "2", str(broken)])
    assert result.exit_code == 1 and result.output.strip() == "✗ broken.py, line 1: SyntaxError: expected ':'"


def test_forbidden_functions_are_restored_after_grading(tmp_path):
    import torch
    results(2, answer(tmp_path, 2))
    assert torch.sigmoid(torch.zeros(1)).item() == 0.5 and torch.zeros(1).sigmoid().item() == 0.5


def test_cli_writes_lists_and_grades(tmp_path):
    runner = CliRunner()
    listing = runner.invoke(main, ["exercises"])
    assert listing.exit_code == 0 and all(e.title in listing.output for e in EXERCISES.values())
    written = runner.invoke(main, ["exercise", "2", "--out", str(tmp_path)])
    path = tmp_path / "exercise_02_sigmoid.py"
    assert written.exit_code == 0 and "NotImplementedError" in path.read_text()
    assert "e / (1 + e))" not in path.read_text()                   # the solution is not handed out
    path.write_text(path.read_text().replace("raise NotImplementedError  # your code here",
                                             "e = torch.exp(-x.abs())\n    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))"))
    again = runner.invoke(main, ["exercise", "2", "--out", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output and "e / (1 + e)" in path.read_text()
    graded = runner.invoke(main, ["check", "2", str(path)])
    assert graded.exit_code == 0 and graded.output.startswith("✓ sigmoid")
    assert runner.invoke(main, ["check", "9", str(path)]).exit_code == 1


def test_running_the_exercise_file_grades_it(tmp_path):
    path = tmp_path / "ex.py"
    path.write_text(exercise_text(4), encoding="utf-8")
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "✗ d_loss: not written yet" in run.stdout and "Traceback" not in run.stderr


def test_a_finished_function_whose_helper_is_blank_says_so(tmp_path):
    source = EXERCISES[6].solution_path().read_text(encoding="utf-8")
    start = source.index("    (W1, b1), (W2, b2), (W3, b3) = D\n")          # grad_wrt_fakes's body
    end = source.index("\ndef generator_grads")
    path = tmp_path / "answer_6.py"
    path.write_text(source[:start] + "    raise NotImplementedError  # your code here\n\n" + source[end:])
    found = results(6, path)
    assert found["grad_wrt_fakes"] == (False, "not written yet: replace `raise NotImplementedError` with your code")
    assert found["generator_grads"] == (False, "calls grad_wrt_fakes, which is not written yet: write it first")


@pytest.mark.parametrize("command", [["check", "-1", "f.py"], ["check", "0", "f.py"], ["exercise", "-1"]])
def test_an_exercise_number_out_of_range_is_one_friendly_line(command, tmp_path):
    result = CliRunner().invoke(main, command + (["--out", str(tmp_path)] if command[0] == "exercise" else []))
    assert result.exit_code == 1 and f"there is no exercise {command[1]}" in result.output, result.output

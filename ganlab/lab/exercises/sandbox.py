"""Grading in two processes: the learner's file runs in one, the verdict is reached in the other.

``ganlab check N FILE`` is the grading process. It computes torch's answers, then starts
``python -m ganlab.lab.exercises.sandbox N FILE IN OUT``, the learner's process, in a process
group of its own. The grading process never loads the learner's file.

The two talk over two pipes, one message at a time, each message a length and a
``torch.save`` of tensors and plain containers (read back with ``weights_only=True``):

    grading -> learner   {"task": name, "inputs": {...}, "grad": bool}   a case to run
    learner -> grading   {"ready": true}                                  once, before loading the file
                         {"loaded": true} or {"message": why}            once, after loading it
                         ``grader.answer``: outputs and gradients, or a message
                                                                          once per case

The grading process judges every answer itself (``grader.grade``), against answers the
learner's process never sees: patching torch, the grader or the pipe there changes nothing
here, and a message that is not an answer fails the function it was for. A function that
has not answered within the time limit stops the grading and is named. At the end the
learner's process group is killed, so a child it forked does not outlive the grading.

What this cannot stop, in pure Python: a file that reads ganlab's reference solutions (they
ship inside the package) and returns their answers, or that gets round the rules of an
exercise ("not allowed: torch.sigmoid"), which are checked in the learner's process. The
grader checks honest work; it is no proctor.
"""
import io
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from ganlab.lab.exercises import get
from ganlab.lab.exercises.grader import Wrong, answer, answers, grade, load, with_grads

LIMIT = 64 * 2**20           # the largest message the grading process reads: 64 MiB


class Stopped(Exception):
    """The learner's process ran out of time, ended, or sent something that is not a message."""


def send(fd, message):
    """Write ``message`` to ``fd``: 8 bytes of length, then its ``torch.save``."""
    buffer = io.BytesIO()
    torch.save(message, buffer)
    data = buffer.getvalue()
    data = len(data).to_bytes(8, "big") + data
    while data:
        data = data[os.write(fd, data):]


def receive(fd, deadline=None):
    """The next message on ``fd``; ``Stopped`` past ``deadline`` (time.monotonic()), at the end
    of the pipe, or when what arrives is not a message of tensors and plain containers."""
    def read(n):
        data = b""
        while len(data) < n:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], wait)[0]:
                raise Stopped("time")
            chunk = os.read(fd, min(n - len(data), 1 << 20))
            if not chunk:
                raise Stopped("ended")
            data += chunk
        return data
    size = int.from_bytes(read(8), "big")
    if size > LIMIT:
        raise Stopped("garbled")
    try:
        return torch.load(io.BytesIO(read(size)), weights_only=True)
    except Exception:
        raise Stopped("garbled") from None


class LearnerProcess:
    """The learner's file, loaded in a process (and process group) of its own."""

    def __init__(self, number, path):
        to_learner, self.requests = os.pipe()
        self.replies, from_learner = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ganlab.lab.exercises.sandbox", str(number), str(path),
             str(to_learner), str(from_learner)],
            pass_fds=(to_learner, from_learner), stdin=subprocess.DEVNULL, start_new_session=True)
        os.close(to_learner)
        os.close(from_learner)

    def ask(self, message, deadline):
        send(self.requests, message)
        return receive(self.replies, deadline)

    def close(self):
        """Kill the learner's process group, whatever it left running, and reap the process."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for fd in (self.requests, self.replies):
            os.close(fd)

    def exit_status(self):
        return self.proc.wait()


def grade_in_a_process(number, path, timeout=60.0):
    """Yield ``(name, ok, message)`` for each function of exercise ``number`` graded in ``path``;
    first ``(None, True, n)``, the number of functions; a line about the grading itself comes
    as ``(None, False, message)``, and ends it."""
    try:
        tasks = get(int(number)).tasks()
    except Wrong as error:
        yield None, False, str(error)
        return
    expected = answers(tasks)                     # here, in a process that never loads the file
    yield None, True, len(tasks)
    learner = LearnerProcess(number, path)
    try:
        try:
            receive(learner.replies)                  # torch imported: the file's time starts now
            loaded = receive(learner.replies, time.monotonic() + timeout)
        except Stopped as stop:
            yield None, False, why_it_stopped(stop, learner, None, path, timeout)
            return
        if not isinstance(loaded, dict) or not loaded.get("loaded"):
            yield None, False, loaded["message"] if isinstance(loaded, dict) and "message" in loaded else \
                f"{Path(path).name} sent something that is not an answer while loading"
            return
        for task in tasks:
            deadline = time.monotonic() + timeout                 # each function gets ``timeout``

            def attempt(task, case):
                reply = learner.ask({"task": task.name, "inputs": case.inputs, "grad": with_grads(task, case)},
                                    deadline)
                return reply if well_formed(reply) else {"message": "sent something that is not an answer",
                                                         "at_case": True}
            try:
                [(name, ok, message)] = grade([task], attempt, expected)
            except Stopped as stop:
                yield None, False, why_it_stopped(stop, learner, task.name, path, timeout)
                return
            yield name, ok, message
    finally:
        learner.close()


def well_formed(reply):
    """Whether ``reply`` has the shape of ``grader.answer``'s (its contents are judged after)."""
    if not isinstance(reply, dict):
        return False
    if "message" in reply:
        return isinstance(reply["message"], str) and isinstance(reply.get("at_case"), bool)
    return isinstance(reply.get("out"), list) and all(torch.is_tensor(v) or isinstance(v, str) for v in reply["out"]) \
        and (reply.get("grads") is None or isinstance(reply["grads"], dict)
             and all(isinstance(k, str) and torch.is_tensor(v) for k, v in reply["grads"].items()))


def why_it_stopped(stop, learner, running, path, timeout):
    """The one line that says why the grading stopped while ``running`` ran (None: while loading)."""
    reason = str(stop)
    if reason == "time":
        return (f"{running}: still running after {timeout:g} s (an endless loop?): the grading stopped there"
                if running else f"{Path(path).name} did not finish loading within {timeout:g} s "
                                "(an endless loop at its top level?)")
    if reason == "garbled":
        return f"your file's process sent something that is not an answer {f'while {running} ran' if running else 'while loading'}"
    os.killpg(learner.proc.pid, signal.SIGKILL) if learner.proc.poll() is None else None
    where = f"while {running} ran" if running else "before the grading finished"
    return (f"your file ended the grading {where} (exit status {learner.exit_status()}): "
            "remove any exit(), sys.exit() or os._exit() from it")


def check_file(number, path, echo=print, timeout=60.0):
    """Grade ``path`` in a process of its own and print one line per function; 0 when all
    pass (an exit status). A function running past ``timeout`` seconds stops the grading."""
    total, passed = 0, 0
    for name, ok, message in grade_in_a_process(number, path, timeout):
        if name is None and ok:
            total = message
        elif name is None:                             # the file could not be graded at all
            echo(f"✗ {message}")
            return 1
        else:
            passed += ok
            echo(f"✓ {name}" if ok else f"✗ {name}: {message}")
    echo(f"{passed} of {total} functions match torch" + (": well done." if passed == total else "."))
    return 0 if passed == total else 1


def serve(number, path, requests, replies):
    """The learner's process: load the file, then answer each case the grading process sends."""
    me = os.getpid()
    tasks = {task.name: task for task in get(int(number)).tasks()}
    send(replies, {"ready": True})
    try:
        module = load(path)
    except Wrong as error:
        send(replies, {"message": str(error)})
        return
    if os.getpid() != me:                 # a copy the file forked while loading: not a grader
        os._exit(0)
    send(replies, {"loaded": True})
    while True:
        try:
            request = receive(requests)
        except Stopped:                   # the grading process is done with us
            return
        reply = answer(tasks[request["task"]], module, request["inputs"], request["grad"], path)
        if os.getpid() != me:             # a copy the function forked
            os._exit(0)
        send(replies, reply)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

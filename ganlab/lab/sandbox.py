"""Grading in a process of its own: a learner's file cannot end, stall or change the grading.

``ganlab check N FILE`` starts ``python -m ganlab.lab.sandbox N FILE FD``. That process
computes torch's answers first, then loads the file and grades each function
(``ganlab.lab.exercises.grader``), and reports on the pipe FD, one JSON line at a time:
``{"total": n}`` functions to grade, ``{"loading": true}`` before the file is loaded,
``{"start": name}`` before a function runs, ``{"result": [name, ok, message]}`` after it,
``{"wrong": message}`` when the file cannot be graded at all, and ``{"done": true}``.

The parent reads those lines and prints one line per function. When the process ends
before ``done`` (``os._exit`` in the file, a crash), or a function runs past the time limit,
it says so in one line, naming the function, and the exit status is 1. The file's own
prints go to the terminal as they always did. This module imports no torch: only the
grading process does.
"""
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path


def grade_in_a_process(number, path, timeout=60.0):
    """Yield ``(name, ok, message)`` for each function of exercise ``number`` graded in ``path``;
    first ``(None, True, n)``, the number of functions; a line about the grading itself comes
    as ``(None, False, message)``."""
    read, write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "ganlab.lab.sandbox", str(number), str(path), str(write)],
                            pass_fds=(write,))
    os.close(write)
    running, buffer = None, b""
    try:
        with os.fdopen(read, "rb") as pipe:
            deadline = None             # the learner's code runs from "loading" on: each stage gets ``timeout``
            while True:
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                ready, _, _ = select.select([pipe], [], [], wait)
                if not ready:                                   # out of time
                    proc.kill()
                    if running:
                        yield running, False, (f"still running after {timeout:g} s (an endless loop?): "
                                               "the grading stopped there")
                    else:
                        yield None, False, (f"{Path(path).name} did not finish loading within {timeout:g} s "
                                            "(an endless loop at its top level?)")
                    return
                chunk = os.read(pipe.fileno(), 65536)
                if not chunk:                                   # the process ended
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    message = json.loads(line)
                    if "total" not in message:
                        deadline = time.monotonic() + timeout
                    if "total" in message:
                        yield None, True, message["total"]
                    elif "start" in message:
                        running = message["start"]
                    elif "result" in message:
                        running = None
                        yield tuple(message["result"])
                    elif "wrong" in message:
                        yield None, False, message["wrong"]
                        return
                    elif "done" in message:
                        return
        code = proc.wait()
        where = f"while {running} ran" if running else "before the grading finished"
        yield running, False, (f"your file ended the grading {where} (exit status {code}): "
                               "remove any exit(), sys.exit() or os._exit() from it")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


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


def main(number, path, fd):
    """The grading process: torch's answers, then the learner's file, then each function."""
    with os.fdopen(int(fd), "w", buffering=1) as pipe:
        def send(**message):
            pipe.write(json.dumps(message) + "\n")
        from ganlab.lab.exercises import get
        from ganlab.lab.exercises.grader import Wrong, answers, grade, load
        try:
            tasks = get(int(number)).tasks()
            send(total=len(tasks))
            expected = answers(tasks)              # before any of the learner's code runs
            send(loading=True)
            module = load(path)
        except Wrong as error:
            send(wrong=str(error))
            return
        for result in grade(tasks, module, path, expected, started=lambda name: send(start=name)):
            send(result=list(result))
        send(done=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])

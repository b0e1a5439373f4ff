"""Time every lesson as a learner runs it (`ganlab lesson N`, quick mode), against its budget.

Each lesson promises to finish in under 60 seconds on 2 CPU cores. The tests only check that
each lesson runs and that its checks hold (with a generous timeout against a hang); this
script measures the promise. Each lesson runs in a fresh process, with the machine's default
number of threads, one after another; the table gives each one's wall time and its share of
the budget.

    python benchmarks/lesson_times.py [--lessons 10 14 15] [--device cpu]
"""
import argparse
import subprocess
import sys
import tempfile
import time

from ganlab.lab.teaching.index import lesson_files

BUDGET_S = 60.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, nargs="*", default=sorted(lesson_files()))
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    print(f"{'lesson':>6}  {'seconds':>8}  {'of budget':>9}")
    over = []
    for number in args.lessons:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "ganlab", "lesson", str(number), "--out", out,
                                  "--device", args.device], capture_output=True, text=True)
            seconds = time.perf_counter() - start
        if run.returncode != 0:
            print(f"{number:>6}  failed: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else '?'}")
            continue
        print(f"{number:>6}  {seconds:8.1f}  {seconds / BUDGET_S:8.0%}")
        if seconds > BUDGET_S:
            over.append(number)
    print(f"\nover the {BUDGET_S:.0f} s budget: {', '.join(map(str, over)) or 'none'}")


if __name__ == "__main__":
    main()

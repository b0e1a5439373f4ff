"""Run every lesson and copy the figures it makes into docs/lessons/images/.

The lesson pages show these figures, so run this after changing a lesson:

    python docs/lesson_figures.py [--device cpu]

Each figure is saved as NN-name.png (NN the lesson number). Lesson 12's training run
also leaves its sample grid, curves and D-output plot in a run/ folder; those are
copied as well.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "lessons" / "images"
RUN_FIGURES = ("samples.png", "losses.png", "d_outputs.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for script in sorted((ROOT / "lessons").glob("[0-9][0-9]_*.py")):
            number, out = script.name[:2], Path(tmp) / script.stem
            print(f"lesson {number} ...", end=" ", flush=True)
            start = time.perf_counter()
            subprocess.run([sys.executable, str(script), "--out", str(out), "--device", args.device],
                           check=True, stdout=subprocess.DEVNULL)
            print(f"{time.perf_counter() - start:.0f} s", flush=True)
            names = json.loads((out / "checks.json").read_text())["figures"]
            if number == "12":                       # its page also shows the training run's figures
                names += [f"run/{n}" for n in RUN_FIGURES]
            for name in names:
                shutil.copy(out / name, IMAGES / f"{number}-{name.replace('run/', 'run-')}")


if __name__ == "__main__":
    main()

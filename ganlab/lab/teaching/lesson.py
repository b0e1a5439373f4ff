"""What every lesson script shares: its options, its output folder, and its checks.

A lesson starts with ``L = lesson.setup(__doc__)``. That reads ``--out``, ``--device``,
``--seed``, ``--quick``/``--full`` and ``--show`` from the command line (``ganlab lesson N``
passes them on), seeds every random generator, and creates the output folder. In a
notebook (``ganlab lesson N --notebook``) there is no command line: the defaults hold, the
docstring is the first cell already, and figures are shown in the notebook. Then:

- ``L.say(text)`` prints a short explanation, dedented;
- ``L.check(name, ours, theirs, tol)`` prints "matches torch: max |diff| = 3e-08 ✓" and
  records the result (a failed check makes the lesson exit non-zero);
- ``L.save(fig, name)`` writes a matplotlib figure as PNG into the output folder;
  ``L.show_figure(name)`` records (and, in a notebook, shows) a PNG written there otherwise.
"""
import argparse
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ganlab.device import get_device, set_seed  # noqa: E402


@dataclass
class Lesson:
    number: int
    out: Path
    device: object
    seed: int
    quick: bool
    show: bool
    checks: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)

    def say(self, text):
        print(textwrap.dedent(text).strip() + "\n")

    def check(self, name, ours, theirs, tol):
        """Compare two tensors (or numbers); print and record the largest difference.
        Returns nothing, so that a notebook shows no value under a cell that ends with it."""
        import torch
        diff = (torch.as_tensor(ours, dtype=torch.float64) - torch.as_tensor(theirs, dtype=torch.float64)).abs().max().item()
        ok = diff <= tol
        self.checks[name] = {"max_abs_diff": diff, "tolerance": tol, "ok": ok}
        print(f"{name}: max |diff| = {diff:.1e} {'✓' if ok else '✗ (tolerance ' + format(tol, '.0e') + ')'}")

    def save(self, fig, name):
        import matplotlib.pyplot as plt
        path = self.out / name
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        self.show_figure(name)

    def show_figure(self, name):
        """Record the PNG ``name`` in the output folder as one of the lesson's figures, and show it."""
        path = self.out / name
        self.figures.append(name)
        if in_notebook():
            from IPython.display import Image, display
            display(Image(filename=str(path)))
        elif self.show:                        # open the saved PNG in the system's image viewer
            from PIL import Image
            Image.open(path).show()
        print(f"figure: {path}")

    def finish(self):
        """Write checks.json (what the tests read) and exit non-zero if a check failed."""
        (self.out / "checks.json").write_text(json.dumps({"checks": self.checks, "figures": self.figures}, indent=2))
        failed = [name for name, c in self.checks.items() if not c["ok"]]
        if failed and in_notebook():
            raise AssertionError(f"failed checks: {', '.join(failed)}")
        if failed:
            print(f"failed checks: {', '.join(failed)}", file=sys.stderr)
            sys.exit(1)


def setup(doc, number):
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--out", default=f"ganlab-out/lesson-{number:02d}")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", dest="quick", action="store_true", default=True)
    parser.add_argument("--full", dest="quick", action="store_false")
    parser.add_argument("--show", action="store_true")
    notebook = in_notebook()
    args = parser.parse_args([] if notebook else None)
    set_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if doc and not notebook:
        print(textwrap.dedent(doc).strip() + "\n")
    return Lesson(number, out, get_device(args.device), args.seed, args.quick, args.show)


def in_notebook():
    """True inside a Jupyter kernel (where sys.argv is the kernel's, not the lesson's)."""
    return "ipykernel" in sys.modules

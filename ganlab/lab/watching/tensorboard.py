"""A run's numbers and grids in TensorBoard: ``ganlab train --tensorboard [DIR]``.

What is written, with ``torch.utils.tensorboard``'s ``SummaryWriter``:

- at every log line, the interval's means of ``d_loss``, ``g_loss``, ``D(x)`` and ``D(G(z))``
  (the numbers of ``history.json``), and the images per second, as scalars at that step;
- at every epoch, the fixed-noise grid (the one saved as ``epoch-NNN.png``) as an image;
- with ``--diagnostics``, each layer's update ratio, dead units, activation spread and
  gradient norm, as scalars named ``diagnostics/<measure>/<layer>``;
- once, the run's ``Config`` as a table of text.

Open it with ``tensorboard --logdir DIR`` and then http://localhost:6006. TensorBoard is an
optional dependency: ``pip install tensorboard``, or ``pip install -e ".[tensorboard]"``.
"""
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SCALARS = {"d_loss": "d_loss", "g_loss": "g_loss", "d_real": "D(x)", "d_fake": "D(G(z))",
           "images_per_s": "images_per_s"}
MISSING = ('--tensorboard needs the tensorboard package: pip install tensorboard '
           '(or pip install -e ".[tensorboard]")')


def require_tensorboard():
    """Raise a one-line error that says what to install, where tensorboard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401  (imports tensorboard)
    except ImportError:
        raise RuntimeError(MISSING) from None


class TensorBoardLog:
    """Writes one run's scalars, grids and settings into ``log_dir``."""

    def __init__(self, log_dir):
        require_tensorboard()
        from torch.utils.tensorboard import SummaryWriter
        self.log_dir = Path(log_dir)
        self.writer = SummaryWriter(log_dir=str(self.log_dir))

    def config(self, cfg, step=0):
        """The run's settings as a two-column markdown table, under the tag ``config``."""
        rows = "\n".join(f"| {name} | {value} |" for name, value in cfg.to_dict().items())
        self.writer.add_text("config", f"| setting | value |\n|---|---|\n{rows}", step)

    def history_point(self, point):
        """One log line of ``history.json``: each of its numbers as a scalar at its step."""
        for key, tag in SCALARS.items():
            self.writer.add_scalar(tag, point[key], point["step"])

    def grid(self, image, step):
        """The fixed-noise grid (a PIL image, as ``plots.grid_image`` draws it) at ``step``."""
        pixels = np.asarray(image.convert("L"), dtype=np.uint8)
        self.writer.add_image("samples/fixed noise", pixels, step, dataformats="HW")

    def diagnostics(self, point):
        """One point of ``Diagnostics``: each measure of each layer, as a scalar."""
        for measure, layers in point.items():
            if measure == "step":
                continue
            for layer, value in layers.items():
                self.writer.add_scalar(f"diagnostics/{measure}/{layer}", value, point["step"])

    def flush(self):
        self.writer.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.writer.close()


@contextmanager
def dashboard(logdir, timeout=60):
    """The real ``tensorboard`` server for ``logdir`` on a free loopback port, for as long as
    the ``with`` lasts: yields its address, once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "data/runs", timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"tensorboard did not answer at {url} within {timeout} s") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)

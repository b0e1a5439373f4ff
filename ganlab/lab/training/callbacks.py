"""What a run does besides its steps, as callbacks of the ``Trainer`` (``ganlab.lab.training.trainer``).

Each is handed what it works with and does one thing: print the log lines, draw the grid of
the fixed noise at each epoch's end, ask the watchdog, save the checkpoint, measure each
layer, write for TensorBoard, move the progress bar, and at the end draw the figures.
``ganlab.lab.training.train`` lists them, in the order they are called.
"""
import json

import torch

from ganlab.lab.training.checkpoint import save_checkpoint, training_state
from ganlab.lab.watching.plots import grid_image, plot_history, save_gif, save_grid

GRID_COLUMNS = 8


@torch.no_grad()
def draw(model, z, y):
    """The sampler's images for noise ``z`` (and labels ``y``), drawn in evaluation mode:
    dropout off, batch norm with its running statistics."""
    G = model.sampler()
    training = G.training
    images = G.eval()(z, y)
    G.train(training)
    return images


def format_point(p):
    return (f"epoch {p['epoch']:7.2f}  step {p['step']:6d}  d_loss {p['d_loss']:.4f}  g_loss {p['g_loss']:.4f}  "
            f"D(x) {p['d_real']:.3f}  D(G(z)) {p['d_fake']:.3f}  {p['images_per_s']:,.0f} img/s")


class LogLines:
    """One line per log interval: epoch, step, both losses, D(x), D(G(z)), images a second."""

    def __init__(self, log):
        self.log = log

    def on_log(self, trainer, point):
        self.log(format_point(point))


class EpochGrids:
    """At each epoch's end, the grid of the fixed noise ``z`` (labels ``y``), saved as
    ``epoch-NNN.png``; ``trainer.grid`` holds its images for the callbacks after this one."""

    def __init__(self, out, z, y):
        self.out, self.z, self.y = out, z, y

    def on_epoch(self, trainer):
        trainer.grid = draw(trainer.model, self.z, self.y)
        save_grid(trainer.grid, self.out / f"epoch-{trainer.step // trainer.steps_per_epoch:03d}.png",
                  nrow=GRID_COLUMNS)


class WatchdogChecks:
    """The watchdog (``ganlab.lab.watching.watchdog``) reads every log point and every epoch's grid;
    ``digits``: the labels the grid asked for, when they are digits to check."""

    def __init__(self, watchdog, digits):
        self.watchdog, self.digits = watchdog, digits

    def on_log(self, trainer, point):
        self.watchdog.check_history(point)

    def on_epoch(self, trainer):
        self.watchdog.check_samples(trainer.grid, trainer.step, labels=self.digits)


class Checkpoints:
    """The checkpoint, written atomically at each epoch's end and at the end: both networks,
    both optimizers, the settings, the step, the noise generator's state, the history and
    the fingerprint of the data (a resume checks it trains on the same)."""

    def __init__(self, path, data_fingerprint):
        self.path, self.data = path, data_fingerprint

    def save(self, trainer):
        save_checkpoint({"model": training_state(trainer.model), "config": trainer.cfg.to_dict(),
                         "step": trainer.step, "noise_rng": trainer.noise.get_state(), "history": trainer.history,
                         "data": self.data}, self.path)
        trainer.saved_at = trainer.step

    on_epoch = on_end = save


class Figures:
    """At the end: the fixed noise's last grid (``samples.png``), ``history.json``, the curves,
    and ``training.gif`` from every epoch's grid (so a resumed run's animation is whole).
    ``equilibrium``: where D's outputs meet once G draws the data (None: D's outputs are scores)."""

    def __init__(self, out, z, y, equilibrium):
        self.out, self.z, self.y, self.equilibrium = out, z, y, equilibrium

    def on_end(self, trainer):
        save_grid(draw(trainer.model, self.z, self.y), self.out / "samples.png", nrow=GRID_COLUMNS)
        (self.out / "history.json").write_text(json.dumps(trainer.history, indent=1))
        if trainer.history:
            plot_history(trainer.history, self.out, self.equilibrium)
        from PIL import Image
        save_gif([Image.open(p).copy() for p in sorted(self.out.glob("epoch-*.png"))], self.out / "training.gif")


class LayerDiagnostics:
    """``--diagnostics``: each layer measured on the step that ends a log interval
    (``ganlab.lab.watching.diagnostics``), and saved at the end; ``board``: also to TensorBoard."""

    def __init__(self, diagnostics, out, board=None):
        self.diagnostics, self.out, self.board, self.measuring = diagnostics, out, board, False

    def before_step(self, trainer):
        self.measuring = trainer.measuring()
        if self.measuring:
            self.diagnostics.before_step()

    def after_step(self, trainer):
        if self.measuring:
            self.diagnostics.after_step(trainer.step)
            if self.board:
                self.board.diagnostics(self.diagnostics.points[-1])

    def on_end(self, trainer):
        self.diagnostics.save(self.out)


class TensorBoardWriter:
    """``--tensorboard``: every log point, and each epoch's grid (``ganlab.lab.watching.tensorboard``)."""

    def __init__(self, board):
        self.board = board

    def on_log(self, trainer, point):
        self.board.history_point(point)

    def on_epoch(self, trainer):
        self.board.grid(grid_image(trainer.grid, GRID_COLUMNS), trainer.step)
        self.board.flush()


class ProgressBar:
    """A progress bar on a terminal (tqdm); the log lines are written above it."""

    def __init__(self, total, initial):
        from tqdm import tqdm
        self.bar = tqdm(total=total, initial=initial, unit="step", leave=False)

    def after_step(self, trainer):
        self.bar.update(1)

    def on_end(self, trainer):
        self.bar.close()

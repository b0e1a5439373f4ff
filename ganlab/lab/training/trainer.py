"""The loop that takes a run's steps, and calls back what watches and saves it.

``Trainer.run`` draws each batch in the epoch's seeded order, takes a step (D, then G), and
keeps the step's numbers on the device. Everything else a run does is a callback it calls at
each event (``ganlab.lab.training.callbacks``): before and after a step, at every log line,
at the end of every epoch, and once at the end. A callback is any object with some of the
methods ``before_step(trainer)``, ``after_step(trainer)``, ``on_log(trainer, point)``,
``on_epoch(trainer)`` and ``on_end(trainer)`` (minGPT's ``Trainer`` with ``trigger_callbacks``).
"""
import time

import torch

from ganlab.lab.training.loop import StepInputs, batch_stream

LOG_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")


class TrainingDiverged(RuntimeError):
    """A loss or D output became NaN or infinite."""


class Trainer:
    """Takes the steps of ``model`` on ``images`` (N, 784) and their ``labels`` (N,), from step
    ``step`` to ``total``; ``noise`` draws each step's noise (and a conditional G's labels)."""

    def __init__(self, model, take_step, cfg, images, labels, noise, step=0, history=(), callbacks=()):
        self.model, self.take_step, self.cfg = model, take_step, cfg
        self.images, self.labels, self.noise = images, labels, noise
        self.steps_per_epoch = len(images) // cfg.batch_size
        if self.steps_per_epoch == 0:
            raise ValueError(f"--batch-size {cfg.batch_size} is larger than the data set ({len(images)} images)")
        self.total = cfg.steps or cfg.epochs * self.steps_per_epoch
        self.step, self.history, self.callbacks = step, list(history), list(callbacks)
        self.saved_at = step if step else None        # the step of the last checkpoint written (a resumed run's)

    def trigger(self, event, *args):
        for callback in self.callbacks:
            if hasattr(callback, event):
                getattr(callback, event)(self, *args)

    def measuring(self):
        """Whether the step about to be taken ends a log interval."""
        return (self.step + 1) % self.cfg.log_every == 0 or self.step + 1 == self.total

    def run(self, stop=lambda: False):
        """Take steps until ``total`` or until ``stop()``; return the history."""
        cfg, device = self.cfg, self.images.device
        stream = batch_stream(len(self.images), cfg.batch_size, cfg.seed, self.step, device)
        # real images keep their labels; a conditional G is asked for random ones
        inputs = StepInputs(self.noise, cfg.latent_dim, self.images.dtype, cfg.num_classes, cfg.mismatched_labels)
        sums, count, t_last = torch.zeros(4, device=device, dtype=torch.float64), 0, time.perf_counter()
        while self.step < self.total and not stop():
            idx = next(stream)
            self.trigger("before_step")
            stats = self.take_step(*inputs(self.images[idx], self.labels[idx] if cfg.conditional else None))
            sums += torch.stack([stats[k] for k in LOG_KEYS]).to(torch.float64)       # stays on the device
            self.step, count = self.step + 1, count + 1
            self.trigger("after_step")
            if self.step % cfg.log_every == 0 or self.step == self.total:
                now = time.perf_counter()
                point = self.history_point(sums / count, count * cfg.batch_size / (now - t_last))
                self.history.append(point)
                self.trigger("on_log", point)
                sums.zero_()
                count, t_last = 0, now
            if self.step % self.steps_per_epoch == 0:                  # the end of an epoch
                self.check_finite(sums)                                 # never save a diverged model
                self.trigger("on_epoch")
        self.check_finite(sums)
        self.trigger("on_end")
        return self.history

    def check_finite(self, numbers):
        if not torch.isfinite(numbers).all():
            kept = f"the last good checkpoint (step {self.saved_at}) is kept" if self.saved_at is not None \
                else "no checkpoint was written"
            raise TrainingDiverged(f"training diverged by step {self.step}: losses became NaN or infinite; {kept}")

    def history_point(self, means, images_per_s):
        self.check_finite(means)
        d_loss, g_loss, d_real, d_fake = means.tolist()          # one host sync per interval
        return {"step": self.step, "epoch": round(self.step / self.steps_per_epoch, 3), "d_loss": d_loss,
                "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake, "images_per_s": round(images_per_s, 1)}

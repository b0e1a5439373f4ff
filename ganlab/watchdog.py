"""Cheap health checks during training, each naming a symptom and where the docs explain it.

- **D wins**: D(x) near 1 and D(G(z)) near 0 for several log intervals in a row. G's
  gradient then carries little information and its samples stop improving.
- **Mode collapse**: the digit classifier (when one is cached) sees only a few digits
  among samples from fixed noise, once G has had ``warmup_steps`` to learn (before that
  its samples are blobs, which the classifier reads as one or two digits).
- NaN or infinite losses stop the run outright (see ``ganlab.train``).
"""
import torch

DOCS = "docs/theory/failure-modes.md"     # the page that explains each symptom


class Watchdog:
    def __init__(self, classifier=None, patience=3, log=print, warmup_steps=1000):
        self.classifier, self.patience, self.log = classifier, patience, log
        self.warmup_steps = warmup_steps
        self.d_wins_streak = 0
        self.warned = set()

    def _warn(self, symptom, message, anchor):
        if symptom not in self.warned:                     # each symptom once per run
            self.warned.add(symptom)
            self.log(f"warning: {message} (see {DOCS}#{anchor})")

    def check_history(self, point):
        """Look at one history point (mean D(x), D(G(z)) over a log interval)."""
        d_wins = point["d_real"] > 0.95 and point["d_fake"] < 0.05
        self.d_wins_streak = self.d_wins_streak + 1 if d_wins else 0
        if self.d_wins_streak >= self.patience:
            self._warn("d-wins", f"D is winning: D(x) = {point['d_real']:.3f}, D(G(z)) = {point['d_fake']:.3f} "
                       f"for {self.d_wins_streak} log intervals; G learns little now", "d-wins")

    @torch.no_grad()
    def check_samples(self, images, step=None, min_digits=5):
        """Classify samples drawn from fixed noise at ``step``; warn when few digits appear."""
        if self.classifier is None or (step is not None and step < self.warmup_steps):
            return None
        predicted = self.classifier(images.float().cpu()).argmax(1)
        shares = torch.bincount(predicted, minlength=10).double() / len(predicted)
        covered = int((shares >= 0.025).sum())
        if covered < min_digits:
            top = shares.argmax().item()
            self._warn("collapse", f"mode collapse: samples show only {covered} of 10 digits "
                       f"({shares[top]:.0%} are {top}s)", "mode-collapse")
        return covered

"""Cheap health checks during training, each naming a symptom and where the docs explain it.

- **D wins**: D(x) near 1 and D(G(z)) near 0 for several log intervals in a row. G's
  gradient then carries little information and its samples stop improving.
- **D wins quietly**: D(x) well above D(G(z)) (0.8 against 0.1, say) and both flat for
  many log intervals: no longer a game, D has memorized the training set and G has
  settled on what it can pass off. Typical of a small data set; the cure that measured
  best here is to keep D smooth: ``--spectral-norm`` (or the R1 penalty, ``--r1 1``).
- **Mode collapse**: the digit classifier (when one is cached) sees only a few digits
  among samples from fixed noise, once G has had ``warmup_steps`` to learn (before that
  its samples are blobs, which the classifier reads as one or two digits).
- **The label is ignored** (a conditional G): the classifier reads the digit each row of the
  grid asked for in fewer than half of its samples, after the warm-up.
- NaN or infinite losses stop the run outright (see ``ganlab.lab.training.train``).
"""
import torch

DOCS = "docs/theory/failure-modes.md"     # the page that explains each symptom


class Watchdog:
    def __init__(self, classifier=None, patience=3, log=print, warmup_steps=1000, stall_window=8,
                 probabilities=True, remedy="--spectral-norm (or --r1 1)"):
        self.classifier, self.patience, self.log = classifier, patience, log
        self.warmup_steps = warmup_steps
        self.stall_window = stall_window      # log intervals of a flat, lopsided D(x) and D(G(z))
        self.probabilities = probabilities    # D(x) is a probability (BCE); other losses log raw scores
        self.remedy = remedy                  # the option to suggest when D has memorized the data
        self.d_wins_streak = 0
        self.recent = []
        self.warned = set()

    def _warn(self, symptom, message, anchor):
        if symptom not in self.warned:                     # each symptom once per run
            self.warned.add(symptom)
            self.log(f"warning: {message} (see {DOCS}#{anchor})")

    def check_history(self, point):
        """Look at one history point (mean D(x), D(G(z)) over a log interval)."""
        if not self.probabilities:
            return
        d_wins = point["d_real"] > 0.95 and point["d_fake"] < 0.05
        self.d_wins_streak = self.d_wins_streak + 1 if d_wins else 0
        if self.d_wins_streak >= self.patience:
            self._warn("d-wins", f"D is winning: D(x) = {point['d_real']:.3f}, D(G(z)) = {point['d_fake']:.3f} "
                       f"for {self.d_wins_streak} log intervals; G learns little now", "d-wins")
        self.recent = (self.recent + [(point["d_real"], point["d_fake"])])[-self.stall_window:]
        if len(self.recent) == self.stall_window:
            real, fake = zip(*self.recent)
            lopsided = min(real) - max(fake) > 0.4             # D tells them apart every time
            flat = max(real) - min(real) < 0.1 and max(fake) - min(fake) < 0.1
            if lopsided and flat:
                self._warn("d-stalls", f"D is winning and the game has stalled: D(x) ≈ {sum(real) / len(real):.2f}, "
                           f"D(G(z)) ≈ {sum(fake) / len(fake):.2f}, flat for {self.stall_window} log intervals; "
                           f"D has likely memorized the data. Keep D smooth: {self.remedy}", "d-wins")

    @torch.no_grad()
    def check_samples(self, images, step=None, min_digits=5, labels=None, min_agreement=0.5):
        """Classify samples drawn from fixed noise at ``step``; warn when few digits appear, and,
        given the ``labels`` a conditional G was asked for, when it draws them too rarely."""
        if self.classifier is None or (step is not None and step < self.warmup_steps):
            return None
        predicted = self.classifier(images.float().cpu()).argmax(1)
        if labels is not None:
            agreement = (predicted == labels.cpu()).double().mean().item()
            if agreement < min_agreement:
                self._warn("label-ignored", f"G ignores the digit it is asked for: only {agreement:.0%} of the grid "
                           "is read as its row's digit", "label-ignored")
        shares = torch.bincount(predicted, minlength=10).double() / len(predicted)
        covered = int((shares >= 0.025).sum())
        if covered < min_digits:
            top = shares.argmax().item()
            self._warn("collapse", f"mode collapse: samples show only {covered} of 10 digits "
                       f"({shares[top]:.0%} are {top}s)", "mode-collapse")
        return covered

r"""The referee: what D is shown of each image, and what it pays beyond the game.

Two techniques keep D from winning too easily on a small data set (``docs/theory/refereeing.md``):

- **augmentation** (``ganlab.augment``): D sees every image, real and fake, randomly shifted and
  partly erased, $D(T(x))$, in the D step and in the G step alike;
- **gradient penalties** (``ganlab.penalties``) added to D's loss: R1 at the real images,
  $\frac{\gamma}{2}\lVert\nabla_x D(x)\rVert^2$, lazily every $k$ steps and $k$ times as strong,
  and WGAN-GP's $\lambda(\lVert\nabla_{\hat x} D(\hat x)\rVert - 1)^2$ between real and fake.

A ``Referee()`` with no settings does nothing: D sees the images as they are and pays nothing more.
"""
from ganlab.penalties import gradient_penalty, r1_penalty


class Referee:
    """``augment``: a ``DiffAugment`` or None; ``r1``: γ (0 = off), every ``r1_every`` steps;
    ``gp``: λ of WGAN-GP (0 = off); ``rng``: the ``RandomNumbers`` of the penalty's random points."""

    def __init__(self, augment=None, r1=0.0, r1_every=1, gp=0.0, rng=None):
        self.augment, self.r1, self.r1_every, self.gp, self.rng = augment, r1, r1_every, gp, rng

    def see(self, x):
        """What D is shown of the images ``x`` (B, 784): x itself, or a random augmentation of it."""
        return self.augment(x) if self.augment else x

    def r1_due(self, steps):
        """Whether the step after ``steps`` steps adds R1 (every ``r1_every``-th step)."""
        return bool(self.r1) and steps % self.r1_every == 0

    def add_penalties(self, d_loss, D, logits_real, seen, labels, steps):
        r"""``d_loss`` plus R1 (when due, $k$ times as strong: the same on average) and WGAN-GP.

        ``seen``: the images D was shown, the B reals first, then the B fakes.
        """
        if self.r1_due(steps):
            d_loss = d_loss + self.r1_every * r1_penalty(logits_real, seen, self.r1)
        if self.gp:
            B = len(logits_real)
            d_loss = d_loss + gradient_penalty(D, seen[:B], seen[B:2 * B], self.gp, self.rng, labels)
        return d_loss

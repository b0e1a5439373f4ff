r"""One GAN training step: a D step, then a G step, from parts built elsewhere.

Each step plays one round of the minimax game $\min_G \max_D V(D, G)$:

1. **D step**: with G fixed, push D(x) towards "real" and D(G(z)) towards "fake", by
   minimizing the game's D loss, $\text{real}(\ell_{\text{real}}) + \text{fake}(\ell_{\text{fake}})$
   ($= -\hat V$ for BCE, ``ganlab.objective``).
2. **G step**: with D fixed, on fresh noise, push D(G(z)) towards "real" by minimizing
   the game's G loss, $\text{g}(\ell_{\text{gen}})$.

A *conditional* GAN passes labels along: the real images' own, random ones for the fakes.
Given ``y_wrong``, a wrong label for each real image, D also learns that a real image with
the wrong label is "fake" (the *matching-aware* D), with a share w (``mismatch_weight``):

$$\mathcal{L}_D = \text{real}(D(x \mid y))
  + (1 - w)\,\text{fake}(D(G(z \mid y') \mid y')) + w\,\text{fake}(D(x \mid \tilde y))$$

The parts: G and D (``ganlab.models``, ``ganlab.dcgan``), the game (``ganlab.objective``), an
Adam for each (``ganlab.optim``), an optional referee (``ganlab.referee``: augmentation and
penalties) and an optional averaged G (``ganlab.ema``); ``ganlab.lab.training.build`` puts them together.
Here the gradients come from autograd; ``ganlab.gan_by_hand`` writes every backward by hand.

Random numbers: the noise and labels are the step's inputs; D's own (dropout masks,
augmentations, penalty points) all come from one ``RandomNumbers``, ``rng``
(``ganlab.random_numbers``), handed to those parts when they are built.
"""
import torch

from ganlab.ema import update_average
from ganlab.referee import Referee


class GAN:
    """G and D, the game they play, an Adam for each, a referee and an averaged G; and ``step``."""

    def __init__(self, G, D, game, opt_G, opt_D, referee=None, G_ema=None, ema=0.0, mismatch_weight=0.5, rng=None):
        self.G, self.D, self.game, self.opt_G, self.opt_D = G, D, game, opt_G, opt_D
        self.referee = referee or Referee()
        self.G_ema, self.ema = G_ema, ema             # the averaged G and its decay (none: 0)
        self.mismatch_weight = mismatch_weight        # share of D's fake term for real images with wrong labels
        self.rng, self.num_classes = rng, getattr(G, "num_classes", 0)   # D's random numbers; classes
        self.steps = 0                                # steps taken, for the EMA warm-up and lazy R1

    def step(self, x_real, z_d, z_g, y_real=None, y_d=None, y_g=None, y_wrong=None):
        """Train D once on ``x_real`` (B, 784) and G(``z_d``), then G once on G(``z_g``).

        A conditional GAN also takes labels (B,): ``y_real``, ``y_d`` and ``y_g`` asked of G in
        each half, and optionally ``y_wrong``. Returns 0-dim tensors (no host sync): ``d_loss``,
        ``g_loss``, ``d_real`` = mean D(x) and ``d_fake`` = mean D(G(z)), from the D step."""
        stats = self.play(x_real, z_d, z_g, y_real, y_d, y_g, y_wrong)
        self.end_step()
        return stats

    def play(self, x_real, z_d, z_g, y_real=None, y_d=None, y_g=None, y_wrong=None):
        """The round itself, D's half then G's (``ganlab.speed`` compiles this as it is)."""
        stats = self.d_step(x_real, z_d, y_real, y_d, y_wrong)
        stats["g_loss"] = self.g_step(z_g, y_g)
        return stats

    def end_step(self):
        """After the round: count it, and move the averaged G towards G."""
        self.steps += 1
        if self.G_ema:
            update_average(self.G_ema, self.G, self.ema, self.steps)

    def d_step(self, x_real, z_d, y_real=None, y_d=None, y_wrong=None):
        # G's output without a graph: the D step must leave G untouched
        with torch.no_grad():
            x_fake = self.G(z_d, y_d)                                           # (B, 784)
        batches = [(x_real, y_real), (x_fake, y_d)] + ([(x_real, y_wrong)] if y_wrong is not None else [])
        r1_due = self.referee.r1_due(self.steps)              # R1 needs ∇ₓD: the images require grad
        logits, seen = self.judge(batches, input_grad=r1_due)                  # (B, 1) each
        d_loss = self.referee.add_penalties(self.d_loss(logits), self.D, logits[0], seen, y_real, self.steps)
        grads = torch.autograd.grad(d_loss, self.D.parameters())      # ∂L/∂θ, straight to Adam
        self.opt_D.step(grads)
        return self.d_stats(d_loss, logits)

    def g_step(self, z_g, y_g=None):
        # only G's gradients are asked for: D is not updated here
        logits_gen = self.D(self.referee.see(self.G(z_g, y_g)), y_g)           # (B, 1)
        g_loss = self.game.g(logits_gen)
        self.opt_G.step(torch.autograd.grad(g_loss, self.G.parameters()))
        return g_loss.detach()

    def d_loss(self, logits):
        """real(ℓ_real) + fake(ℓ_fake); with wrongly labelled reals, real + (1 - w) fake(ℓ_fake) + w fake(ℓ_wrong)."""
        real, *fakes = logits
        return self.game.real(real) + sum(w * self.game.fake(f) for w, f in zip(self.fake_weights(len(logits)), fakes))

    def fake_weights(self, n_batches):
        """How the "fake" term is shared: all G's fakes, or (1 - w) G's and w wrongly labelled reals."""
        return [1.0] if n_batches == 2 else [1 - self.mismatch_weight, self.mismatch_weight]

    def judge(self, batches, input_grad=False):
        """D's logits for each (images, labels) batch, and the images as D saw them (stacked).

        All batches are augmented together and go through D as one call, row by row the same
        arithmetic as one call each: 14.4 ms per eager step of the default recipe against 16.2
        ms for a call each (2 CPU cores, median of 5 × 60 steps), and D's draws are made for the
        stacked batch. Not when D's answer depends on its batch (minibatch-std): one call each.
        ``input_grad``: the stacked images require grad, for a penalty on ∇ₓD.
        """
        seen = self.referee.see(torch.cat([x for x, _ in batches]))        # (2B, 784) or (3B, 784)
        if input_grad:
            seen.requires_grad_(True)
        sizes = [len(x) for x, _ in batches]
        if self.D.batch_dependent:
            return [self.D(x, y) for x, (_, y) in zip(seen.split(sizes), batches)], seen
        y = None if batches[0][1] is None else torch.cat([y for _, y in batches])
        return self.D(seen, y).split(sizes), seen

    def d_stats(self, d_loss, logits):
        """What the D step logs: its loss, and D's mean output on the real and the fake images."""
        return {"d_loss": d_loss.detach(), "d_real": self.game.prob(logits[0].detach()).mean(),
                "d_fake": self.game.prob(logits[1].detach()).mean()}

    def sampler(self):
        """The generator to draw samples from: the averaged copy when there is one."""
        return self.G_ema or self.G

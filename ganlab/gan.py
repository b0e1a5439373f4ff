r"""One GAN training step, from ganlab's own pieces: G, D, BCE and Adam.

Each step plays one round of the minimax game $\min_G \max_D V(D, G)$:

1. **D step**: with G fixed, push D(x) towards 1 and D(G(z)) towards 0, by minimizing
   $\mathrm{BCE}(D(x), 1) + \mathrm{BCE}(D(G(z)), 0) = -\hat V(D, G)$.
2. **G step**: with D fixed, on fresh noise, push D(G(z)) towards 1 by minimizing
   $\mathrm{BCE}(D(G(z)), 1) = -\mathbb{E}[\log D(G(z))]$ (the non-saturating loss), or
   $\mathbb{E}[\log(1 - D(G(z)))]$ (the saturating one, as V is written).

A *conditional* GAN (``num_classes`` > 0) passes class labels along: the real images'
own labels in the D step, and labels drawn at random for the fakes, which G is asked
to draw and D judges against (see ``ganlab.conditional``). Given ``y_wrong``, a wrong
label for each real image, D also learns that a real image with the wrong label is
"fake", the *matching-aware* discriminator, with a share w of the "fake" term
(``mismatch_weight``, 1/2 as first written):

$$\mathcal{L}_D = \mathrm{BCE}(D(x \mid y), 1)
  + (1 - w)\,\mathrm{BCE}(D(G(z \mid y') \mid y'), 0) + w\,\mathrm{BCE}(D(x \mid \tilde y), 0)$$

Without that third term D can tell real from fake by looks alone, never learns to read
the label, and G learns to ignore it (``docs/theory/conditional.md`` shows both runs).

Beyond the classic game, D's loss can be another one written on its logits (``loss``:
least squares, hinge, Wasserstein, see ``ganlab.objective``), D can see every image
through a random differentiable augmentation (``ganlab.augment``), have a gradient
penalty added (R1 or WGAN-GP, ``ganlab.penalties``) and its weights spectrally
normalized (``ganlab.spectral_norm``); D and G can learn at different rates.

The gradients come either from autograd or from the hand-written backward passes of
every layer (``manual_backward=True``); both give the same numbers. ``ganlab.speed``
wraps this class to run the same step compiled into one graph.
"""
import copy
from contextlib import nullcontext

import torch

from ganlab.augment import SIDE, DiffAugment
from ganlab.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_channels
from ganlab.models import Discriminator, Generator
from ganlab.objective import Objective
from ganlab.optim import Adam
from ganlab.penalties import gradient_penalty, r1_penalty


class GAN:
    """G and D with their Adam optimizers, an optional averaged copy of G, and ``step``.

    ``loss``: ``"bce"``, ``"lsgan"``, ``"hinge"`` or ``"wgan-gp"`` (``ganlab.objective``).
    ``stable_loss``: BCE on logits (True) or the sigmoid then BCE on probabilities (False,
    as the classic recipe does). ``real_label``: the target for real images in the D
    step (1.0, or 0.9 for one-sided label smoothing). ``g_loss``: ``"non_saturating"``
    or ``"saturating"``. ``ema``: decay of the averaged copy of G's weights (0 = none).
    ``dropout``: the probability of zeroing each hidden unit of D during training.
    ``minibatch_std``: give D's last layer the batch's feature spread as one more input.
    ``num_classes``: 0 for the classic GAN; 10 for a GAN conditioned on the digit.
    ``lr_d``, ``lr_g``: each network's learning rate (None = ``lr``).
    ``translation``, ``cutout``: D sees every image shifted and partly erased (0 = off).
    ``r1``: $\\gamma$ of the R1 penalty (0 = off), added every ``r1_every`` steps.
    ``gp``: $\\lambda$ of the WGAN-GP penalty (0 = off). ``spectral_norm``: D's weights
    divided by their spectral norms.
    ``generator``: draws the initial weights; ``seed``: starts D's own random numbers.
    ``projection``: a conditional D reads the label by projection, not appended to x.
    ``arch``: ``"mlp"``, or ``"dcgan"`` for convolutional G and D (``ganlab.dcgan``).
    """

    def __init__(self, *, latent_dim=64, hidden_dim=256, image_dim=784, slope=0.2,
                 lr=2e-4, betas=(0.9, 0.999), stable_loss=True, real_label=1.0,
                 g_loss="non_saturating", ema=0.0, dropout=0.0, minibatch_std=False, num_classes=0,
                 manual_backward=False, device=None, dtype=torch.float32, generator=None,
                 seed=0, loss="bce", lr_d=None, lr_g=None, translation=0.0, cutout=0.0,
                 r1=0.0, r1_every=1, gp=0.0, spectral_norm=False, mismatch_weight=0.5, projection=False, arch="mlp"):
        self.objective = Objective(loss, real_label, stable_loss, g_loss)
        if arch == "dcgan" and (num_classes or dropout or minibatch_std or spectral_norm or image_dim != 784):
            raise ValueError("the DCGAN draws 28 x 28 images with neither labels, dropout, "
                             "minibatch-std nor spectral norm")
        if manual_backward and (r1 or gp):
            raise ValueError("R1 and the gradient penalty need second derivatives, which the manual "
                             "backend does not write by hand; use the autograd backend for them")
        if (r1 or gp) and minibatch_std:
            raise ValueError("R1 and the gradient penalty do not work with --minibatch-std")
        if (translation or cutout) and image_dim != SIDE * SIDE:
            raise ValueError("augmentation shifts and erases 28 x 28 images: image_dim must be 784")
        self.num_classes = num_classes
        sizes = dict(hidden_dim=hidden_dim, image_dim=image_dim, num_classes=num_classes, device=device, dtype=dtype)
        # D's own random numbers (dropout masks, augmentations, penalty points) come from one
        # generator, saved in checkpoints, so that a resumed run is exact
        self.dropout_rng = torch.Generator(device=device or "cpu").manual_seed(seed + 3)
        if arch == "dcgan":                 # convolutions (ganlab.dcgan), hidden_dim/4 and /2 feature maps
            channels = dcgan_channels(hidden_dim)
            self.G = DCGANGenerator(latent_dim=latent_dim, channels=channels, device=device, dtype=dtype, generator=generator)
            self.D = DCGANDiscriminator(channels=channels, slope=slope, device=device, dtype=dtype, generator=generator)
        else:
            self.G = Generator(latent_dim=latent_dim, generator=generator, **sizes)
            self.D = Discriminator(slope=slope, dropout=dropout, minibatch_std=minibatch_std, spectral_norm=spectral_norm,
                                   projection=projection, generator=generator, dropout_generator=self.dropout_rng, **sizes)
        self.augment = DiffAugment(translation, cutout, self.dropout_rng) if translation or cutout else None
        self.opt_G = Adam(self.G.parameters(), lr=lr_g or lr, betas=betas)
        self.opt_D = Adam(self.D.parameters(), lr=lr_d or lr, betas=betas)
        self.r1, self.r1_every, self.gp = r1, r1_every, gp
        self.mismatch_weight = mismatch_weight      # share of D's fake term for real images with wrong labels
        # minibatch-std makes D's answer for one image depend on the rest of its batch, so
        # then real and fake batches must go through D separately (see judge)
        self.separate_batches = minibatch_std
        self.manual_backward = manual_backward
        self._step = self._manual_step if manual_backward else self._autograd_step
        self.ema = ema
        self.steps = 0                                      # steps taken, for the EMA warm-up
        # a copy of G, only ever drawn from: in evaluation mode for good
        self.G_ema = copy.deepcopy(self.G).eval() if ema else None

    # ---- the D loss from D's logits on each batch, and its gradients -----------------------
    def fake_weights(self, n_batches):
        """How the "fake" term is shared: all G's fakes, or (1 - w) G's and w wrongly labelled reals."""
        return [1.0] if n_batches == 2 else [1 - self.mismatch_weight, self.mismatch_weight]

    def d_loss(self, logits):
        r"""real(ℓ_real) + fake(ℓ_fake); with wrongly labelled reals, real + (1 - w) fake(ℓ_fake) + w fake(ℓ_wrong)."""
        real, *fakes = logits
        weights = self.fake_weights(len(logits))
        return self.objective.real(real) + sum(w * self.objective.fake(f) for w, f in zip(weights, fakes))

    def d_loss_grad(self, i, logits, n_batches):
        """∂(``d_loss``)/∂ℓ for the logits of batch ``i`` of ``n_batches`` (0 = the reals), by hand."""
        if i == 0:
            return self.objective.real_grad(logits)
        return self.fake_weights(n_batches)[i - 1] * self.objective.fake_grad(logits)

    def see(self, x):
        """What D is shown of the images ``x`` (B, 784): x itself, or a random augmentation of it."""
        return self.augment(x) if self.augment else x

    # ---- one round of the game ----------------------------------------------------------
    def step(self, x_real, z_d, z_g, y_real=None, y_d=None, y_g=None, y_wrong=None):
        """Train D once on ``x_real`` (B, 784) and G(``z_d``), then G once on G(``z_g``).

        A conditional GAN also takes the labels (B,): ``y_real`` of the real images,
        ``y_d``, ``y_g`` asked of G in the D step and in the G step, and optionally
        ``y_wrong`` (each differing from ``y_real``) for the matching-aware D.

        Returns 0-dim tensors (no host sync): ``d_loss``, ``g_loss``, ``d_real`` = mean
        D(x) and ``d_fake`` = mean D(G(z)), both measured during the D step.
        """
        with torch.no_grad() if self.manual_backward else nullcontext():
            stats = self._step(x_real, z_d, z_g, y_real, y_d, y_g, y_wrong)
        self.steps += 1
        if self.G_ema:
            self._update_ema()
        return stats

    def _autograd_step(self, x_real, z_d, z_g, y_real, y_d, y_g, y_wrong):
        # D step. G's output is computed without a graph: the D step must leave G untouched.
        with torch.no_grad():
            x_fake = self.G(z_d, y_d)                                           # (B, 784)
        batches = [(x_real, y_real), (x_fake, y_d)] + ([(x_real, y_wrong)] if y_wrong is not None else [])
        lazy_r1 = self.r1 and self.steps % self.r1_every == 0
        logits, seen = self.judge(*batches, input_grad=lazy_r1)                # (B, 1) each
        d_loss = self.d_loss(logits)
        if lazy_r1:                 # every k steps, k times as strong: the same penalty on average
            d_loss = d_loss + self.r1_every * r1_penalty(logits[0], seen, self.r1)
        if self.gp:
            B = len(x_real)
            d_loss = d_loss + gradient_penalty(self.D, seen[:B], seen[B:2 * B], self.gp, self.dropout_rng, y_real)
        grads = torch.autograd.grad(d_loss, self.D.parameters())      # ∂L/∂θ, straight to Adam
        stats = self.d_step_stats(d_loss, logits)                 # its graph is spent: keep the numbers
        self.opt_D.step(grads)

        # G step, on fresh noise. Only G's gradients are asked for: D is not updated here.
        logits_gen = self.D(self.see(self.G(z_g, y_g)), y_g)       # (B, 1)
        g_loss = self.objective.g(logits_gen)
        grads = torch.autograd.grad(g_loss, self.G.parameters())
        stats["g_loss"] = g_loss.detach()
        self.opt_G.step(grads)
        return stats

    def _manual_step(self, x_real, z_d, z_g, y_real, y_d, y_g, y_wrong):
        # D step. The loss is a sum of means over the batches, so its gradient with respect
        # to all of D's logits is each batch's own gradient, side by side.
        x_fake = self.G(z_d, y_d)                                   # (B, 784)
        batches = [(x_real, y_real), (x_fake, y_d)] + ([(x_real, y_wrong)] if y_wrong is not None else [])
        self.D.zero_grad()
        if self.separate_batches:           # D's answers depend on the batch: one pass (and backward) each
            seen = self.see(torch.cat([x for x, _ in batches])).split(len(x_real))
            logits = []
            for i, (x, (_, y)) in enumerate(zip(seen, batches)):
                logits.append(self.D(x, y))                         # (B, 1)
                self.D.backward(self.d_loss_grad(i, logits[-1], len(batches)), input_grad=False)
        else:
            logits, _ = self.judge(*batches)                        # one forward pass of 2B (or 3B)
            grad_logits = torch.cat([self.d_loss_grad(i, l, len(logits)) for i, l in enumerate(logits)])
            self.D.backward(grad_logits, input_grad=False)          # the images are data: no ∂L/∂x
        stats = self.d_step_stats(self.d_loss(logits), logits)
        self.opt_D.step()

        # G step: ∂L/∂x_fake flows back through D (its own gradients are not needed), then
        # back through the augmentation, then through G.
        x_gen = self.G(z_g, y_g)                                    # (B, 784)
        logits_gen = self.D(self.see(x_gen), y_g)                   # (B, 1)
        grad_x = self.D.backward(self.objective.g_grad(logits_gen), param_grads=False)
        if self.augment:
            grad_x = self.augment.backward(grad_x)
        self.G.zero_grad()
        self.G.backward(grad_x, input_grad=False)                   # z is noise: no ∂L/∂z
        stats["g_loss"] = self.objective.g(logits_gen)
        self.opt_G.step()
        return stats

    def judge(self, *batches, input_grad=False):
        """D's logits for each (images, labels) batch, and the images as D saw them (stacked).

        All batches are augmented together, then go through D in one pass over their
        concatenation: row by row the same arithmetic as one call per batch, in half (or
        a third) as many, larger, matrix multiplies. Not with minibatch-std, whose
        feature depends on the batch: then each batch goes through D on its own.
        ``input_grad``: the stacked images require grad, for a penalty on ∇ₓD.
        """
        seen = self.see(torch.cat([x for x, _ in batches]))        # (2B, 784) or (3B, 784)
        if input_grad:
            seen.requires_grad_(True)
        sizes = [len(x) for x, _ in batches]
        if self.separate_batches:
            return [self.D(x, y) for x, (_, y) in zip(seen.split(sizes), batches)], seen
        y = None if batches[0][1] is None else torch.cat([y for _, y in batches])
        return self.D(seen, y).split(sizes), seen

    def d_step_stats(self, d_loss, logits):
        """What the D step logs: its loss, and D's mean output on the real and the fake images."""
        return {"d_loss": d_loss.detach(),
                "d_real": self.objective.prob(logits[0].detach()).mean(),
                "d_fake": self.objective.prob(logits[1].detach()).mean()}

    @torch.no_grad()
    def _update_ema(self):
        # θ_ema ← d·θ_ema + (1 - d)·θ: a smoothed G that wobbles less than G itself.
        # d = min(ema, (1 + t) / (10 + t)) warms up, so early samples don't lag behind G.
        d = ema_decay(self.ema, self.steps)
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.lerp_(p, 1 - d)                                  # p_ema + (1 - d)(p - p_ema)
        for b_ema, b in zip(self.G_ema.buffers().values(), self.G.buffers().values()):
            b_ema.copy_(b)                                         # batch norm's statistics: G's own

    def sampler(self):
        """The generator to draw samples from: the averaged copy when there is one."""
        return self.G_ema or self.G


def ema_decay(ema, steps):
    """The averaging decay after ``steps`` steps: ``ema``, warmed up as (1 + t) / (10 + t)."""
    return min(ema, (1 + steps) / (10 + steps))


def set_grads(params, grads):
    """Store each gradient in its parameter's ``.grad``, where an optimizer's ``step()`` reads
    it: the convention lessons 6, 10 and 14 teach (``GAN.step`` hands them to Adam directly)."""
    for p, g in zip(params, grads):
        p.grad = g


"""``FastGAN``: the plain ``GAN``'s training step, compiled into one graph, with the same numbers.

``torch.compile`` traces the whole step, both networks' forward and backward passes and
both Adam updates, once, and fuses its hundred-odd small kernels into a few. To be
traceable, and to keep every number on the device, the step changes shape, never formula:

- both optimizers become ``ForeachAdam`` (the same state, all parameters at once, the step
  counter and the bias corrections on the device, counted before the step);
- the random numbers of dropout and augmentation are drawn ahead, eagerly, in the plain
  step's order (``DrawnAhead``);
- the class labels are checked on the device (``torch._assert_async``) before the step, so
  that a label out of range is refused in one clear line, whatever the compiled kernels check.

The GAN keeps its weights, optimizers' state and random generator: a ``FastGAN`` and the
plain ``GAN`` save the same checkpoints, and one resumes the other's run.
"""
from contextlib import nullcontext

import torch

from ganlab.dropout import Dropout
from ganlab.ema import update_average
from ganlab.gan_by_hand import HandWrittenGAN
from ganlab.models import Discriminator
from ganlab.speed.drawn_ahead import DrawnAhead
from ganlab.speed.foreach_adam import ForeachAdam


class FastGAN:
    """``gan`` with its step compiled (``compile=False``: only the other changes, for tests).

    Everything but ``step`` (``G``, ``D``, ``sampler``, ``opt_D``, ...) is the wrapped GAN's.
    """

    def __init__(self, gan, compile=True):
        if gan.referee.r1 or gan.referee.gp:
            raise ValueError("R1 and the gradient penalty cannot be compiled: they take a "
                             "gradient of a gradient, which the compiled step does not trace")
        if not isinstance(gan.D, Discriminator):
            raise ValueError("the compiled step is the MLP GAN's: the DCGAN runs eagerly for now")
        self.gan = gan
        gan.opt_D = ForeachAdam.like(gan.opt_D, counted_ahead=True)
        gan.opt_G = ForeachAdam.like(gan.opt_G, counted_ahead=True)
        self.dropouts = [DrawnAhead(layer) for layer in gan.D.layers if isinstance(layer, Dropout)]
        self.augment = DrawnAhead(gan.referee.augment) if gan.referee.augment else None
        self.train_step = compiled(gan.play) if compile else gan.play

    def __getattr__(self, name):
        return getattr(self.gan, name)

    @property
    def steps(self):
        return self.gan.steps

    @steps.setter
    def steps(self, value):          # a resumed run sets the wrapped GAN's count
        self.gan.steps = value

    def step(self, x_real, z_d, z_g, y_real=None, y_d=None, y_g=None, y_wrong=None):
        """``GAN.step``: the same arguments, the same numbers, the same 0-dim tensors back."""
        gan = self.gan
        for labels in (y_real, y_d, y_g, y_wrong):
            if labels is not None and len(labels):
                torch._assert_async((labels.min() >= 0) & (labels.max() < gan.num_classes),
                                    f"labels must lie in 0..{gan.num_classes - 1}")
        self.draw_ahead(len(x_real), 2 if y_wrong is None else 3)
        gan.opt_D.count_step()                  # t and the bias corrections: inputs to the step
        gan.opt_G.count_step()
        with torch.no_grad() if isinstance(gan, HandWrittenGAN) else nullcontext():
            stats = self.train_step(x_real, z_d, z_g, y_real, y_d, y_g, y_wrong)
        gan.steps += 1
        if gan.G_ema:
            update_average(gan.G_ema, gan.G, gan.ema, gan.steps)
        return stats

    def draw_ahead(self, batch, n_batches):
        """Draw the step's random numbers in the order the plain step draws them: the D step's,
        then the G step's; for each, the augmentation's (once for all the batches D sees),
        then, for each call to D, the dropout masks layer by layer."""
        gan = self.gan
        W = gan.D.layers[0].W                           # (hidden, in): every dropout is hidden-wide
        d_calls = [batch] * n_batches if gan.D.batch_dependent else [batch * n_batches]
        for rows, calls in [(batch * n_batches, d_calls), (batch, [batch])]:
            if self.augment:
                self.augment.ahead(rows, W.device)
            for call_rows in calls:
                for dropout in self.dropouts:
                    dropout.ahead((call_rows, W.shape[0]), W.device, W.dtype)


def compiled(step):
    """``step`` through ``torch.compile`` as one graph, its ``torch.autograd.grad`` calls
    traced too. ``fullgraph=True``: anything in the step that cannot be traced is an
    error, not a silent break into several graphs with Python between them."""
    compiled_step = torch.compile(step, fullgraph=True)

    def run(*args):
        with torch._dynamo.config.patch(trace_autograd_ops=True):
            return compiled_step(*args)
    return run

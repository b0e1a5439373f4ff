"""``CompiledStep``: the plain ``GAN``'s step, its round compiled into one graph, with the same numbers.

``torch.compile`` traces ``gan.play`` as it is, D's half and G's half, both networks'
forward and backward passes and both Adam updates, and fuses their hundred-odd small
kernels into a few. Nothing in the GAN is patched or wrapped: a GAN built to be compiled
(``ganlab.lab.training.build`` with ``compile``) is built from two parts that a compiled step needs,
each the plain part's arithmetic in another shape:

- ``ForeachAdam`` for both players: the same state, all parameters at once, the step
  counter and the bias corrections on the device, counted before the round;
- ``DrawnAhead`` as D's ``RandomNumbers``: the round's dropout masks and augmentations
  drawn eagerly before it, in the order the plain round draws them. That order is learned,
  not written down: the first round of each shape is the plain round, run eagerly with
  its draws recorded.

The class labels are checked on the device (``torch._assert_async``) before the round, so
that a label out of range is refused in one clear line, whatever the compiled kernels check.
A compiled step and the plain step save the same checkpoints, and one resumes the other's run.
"""
import torch

from ganlab.models import Discriminator
from ganlab.speed.drawn_ahead import DrawnAhead
from ganlab.speed.foreach_adam import ForeachAdam


class CompiledStep:
    """``step = CompiledStep(gan)``; ``step(...)`` is ``gan.step(...)``: the same arguments,
    numbers and 0-dim tensors back (``compile=False``: everything but the compiler, for tests)."""

    def __init__(self, gan, compile=True):
        if gan.referee.r1 or gan.referee.gp:
            raise ValueError("R1 and the gradient penalty cannot be compiled: they take a "
                             "gradient of a gradient, which the compiled step does not trace")
        if not isinstance(gan.D, Discriminator):
            raise ValueError("the compiled step is the MLP GAN's: the DCGAN runs eagerly for now")
        if not all(isinstance(opt, ForeachAdam) for opt in (gan.opt_D, gan.opt_G)):
            raise ValueError("a compiled GAN's optimizers are ForeachAdam: build it with compile")
        if not isinstance(gan.rng, DrawnAhead):
            raise ValueError("a compiled GAN draws its random numbers through DrawnAhead: build it with compile")
        self.gan = gan
        self.play = compiled(gan.play) if compile else gan.play
        self.draws = {}                 # the random numbers one round asks for, by the shapes of its inputs

    def __call__(self, x_real, z_d, z_g, y_real=None, y_d=None, y_g=None, y_wrong=None):
        gan = self.gan
        inputs = (x_real, z_d, z_g, y_real, y_d, y_g, y_wrong)
        for labels in (y_real, y_d, y_g, y_wrong):
            if labels is not None and len(labels):
                torch._assert_async((labels.min() >= 0) & (labels.max() < gan.num_classes),
                                    f"labels must lie in 0..{gan.num_classes - 1}")
        gan.opt_D.count_step()                  # t and the bias corrections: inputs to the round
        gan.opt_G.count_step()
        shapes = tuple(None if t is None else tuple(t.shape) for t in inputs)
        if shapes in self.draws:
            gan.rng.draw_ahead(self.draws[shapes])
            stats = self.play(*inputs)
        else:                                   # a round of a new shape: the plain one, its draws noted
            with gan.rng.recording() as draws:
                stats = gan.play(*inputs)
            self.draws[shapes] = draws
        gan.end_step()
        return stats


def compiled(play):
    """``play`` through ``torch.compile`` as one graph, its ``torch.autograd.grad`` calls
    traced too. ``fullgraph=True``: anything in the round that cannot be traced is an
    error, not a silent break into several graphs with Python between them."""
    compiled_play = torch.compile(play, fullgraph=True)

    def run(*args):
        with torch._dynamo.config.patch(trace_autograd_ops=True):
            return compiled_play(*args)
    return run

r"""Where D's random numbers come from: one generator, drawn from in one place.

Three parts of a GAN draw random numbers while they run: dropout its masks (``ganlab.dropout``),
the augmentation its shifts and cutouts (``ganlab.augment``), and the gradient penalty its
points between real and fake (``ganlab.penalties``). They all draw through one
``RandomNumbers``, which holds one ``torch.Generator``:

- seeded, it makes a run reproducible;
- saved in a checkpoint (``get_state``), it makes a resumed run continue with the very
  numbers the uninterrupted run would have drawn;
- being the one place, it is where the speed room draws a step's numbers ahead of a
  compiled step, which cannot call a generator itself (``ganlab.speed.drawn_ahead``).

The noise z and the labels asked of G are not drawn here: they are the step's inputs.
"""
import torch


class RandomNumbers:
    """``rand`` and ``randint`` as torch's, from ``generator`` (a ``torch.Generator``; None: torch's global one)."""

    def __init__(self, generator=None):
        self.generator = generator

    def rand(self, shape, device=None, dtype=torch.float32):
        """Uniform numbers in [0, 1) of ``shape``."""
        return torch.rand(shape, generator=self.generator, device=device, dtype=dtype)

    def randint(self, low, high, shape, device=None):
        """Integers uniform in {low, ..., high - 1} of ``shape``."""
        return torch.randint(low, high, shape, generator=self.generator, device=device)

    def get_state(self):
        return self.generator.get_state()

    def set_state(self, state):
        self.generator.set_state(state)


def random_numbers(source):
    """``source`` as a ``RandomNumbers``: a ``torch.Generator`` (or None, torch's global one) is wrapped."""
    return source if isinstance(source, RandomNumbers) else RandomNumbers(source)

"""D's random numbers drawn before a compiled step, in the order the plain step draws them.

Dropout and the augmentation draw their numbers while they run, through the GAN's one
``RandomNumbers`` (``ganlab.random_numbers``). A compiled step cannot call a
``torch.Generator``, so a GAN built to be compiled gets a ``DrawnAhead`` in its place
(``ganlab.lab.training.build``). It draws from the same generator, and:

- while ``recording``, it draws as usual and notes each request (which draw, what shape);
- given those requests (``draw_ahead``), it makes them all eagerly, and the step's calls
  to ``rand`` and ``randint`` then take the numbers from that queue, in order.

The order is never written down by hand: ``CompiledStep`` learns it by recording the
plain step itself, once. The generator ends each step in the state the plain step leaves.
"""
from contextlib import contextmanager

from ganlab.random_numbers import RandomNumbers


class DrawnAhead(RandomNumbers):
    """``RandomNumbers`` that can note its requests, and answer them from numbers drawn ahead."""

    def __init__(self, generator=None):
        super().__init__(generator)
        self.queue = []             # numbers drawn ahead, taken first
        self.requests = None        # while recording: the list of (draw, arguments) made

    def rand(self, *request):
        return self.next("rand", request)

    def randint(self, *request):
        return self.next("randint", request)

    def next(self, kind, request):
        if self.queue:
            return self.queue.pop(0)
        if self.requests is not None:
            self.requests.append((kind, request))
        return getattr(RandomNumbers, kind)(self, *request)

    @contextmanager
    def recording(self):
        """Note every request made inside the ``with`` block; yields the list they go into."""
        self.requests = []
        try:
            yield self.requests
        finally:
            self.requests = None

    def draw_ahead(self, requests):
        """Make ``requests`` now, in order, for the next calls to take."""
        self.queue = [getattr(RandomNumbers, kind)(self, *request) for kind, request in requests]

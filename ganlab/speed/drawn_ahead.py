"""Random numbers drawn before a compiled step, for the layers that draw them while they run.

``Dropout`` and ``DiffAugment`` call their own ``draw`` in ``forward``, from a
``torch.Generator``. A compiled step cannot call a generator, so ``DrawnAhead`` takes over
a layer's ``draw``: the eager code fills a queue with the very numbers the layer would have
drawn, in the order it would have drawn them, and inside the step each call to ``draw``
takes the next one. The generator ends in the same state as in the plain step.
"""


class DrawnAhead:
    """``layer.draw`` replaced by a queue of draws made ahead (``ahead``) with the original."""

    def __init__(self, layer):
        self.layer, self.draw = layer, layer.draw
        self.queue = []
        layer.draw = self.next

    def ahead(self, *args):
        self.queue.append(self.draw(*args))

    def next(self, *args):
        return self.queue.pop(0)

    def undo(self):
        """Give the layer its own ``draw`` back."""
        del self.layer.draw

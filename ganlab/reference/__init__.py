"""The reference implementation: the same GANs written the usual way, with ``torch.nn``.

It imports torch and nothing of ganlab, so that it stays an independent check of ganlab's
own layers, losses and optimizer (``ganlab compare``, the tests, the lessons).
"""

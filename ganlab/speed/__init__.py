"""The speed room: the plain GAN of ``ganlab.gan``, made fast, with the same numbers.

The core teaches each formula in its plainest form: Adam as a loop over the parameters,
dropout drawing its masks when it runs, the step counter a Python number. Fast code needs
other shapes for the same arithmetic, and they live here, wrapped around the plain core:

- ``foreach_adam``: Adam over all parameters at once (``torch._foreach_*``), with its step
  counter on the device, so that no number travels back to the host;
- ``drawn_ahead``: the random numbers of dropout and augmentation drawn before a step,
  because a compiled step cannot call a ``torch.Generator`` itself;
- ``fast_gan``: ``FastGAN``, the whole training step through ``torch.compile`` as one graph;
- ``conv_kernels``: the DCGAN's convolutions computed by torch's own kernels instead of
  unfold + matmul.

``tests/test_speed.py`` checks that each gives the plain path's numbers.
"""
from ganlab.speed.fast_gan import FastGAN

__all__ = ["FastGAN"]

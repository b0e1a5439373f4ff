"""The speed room: the plain GAN of ``ganlab.gan``, made fast, with the same numbers.

The core teaches each formula in its plainest form: Adam as a loop over the parameters,
dropout drawing its masks when it runs, a convolution as unfold + matmul. Fast code needs
other shapes for the same arithmetic. They live here, as parts a GAN is built from
(``ganlab.lab.training.build`` picks them for ``--compile`` and ``--fast-conv``) and a step that
compiles the plain one; nothing here patches or wraps the core:

- ``foreach_adam``: Adam over all parameters at once (``torch._foreach_*``), with its step
  counter on the device, so that no number travels back to the host;
- ``drawn_ahead``: D's random numbers drawn before a step, because a compiled step cannot
  call a ``torch.Generator`` itself;
- ``compiled_step``: ``CompiledStep``, the GAN's round through ``torch.compile`` as one graph;
- ``conv_kernels``: convolution layers computed by torch's own kernels instead of
  unfold + matmul, for the DCGAN.

``tests/test_speed.py`` checks that each gives the plain path's numbers.
"""
from ganlab.speed.compiled_step import CompiledStep

__all__ = ["CompiledStep"]

"""The DCGAN's convolutions through torch's own kernels: the same sums, in one call each.

``ganlab.conv`` writes a convolution as ``unfold``, one matrix multiply and ``fold``, the
form that shows what it computes. Building the unfolded matrix costs more than the
multiply itself: profiled on a 2-core CPU, im2col, col2im and the copies around them take
about half of the DCGAN's step. ``F.conv2d`` and ``F.conv_transpose2d`` compute the same
sums without building it.

``KernelConv2d``, ``KernelConvTranspose2d`` and ``KernelSpectralNormConv2d`` are ganlab's
layers with only their forward pass changed: a DCGAN built with them (``--fast-conv``: ``ganlab.lab.training.build`` hands them to
``DCGANGenerator`` and ``DCGANDiscriminator``) has the same weights, drawn in the same order,
and the same hand-written backward (the manual backend's); with autograd, torch's kernels
have their own backward, which gives the same gradients.
``tests/test_speed.py`` checks that a run with them is the plain run.
"""
import torch.nn.functional as F

from ganlab.conv import Conv2d, ConvTranspose2d
from ganlab.spectral_norm import SpectralNormConv2d


class KernelConv2d(Conv2d):
    """``Conv2d`` computed by ``F.conv2d``."""

    def forward(self, x):
        self.x = x.detach()
        return F.conv2d(x, self.W, self.b, self.stride, self.padding)


class KernelConvTranspose2d(ConvTranspose2d):
    """``ConvTranspose2d`` computed by ``F.conv_transpose2d``."""

    def forward(self, x):
        self.x = x.detach()
        return F.conv_transpose2d(x, self.W, self.b, self.stride, self.padding, self.output_padding)



class KernelSpectralNormConv2d(SpectralNormConv2d):
    """``SpectralNormConv2d`` whose convolution by W / σ(W) is computed by ``F.conv2d``."""
    convolve = staticmethod(F.conv2d)

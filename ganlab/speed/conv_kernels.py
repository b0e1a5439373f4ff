"""The DCGAN's convolutions through torch's own kernels: the same sums, in one call each.

``ganlab.conv`` writes a convolution as ``unfold``, one matrix multiply and ``fold``, the
form that shows what it computes. Building the unfolded matrix costs more than the
multiply itself: profiled on a 2-core CPU, im2col, col2im and the copies around them take
about half of the DCGAN's step. ``F.conv2d`` and ``F.conv_transpose2d`` compute the same
sums without building it.

``with_conv_kernels(gan)`` turns each convolution layer of G, D and the averaged G into
one whose forward pass calls those kernels. The layer keeps its weights, its place in the
network and its hand-written backward (the manual backend's); with autograd, torch's
kernels have their own backward, which gives the same gradients.
``tests/test_speed.py`` checks that a run with them is the plain run.
"""
import torch.nn.functional as F

from ganlab.conv import Conv2d, ConvTranspose2d


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


KERNEL_LAYERS = {Conv2d: KernelConv2d, ConvTranspose2d: KernelConvTranspose2d}


def with_conv_kernels(gan):
    """``gan`` with every convolution layer of its networks computed by torch's kernels, in place."""
    for network in (gan.G, gan.D, gan.G_ema):
        for layer in network.layers if network is not None else ():
            if type(layer) in KERNEL_LAYERS:
                layer.__class__ = KERNEL_LAYERS[type(layer)]     # same tensors, another forward
    return gan

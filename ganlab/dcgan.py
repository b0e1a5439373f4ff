r"""The DCGAN: G and D built from convolutions instead of fully connected layers.

An MLP sees an image as 784 unrelated numbers; a convolution sees small neighbourhoods
and reuses one filter everywhere, which is what images are made of (``ganlab.conv``).
For 28 × 28 digits:

    G: z (B, 64) -> (B, 64, 1, 1) -> ConvTranspose 7×7 -> BatchNorm -> ReLU -> (B, 128, 7, 7)
         -> ConvTranspose 4×4 stride 2 -> BatchNorm -> ReLU -> (B, 64, 14, 14)
         -> ConvTranspose 4×4 stride 2 -> tanh -> (B, 1, 28, 28) -> x (B, 784) in [-1, 1]
    D: x (B, 784) -> (B, 1, 28, 28)
         -> Conv 4×4 stride 2 -> LeakyReLU(0.2) -> (B, 64, 14, 14)
         -> Conv 4×4 stride 2 -> LeakyReLU(0.2) -> (B, 128, 7, 7)
         -> Linear -> logit (B, 1)

G's batch normalization keeps each layer's activations standardized while D keeps moving
the target, the DCGAN paper's main trick; every weight starts at N(0, 0.02²) and every
batch-norm scale at N(1, 0.02²). D has no batch normalization here: its answer for an image
then depends on that image alone, so real and fake batches can go through D together, and
the gradient penalties stay well defined. Images enter and leave as (B, 784) rows, as
for the MLP, so data, losses and the training step are the same.

Conditional (``num_classes`` = C > 0), as the MLP's conditional GAN (``ganlab.conditional``):
G reads $[z, \mathrm{onehot}(y)]$, C more input channels of its first transposed convolution
(a one-hot row times a weight is a learned embedding of the digit, added to what z makes of
the 7 × 7 maps); D reads the label by projection on its last features, the c2 · 7 · 7
numbers its Linear layer reads: $D(x \mid y) = \psi(\phi(x)) + \langle V_y, \phi(x) \rangle$.
"""
import torch

from ganlab.activations import LeakyReLU, ReLU, Tanh
from ganlab.batchnorm import BatchNorm
from ganlab.conv import Conv2d, ConvTranspose2d, init_normal
from ganlab.layer import Layer
from ganlab.linear import Linear
from ganlab.models import Network, ProjectionDiscriminator
from ganlab.spectral_norm import INIT_ITERATIONS, SpectralNormLinear, power_iteration

SIDE = 28
CHANNELS = (64, 128)            # feature maps at 14 × 14 and at 7 × 7


def dcgan_channels(hidden_dim=256):
    """The feature maps at 14 × 14 and 7 × 7 for a width of ``hidden_dim``: (64, 128) for 256."""
    return hidden_dim // 4, hidden_dim // 2


class Reshape(Layer):
    """Each row of the batch as a tensor of ``shape``: (B, 6272) -> (B, 128, 7, 7), and back."""

    def __init__(self, *shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape[1:]
        return x.reshape(len(x), *self.shape)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        return grad_y.reshape(len(grad_y), *self.input_shape) if input_grad else None


def dcgan_init(network, generator=None):
    """N(0, 0.02²) for every Linear weight (the convolutions and batch norms start so already), 0 for its bias."""
    with torch.no_grad():
        for layer in network.layers:
            if isinstance(layer, Linear):
                layer.W.copy_(init_normal(layer.W.shape, 0.02, 0.0, layer.W.device, layer.W.dtype, generator))
                layer.b.zero_()
                if isinstance(layer, SpectralNormLinear):       # a new W: its power iteration starts over
                    layer.u, layer.v = power_iteration(layer.W, layer.u, layer.v, INIT_ITERATIONS)
    return network


class DCGANGenerator(Network):
    """G: noise z (B, latent_dim) to images (B, 784) through three transposed convolutions.

    The two that feed a batch norm have no bias: the batch norm's β is their bias.
    ``conv``: the layer class of the transposed convolutions (``ganlab.speed.conv_kernels``
    has one computed by torch's kernel). Conditional (``num_classes`` > 0): ``G(z, labels)``
    reads ``[z, onehot(labels)]`` as latent_dim + C channels of 1 × 1."""

    def __init__(self, latent_dim=64, channels=CHANNELS, device=None, dtype=torch.float32, generator=None,
                 conv=ConvTranspose2d, num_classes=0):
        c1, c2 = channels
        kw = dict(device=device, dtype=dtype, generator=generator)
        inputs = latent_dim + num_classes                                                        # z, then the one-hot label
        super().__init__(
            Reshape(inputs, 1, 1),
            conv(inputs, c2, 7, bias=False, **kw), BatchNorm(c2, **kw), ReLU(),                     # (B, c2, 7, 7)
            conv(c2, c1, 4, stride=2, padding=1, bias=False, **kw), BatchNorm(c1, **kw), ReLU(),    # 14×14
            conv(c1, 1, 4, stride=2, padding=1, **kw), Tanh(), Reshape(SIDE * SIDE),                # (B, 784)
        )
        self.latent_dim, self.num_classes = latent_dim, num_classes
        if num_classes:     # the label's channels start √latent_dim stronger (Network.scale_label_weights)
            with torch.no_grad():
                self.layers[1].W[latent_dim:] *= latent_dim ** 0.5     # W: (in, out, 7, 7), the label's rows last


class DCGANDiscriminator(ProjectionDiscriminator):
    r"""D: images (B, 784) to logits (B, 1) through two strided convolutions (``conv``: their layer
    class) and a Linear layer (``dense``: its class). Spectrally normalized (``--spectral-norm``):
    ``SpectralNormConv2d`` and ``SpectralNormLinear`` (``ganlab.spectral_norm``), each weight of
    spectral norm 1.

    Conditional (``num_classes`` > 0): ``D(x, labels)`` adds $\langle V_y, \phi(x) \rangle$ to its
    logit, $\phi(x)$ the c2 · 49 features its Linear layer reads, ``V`` starting at N(0, 0.02²)
    as every other weight of the DCGAN."""

    def __init__(self, channels=CHANNELS, slope=0.2, device=None, dtype=torch.float32, generator=None, conv=Conv2d,
                 dense=Linear, num_classes=0):
        c1, c2 = channels
        kw = dict(device=device, dtype=dtype, generator=generator)
        super().__init__(
            Reshape(1, SIDE, SIDE),
            conv(1, c1, 4, stride=2, padding=1, **kw), LeakyReLU(slope),                        # (B, c1, 14, 14)
            conv(c1, c2, 4, stride=2, padding=1, **kw), LeakyReLU(slope), Reshape(c2 * 7 * 7),    # (B, c2·49)
            dense(c2 * 7 * 7, 1, **kw),
        )
        dcgan_init(self, generator)
        if num_classes:     # V (C, c2·49): one direction per class in D's features
            self.add_projection(init_normal((num_classes, c2 * 7 * 7), 0.02, 0.0, device, dtype, generator))

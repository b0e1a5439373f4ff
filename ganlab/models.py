"""The generator G and the discriminator D, built from ganlab's own layers.

Sizes default to the classic MNIST GAN: noise z of 64 numbers, hidden layers of 256
units, images of 28 × 28 = 784 pixels.

    G: z (B, 64) -> Linear -> ReLU -> Linear -> ReLU -> Linear -> Tanh -> x (B, 784) in [-1, 1]
    D: x (B, 784) -> Linear -> LeakyReLU(0.2) -> Linear -> LeakyReLU(0.2) -> Linear -> logit (B, 1)
       (optionally with Dropout after each LeakyReLU, the minibatch standard
       deviation appended before the last Linear, and spectrally normalized weights)

With ``num_classes`` > 0 both are *conditional* (``ganlab.conditional``): they also take
a batch of class labels, appended to their input as one-hot vectors; or, for D with
``projection=True``, met by D's last hidden features in an inner product.

D returns a *logit* ℓ; its probability "real" is σ(ℓ). Keeping the sigmoid out of D
lets the loss use the stable BCE on logits (see ``ganlab.losses``). The nn twin
keeps the explicit Sigmoid; ``tests/test_gan.py`` shows the two agree.
"""
import torch

from ganlab.activations import LeakyReLU, ReLU, Tanh
from ganlab.conditional import project, project_backward, with_labels
from ganlab.dropout import Dropout
from ganlab.minibatch_std import MinibatchStd
from ganlab.linear import Linear, accumulate_grad, init_uniform
from ganlab.sequential import Sequential
from ganlab.spectral_norm import SpectralNormLinear

LATENT_DIM = 64
HIDDEN_DIM = 256
IMAGE_DIM = 28 * 28


class Network(Sequential):
    """An MLP that G and D are built on: a ``Sequential`` of layers that, when ``num_classes``
    > 0 (a conditional GAN), reads ``[input, onehot(labels)]`` instead of the input alone."""

    num_classes = 0
    batch_dependent = False       # True when an image's answer depends on the rest of its batch

    def scale_label_weights(self, other_inputs):
        r"""Start the first layer's label columns $\sqrt{n}$ times larger, $n$ = ``other_inputs``.

        The default init, $\mathcal{U}(\pm 1/\sqrt{\text{fan-in}})$, gives each input column the
        same scale. But z has 64 active inputs (x has 784) and the one-hot label only one,
        so at the start the label would move the first layer $\sqrt{n}$ times less than z or
        x do, and G would take thousands of steps to learn to listen to it. Scaled, a
        label column starts with the same weight as all of z (or x) together.
        """
        first = self.layers[0]
        with torch.no_grad():
            first.W[:, first.W.shape[1] - self.num_classes:] *= other_inputs ** 0.5

    def forward(self, x, labels=None):
        if self.num_classes:
            if labels is None:
                raise ValueError("a conditional network needs the class labels")
            x = with_labels(x, labels, self.num_classes)
        return super().forward(x)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        grad_x = super().backward(grad_y, param_grads, input_grad)
        if grad_x is None:
            return None
        return grad_x[:, :grad_x.shape[1] - self.num_classes]    # the labels get no gradient


class Generator(Network):
    """G: maps noise z (B, latent_dim) to images (B, image_dim) with pixels in [-1, 1].

    Conditional (``num_classes`` > 0): ``G(z, labels)`` draws an image of each label's class.
    """

    def __init__(self, latent_dim=LATENT_DIM, hidden_dim=HIDDEN_DIM, image_dim=IMAGE_DIM,
                 device=None, dtype=torch.float32, generator=None, num_classes=0):
        kw = dict(device=device, dtype=dtype, generator=generator)
        super().__init__(
            Linear(latent_dim + num_classes, hidden_dim, **kw), ReLU(),
            Linear(hidden_dim, hidden_dim, **kw), ReLU(),
            Linear(hidden_dim, image_dim, **kw), Tanh(),
        )
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.scale_label_weights(latent_dim)


class ProjectionDiscriminator(Network):
    r"""A D that can read the label by projection: its last layer ψ reads D's features φ(x),
    and the label meets them in $\langle V_y, \phi(x) \rangle$ (``ganlab.conditional``):

    $$D(x \mid y) = \psi\bigl(\phi(x)\bigr) + \langle V_y,\ \phi(x) \rangle$$

    ``V`` (C, H) holds one learned direction per class; $\phi(x)$ is what the last layer reads.
    The MLP's D and the DCGAN's D both end in a Linear layer, so both project the same way;
    without ``V`` (``add_projection`` not called) this is a plain ``Network``.
    """

    projection = False

    def add_projection(self, V):
        """Read the label by projection, with ``V`` (C, H) as its starting directions."""
        self.projection, self.V = True, V.requires_grad_(True)

    def forward(self, x, labels=None):
        if not self.projection:
            return super().forward(x, labels)
        if labels is None:
            raise ValueError("a conditional network needs the class labels")
        *body, last = self.layers
        h = x
        for layer in body:
            h = layer(h)                                            # φ(x): (B, H)
        self.h, self.labels = h.detach(), labels                    # for backward
        return last(h) + project(h, self.V, labels)                # ψ(φ(x)) + ⟨V_y, φ(x)⟩: (B, 1)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        if not self.projection:
            return super().backward(grad_y, param_grads, input_grad)
        first, *body, last = self.layers
        grad_h, grad_V = project_backward(self.h, self.V.detach(), self.labels, grad_y)
        grad_h = grad_h + last.backward(grad_y, param_grads)       # φ(x) feeds both terms
        if param_grads:
            accumulate_grad(self.V, grad_V)
        for layer in reversed(body):
            grad_h = layer.backward(grad_h, param_grads)
        return first.backward(grad_h, param_grads, input_grad)

    def parameters(self):
        return super().parameters() + ([self.V] if self.projection else [])

    def named_parameters(self):
        return super().named_parameters() | ({"embed": self.V} if self.projection else {})


class Discriminator(ProjectionDiscriminator):
    r"""D: maps images (B, image_dim) to one logit each (B, 1); σ(logit) = P(real).

    Conditional (``num_classes`` > 0): ``D(x, labels)`` judges "is x a real image of its label?",
    with the label appended to x, or with ``projection=True`` by
    $\psi(\phi(x)) + \langle V_y, \phi(x) \rangle$ (``ProjectionDiscriminator``).
    """

    def __init__(self, image_dim=IMAGE_DIM, hidden_dim=HIDDEN_DIM, slope=0.2, dropout=0.0,
                 minibatch_std=False, device=None, dtype=torch.float32, generator=None,
                 rng=None, num_classes=0, spectral_norm=False, projection=False):
        kw = dict(device=device, dtype=dtype, generator=generator)
        Dense = SpectralNormLinear if spectral_norm else Linear     # W / σ(W): every layer 1-Lipschitz
        projection = bool(projection and num_classes)
        label_inputs = 0 if projection else num_classes             # one-hot columns appended to x
        # dropout after each hidden activation, only when asked for, so that without it
        # the layer indices (and state_dict keys) are the classic 0, 2, 4
        def drop():
            return [Dropout(dropout, rng)] if dropout else []
        super().__init__(
            Dense(image_dim + label_inputs, hidden_dim, **kw), LeakyReLU(slope), *drop(),
            Dense(hidden_dim, hidden_dim, **kw), LeakyReLU(slope), *drop(),
            *([MinibatchStd()] if minibatch_std else []),
            Dense(hidden_dim + int(minibatch_std), 1, **kw),
        )
        self.num_classes = label_inputs
        self.batch_dependent = minibatch_std        # an image's answer depends on the rest of its batch
        if projection:          # V (C, H): one direction per class, U(±1/√H) as a Linear layer reading H
            features = hidden_dim + int(minibatch_std)
            self.add_projection(init_uniform((num_classes, features), features, device, dtype, generator))
        else:
            self.scale_label_weights(image_dim)

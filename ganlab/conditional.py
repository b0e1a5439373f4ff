r"""Conditioning on a class: the one-hot label, concatenated to a network's input.

A conditional GAN learns $p(x \mid y)$ instead of $p(x)$: both players are told which
class $y$ (a digit, 0 to 9) an image is meant to be. The simplest way to tell them is to
append the label as a one-hot vector to what they already read:

$$G(z \mid y) = G\bigl([\,z,\ \mathrm{onehot}(y)\,]\bigr), \qquad
  D(x \mid y) = D\bigl([\,x,\ \mathrm{onehot}(y)\,]\bigr)$$

so G's first Linear layer has ``latent_dim + num_classes`` inputs and D's has
``image_dim + num_classes``. D now judges "is this a real *7*?", and the only way for G to
fool it is to draw the digit it was asked for.

A *projection* discriminator (Miyato & Koyama 2018) reads the label differently: D's
features $\phi(x)$ (its last hidden layer, H numbers) meet a learned vector $V_y$ per class,
row $y$ of $V$ (C × H), in an inner product added to D's logit:

$$D(x \mid y) = \psi\bigl(\phi(x)\bigr) + \langle V_y,\ \phi(x) \rangle$$

The first term asks "is this a real digit?", the second "does it look like *this* class?".
Appended to the image, the one-hot label only shifts D's first layer; projected, it weighs
every feature D has learned (``docs/theory/conditional.md`` measures both).
"""
import torch


def one_hot(labels, num_classes, dtype=torch.float32):
    r"""$\mathrm{onehot}(y) = I_y$, row $y$ of the identity matrix $I$ (C × C): 1 at $k = y$, else 0.

    Shapes: labels (B,) int -> (B, num_classes). Mirrors ``torch.nn.functional.one_hot``
    (which returns int64; here the dtype of the network, ready to concatenate). A label
    outside 0..num_classes - 1 has no row: ``index_select`` raises ``IndexError`` (checked
    where the rows are read, so the host never waits for the labels' values).
    """
    if labels.dtype.is_floating_point or labels.dim() != 1:
        raise ValueError("labels must be a 1-D tensor of integer classes")
    identity = torch.eye(num_classes, dtype=dtype, device=labels.device)    # (C, C)
    return identity.index_select(0, labels)                                 # (B, C): row y for each label


def with_labels(x, labels, num_classes):
    """``[x, onehot(labels)]``: (B, n) and (B,) -> (B, n + num_classes)."""
    if len(labels) != len(x):
        raise ValueError(f"{len(labels)} labels for a batch of {len(x)}")
    return torch.cat([x, one_hot(labels, num_classes, x.dtype)], dim=1)


def project(h, V, labels):
    r"""$\langle V_y, h \rangle$ for each row: how far D's features h (B, H) point along the
    direction $V_y$ of their label, row y of V (C, H). -> (B, 1)."""
    V_y = one_hot(labels, V.shape[0], h.dtype) @ V              # (B, H): row y of V, per label
    return (V_y * h).sum(1, keepdim=True)                       # (B, 1)


def project_backward(h, V, labels, grad_out):
    r"""(∂L/∂h, ∂L/∂V) of ``project``, given ∂L/∂out (B, 1):
    $\partial L/\partial h_b = g_b V_{y_b}$ and $\partial L/\partial V_c = \sum_{b:\,y_b = c} g_b h_b$."""
    Y = one_hot(labels, V.shape[0], h.dtype)                    # (B, C)
    grad_h = grad_out * (Y @ V)                                 # (B, H)
    grad_V = Y.T @ (grad_out * h)                               # (C, H): each row gathers its class
    return grad_h, grad_V

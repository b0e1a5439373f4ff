r"""Conditioning on a class: the one-hot label, concatenated to a network's input.

A conditional GAN learns $p(x \mid y)$ instead of $p(x)$: both players are told which
class $y$ (a digit, 0 to 9) an image is meant to be. The simplest way to tell them is to
append the label as a one-hot vector to what they already read:

$$G(z \mid y) = G\bigl([\,z,\ \mathrm{onehot}(y)\,]\bigr), \qquad
  D(x \mid y) = D\bigl([\,x,\ \mathrm{onehot}(y)\,]\bigr)$$

so G's first Linear layer has ``latent_dim + num_classes`` inputs and D's has
``image_dim + num_classes``. D now judges "is this a real *7*?", and the only way for G to
fool it is to draw the digit it was asked for.
"""
import torch


def one_hot(labels, num_classes, dtype=torch.float32):
    r"""$\mathrm{onehot}(y)_k = 1$ if $k = y$ else $0$. Shapes: labels (B,) int -> (B, num_classes).

    Mirrors ``torch.nn.functional.one_hot`` (which returns int64; here the dtype of the
    network, ready to concatenate).
    """
    if labels.dtype.is_floating_point or labels.dim() != 1:
        raise ValueError("labels must be a 1-D tensor of integer classes")
    if len(labels):
        # Checked on the device: `if labels.max() >= num_classes` in Python would make a GPU
        # stop and send the answer back to the host on every call. A label out of range
        # raises a RuntimeError (on a GPU, when the device gets there).
        torch._assert_async((labels.min() >= 0) & (labels.max() < num_classes),
                            f"labels must lie in 0..{num_classes - 1}")
    classes = torch.arange(num_classes, device=labels.device)         # (C,)
    return (labels.unsqueeze(1) == classes).to(dtype)                # (B, 1) == (C,) -> (B, C)


def with_labels(x, labels, num_classes):
    """``[x, onehot(labels)]``: (B, n) and (B,) -> (B, n + num_classes)."""
    if len(labels) != len(x):
        raise ValueError(f"{len(labels)} labels for a batch of {len(x)}")
    return torch.cat([x, one_hot(labels, num_classes, x.dtype)], dim=1)

r"""Stray ink: the bright pixels of a digit that are not part of its stroke.

A handwritten digit is one connected stroke (a 4 or a 5 sometimes two). A GAN's digit can
carry speckle around it, bright pixels that FID, computed in a classifier's features, barely
sees: the classifier reads the digit and ignores the dust. Two numbers a learner can check
on the picture:

- **stray share**: of an image's bright pixels, the share outside its largest connected
  stroke, where pixels touching at an edge or a corner are connected;
- **isolated pixels**: bright pixels none of whose 8 neighbours is bright.

``stray_pieces`` says what the stray ink is made of: the size of every piece of ink off
an image's largest stroke. Dust is pieces of one pixel; a digit drawn in two parts, or a
blot beside it, is one piece of many.

"Bright" is a pixel above ``threshold`` on the [-1, 1] scale (0: half-way to white).

The strokes are found by *label propagation*: each bright pixel starts with its own number,
and repeatedly takes the largest number among its bright neighbours (a 3 × 3 max pool, kept
to the bright pixels) until nothing changes. Every stroke then carries one number: that of
its last pixel in reading order.
"""
import torch
import torch.nn.functional as F


def bright_pixels(images, threshold=0.0):
    """(N, 784) or (N, 1, 28, 28) in [-1, 1] -> (N, 28, 28) bool: the pixels above ``threshold``."""
    return images.reshape(-1, 28, 28) > threshold


def stroke_labels(bright):
    """(N, H, W) bool -> (N, H, W) long: one number per connected stroke (8-neighbours), 0 off the strokes."""
    n, h, w = bright.shape
    ids = torch.arange(1, n * h * w + 1, dtype=torch.float64, device=bright.device).view(n, h, w)
    labels = torch.where(bright, ids, 0.0)
    while True:
        spread = F.max_pool2d(labels.unsqueeze(1), 3, stride=1, padding=1).squeeze(1)   # largest neighbour
        spread = torch.where(bright, spread, 0.0)
        if torch.equal(spread, labels):
            return labels.long()
        labels = spread


def off_main_stroke(images, threshold=0.0):
    """(N, 28, 28) bool: the bright pixels outside each image's largest stroke (its stray ink)."""
    labels = stroke_labels(bright_pixels(images, threshold)).flatten(1)        # (N, 784)
    sizes = torch.bincount(labels.flatten(), minlength=labels.numel() + 1)     # pixels per stroke number
    sizes[0] = 0                                                               # 0 is "no stroke"
    largest = labels.gather(1, sizes[labels].argmax(dim=1, keepdim=True))      # each image's largest stroke
    return ((labels > 0) & (labels != largest)).view(-1, 28, 28)


def stray_ink(images, threshold=0.0):
    """Per image: (the share of bright pixels outside the largest stroke, the number of isolated bright pixels).

    Both (N,) float64; an image with no bright pixel has a stray share of 0.
    """
    bright = bright_pixels(images, threshold)
    stray = off_main_stroke(images, threshold).flatten(1).sum(dim=1).double()
    total = bright.flatten(1).sum(dim=1).double()
    share = torch.where(total > 0, stray / total.clamp(min=1), 0.0)
    neighbours = F.conv2d(bright.double().unsqueeze(1), torch.ones(1, 1, 3, 3, dtype=torch.float64),
                          padding=1).squeeze(1) - bright.double()              # bright 8-neighbours
    isolated = (bright & (neighbours == 0)).flatten(1).sum(dim=1).double()
    return share, isolated


def stray_pieces(images, threshold=0.0):
    """Every piece of ink off an image's largest stroke: (the image it is in, its size in pixels), two (P,) long tensors.

    An image with strokes of sizes 40, 3 and 1 gives two pieces, of 3 and 1 pixels; of two
    largest strokes of equal size, one is the stroke and the other a piece (as in ``stray_ink``).
    """
    labels = stroke_labels(bright_pixels(images, threshold))                  # stroke numbers, unique in the batch
    pixels = labels.shape[1] * labels.shape[2]
    numbers, sizes = labels[labels > 0].unique(return_counts=True)             # every stroke, and its size
    image = (numbers - 1) // pixels                                            # the image a stroke number was born in
    order = torch.argsort(image * (pixels + 1) + (pixels - sizes), stable=True)   # by image, largest stroke first
    image, sizes = image[order], sizes[order]
    first = torch.ones_like(image, dtype=torch.bool)
    first[1:] = image[1:] != image[:-1]                                        # each image's largest stroke
    return image[~first], sizes[~first]

r"""Differentiable augmentation: the same random translation and cutout for real and fake images.

With only 5,000 real digits, D soon memorizes them: it answers "real" for exactly those
images and "fake" for anything else, D(x) stays high, D(G(z)) low, and G's gradient no
longer says how to look like a digit in general. DiffAugment (Zhao et al. 2020) and ADA
(Karras et al. 2020) show D a randomly shifted and partly erased copy of every image,
real and fake alike, in the D step *and* in the G step:

$$\mathcal{L}_D = \ell_D\big(D(T(x)),\ D(T(G(z)))\big), \qquad
  \mathcal{L}_G = \ell_G\big(D(T(G(z)))\big), \qquad T \sim \text{random augmentations}$$

D never sees the same real image twice, so it cannot memorize them; yet the augmented
reals and the augmented fakes are drawn the same way, so D still has to tell real from
fake, and the best G is still the one whose images, before T, look like the data.
Because T is made of differentiable operations (index shifts and a mask), G's gradient
flows back through it: augmenting only the reals would teach G to draw shifted,
erased digits.

The two augmentations, per image (``T`` draws new ones at every call):

- **translation** by $(\delta_y, \delta_x)$ whole pixels, each uniform in
  $\{-s, \dots, s\}$ with $s$ = ``translation`` · 28, rounded; the pixels shifted in are
  background ($-1$):  $T(x)_{ij} = x_{i - \delta_y,\, j - \delta_x}$.
- **cutout**: a square of side ``cutout`` · 28 (rounded) at a uniform random centre is set
  to background: $T(x) = m \odot x + (1 - m)(-1)$ with $m$ the keep-mask.

Backward (the manual backend): translation is a permutation of pixels with some dropped,
so its gradient is the gradient shifted back by $(-\delta_y, -\delta_x)$, zero where
pixels came from outside; cutout's gradient is $m \odot \partial L/\partial T(x)$.
"""
import torch

from ganlab.layer import Layer
from ganlab.random_numbers import random_numbers

SIDE = 28                     # MNIST images are 28 x 28
BACKGROUND = -1.0             # the value of an empty pixel in [-1, 1]


def translate(images, shift_y, shift_x, fill=BACKGROUND):
    r"""Shift each image of ``images`` (B, H, W) by whole pixels: $y_{ij} = x_{i - \delta_y, j - \delta_x}$.

    ``shift_y``, ``shift_x``: (B,) integers. Pixels that come from outside the image are
    ``fill``. The same as ``F.pad`` by the largest shift, then a crop at the shifted corner.
    """
    B, H, W = images.shape
    rows = torch.arange(H, device=images.device).view(1, H, 1) - shift_y.view(B, 1, 1)   # source row, (B, H, 1)
    cols = torch.arange(W, device=images.device).view(1, 1, W) - shift_x.view(B, 1, 1)   # source column, (B, 1, W)
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)                          # (B, H, W)
    batch = torch.arange(B, device=images.device).view(B, 1, 1)
    shifted = images[batch, rows.clamp(0, H - 1), cols.clamp(0, W - 1)]                   # (B, H, W)
    return torch.where(inside, shifted, torch.full_like(shifted, fill))


def cutout_mask(B, size, centre_y, centre_x, device=None, dtype=torch.float32):
    """The keep-mask m (B, 28, 28): 0 inside a ``size`` x ``size`` square at each centre, else 1."""
    pos = torch.arange(SIDE, device=device)
    low_y = (centre_y - size // 2).view(B, 1)
    low_x = (centre_x - size // 2).view(B, 1)
    in_y = (pos >= low_y) & (pos < low_y + size)                                          # (B, 28)
    in_x = (pos >= low_x) & (pos < low_x + size)                                          # (B, 28)
    return (~(in_y.unsqueeze(2) & in_x.unsqueeze(1))).to(dtype)                           # (B, 28, 28)


class DiffAugment(Layer):
    """Random translation and cutout of flattened images (B, 784), with their backward.

    ``translation``: the largest shift as a share of the side (1/8 shifts by up to 4
    pixels, 0 = none); ``cutout``: the erased square's side as a share of the side
    (0.5 erases 14 x 14, 0 = none). ``rng`` (a ``RandomNumbers`` or a ``torch.Generator``)
    makes the draws reproducible (and resumable: its state is saved in checkpoints).
    """

    def __init__(self, translation=0.125, cutout=0.5, rng=None):
        self.max_shift = int(translation * SIDE + 0.5)       # rounded half up: 0.125 · 28 = 3.5 -> 4
        self.size = int(cutout * SIDE + 0.5)
        self.rng = random_numbers(rng)

    def draw(self, B, device=None):
        """The random numbers for B images: shifts (2, B) and cutout centres (2, B)."""
        shifts = self.rng.randint(-self.max_shift, self.max_shift + 1, (2, B), device)
        centres = self.rng.randint(0, SIDE + (1 - self.size % 2), (2, B), device)
        return shifts, centres

    def forward(self, x):
        B = len(x)
        images = x.reshape(B, SIDE, SIDE)                                   # (B, 28, 28)
        shifts, centres = self.draw(B, x.device)
        self.shift_y, self.shift_x = shifts
        images = translate(images, self.shift_y, self.shift_x)
        if self.size:
            self.mask = cutout_mask(B, self.size, centres[0], centres[1], x.device, x.dtype)
            images = self.mask * images + (1 - self.mask) * BACKGROUND          # erased pixels become background
        return images.reshape(B, SIDE * SIDE)

    def backward(self, grad_y, param_grads=True, input_grad=True):
        B = len(grad_y)
        grad = grad_y.reshape(B, SIDE, SIDE)
        if self.size:
            grad = grad * self.mask                                         # erased pixels had no say
        grad = translate(grad, -self.shift_y, -self.shift_x, fill=0.0)      # each gradient back where its pixel came from
        return grad.reshape(B, SIDE * SIDE)

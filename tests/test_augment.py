"""DiffAugment against torch: translation as F.pad + crop, cutout as slicing, gradients by autograd."""
import pytest
import torch
import torch.nn.functional as F

from ganlab.augment import BACKGROUND, SIDE, DiffAugment, cutout_mask, translate
from parity import DEVICES, DTYPES, assert_close


def torch_translate(images, shift_y, shift_x, pad):
    """Each image padded by ``pad`` on every side with the background, then cropped at the shifted corner."""
    padded = F.pad(images, (pad, pad, pad, pad), value=BACKGROUND)               # (B, H + 2p, W + 2p)
    return torch.stack([p[pad - dy: pad - dy + SIDE, pad - dx: pad - dx + SIDE]
                        for p, dy, dx in zip(padded, shift_y.tolist(), shift_x.tolist())])


def torch_cutout(images, size, cy, cx):
    out = images.clone()
    for i, (y, x) in enumerate(zip(cy.tolist(), cx.tolist())):
        top, left = max(y - size // 2, 0), max(x - size // 2, 0)
        out[i, top: max(y - size // 2 + size, 0), left: max(x - size // 2 + size, 0)] = BACKGROUND
    return out


def images(dtype, device, B=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(B, SIDE * SIDE, generator=gen, dtype=dtype) * 2 - 1).to(device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_translate_matches_pad_and_crop(dtype, device):
    x = images(dtype, device).reshape(-1, SIDE, SIDE)
    shifts = torch.tensor([[-3, -3, 0, 3, 2, -1, 0, 1, 3, -2, 0, 0],
                           [3, -3, 0, 3, -2, 0, 1, -1, 0, 2, -3, 0]], device=device)
    assert torch.equal(translate(x, *shifts), torch_translate(x, *shifts, pad=4))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [14, 7])
def test_cutout_matches_slicing_including_squares_that_leave_the_image(size, dtype, device):
    x = images(dtype, device).reshape(-1, SIDE, SIDE)
    cy = torch.tensor([0, 27, 13, 5, 20, 1, 26, 14, 7, 0, 27, 10], device=device)
    cx = torch.tensor([0, 27, 6, 22, 13, 26, 2, 14, 7, 27, 0, 10], device=device)
    mask = cutout_mask(len(x), size, cy, cx, device, dtype)
    assert torch.equal(mask * x + (1 - mask) * BACKGROUND, torch_cutout(x, size, cy, cx))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_augment_forward_and_both_backwards_match_torch(dtype, device):
    aug = DiffAugment(0.125, 0.5, rng=torch.Generator(device=device).manual_seed(5))
    x = images(dtype, device).requires_grad_(True)
    shifts, centres = aug.draw(len(x), device)
    aug.draw = lambda B, device=None: (shifts, centres)      # so we know what it will draw
    y = aug(x)
    # torch's version with the very same draws: pad and crop, then erase by slicing
    x2 = x.detach().clone().requires_grad_(True)
    theirs = torch_translate(x2.reshape(-1, SIDE, SIDE), *shifts, pad=4)
    theirs = torch_cutout(theirs, 14, *centres).reshape(len(x), -1)
    assert_close(y, theirs, dtype)
    g = torch.randn(y.shape, generator=torch.Generator().manual_seed(1), dtype=dtype).to(device)
    (grad_theirs,) = torch.autograd.grad(theirs, x2, g)
    (grad_autograd,) = torch.autograd.grad(y, x, g)
    assert_close(grad_autograd, grad_theirs, dtype)
    assert_close(aug.backward(g), grad_theirs, dtype)                  # the hand-written backward


def test_draws_cover_every_shift_and_differ_per_image():
    aug = DiffAugment(0.125, 0.5, rng=torch.Generator().manual_seed(0))
    aug(images(torch.float32, "cpu", B=2000))
    assert set(aug.shift_y.tolist()) == set(range(-4, 5)) == set(aug.shift_x.tolist())
    erased = (aug.mask == 0).sum(dim=(1, 2))
    assert erased.max() == 14 * 14 and erased.min() < 14 * 14      # some squares reach past the edge

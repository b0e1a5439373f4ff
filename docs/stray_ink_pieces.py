"""What stray ink is made of: lone pixels (dust) or pieces of a broken digit, in few images or in all.

    python docs/stray_ink_pieces.py real RUN/checkpoint.pt RUN/checkpoint.pt:0.5 ...
    python docs/stray_ink_pieces.py --figure docs/images/mlp-stray-pieces.png RUN/checkpoint.pt

``real``: the sample's 1,000 held-out digits. ``CHECKPOINT[:T]``: 10,000 samples drawn with
seed 0, with the truncation trick at T if given (as ``ganlab evaluate`` draws them).
Prints one Markdown row per source: its stray ink, the share of its digits with any stray
ink and with more than 5% of their ink stray, and how the stray pixels divide between
lone pixels, pieces of 2 to 4 pixels and pieces of 5 or more (``ganlab.lab.evaluation.stray_ink``).
``--figure PNG``: instead, the first 64 images of the one source, their stray ink in red.
"""
import sys

import torch

from ganlab.lab.training.data import load_dataset
from ganlab.lab.evaluation.evaluate import load_samples
from ganlab.lab.evaluation.stray_ink import off_main_stroke, stray_ink, stray_pieces


def images_of(source):
    if source == "real":
        return load_dataset("mnist-sample", train=False).images
    path, _, cut = source.partition(":")
    images, _ = load_samples(path, n=10_000, seed=0, truncation=float(cut) if cut else None)
    return images


def row(source):
    images = images_of(source)
    share, _ = stray_ink(images)
    _, size = stray_pieces(images)
    stray = size.sum().clamp(min=1)
    parts = [share.mean(), (share > 0).double().mean(), (share > 0.05).double().mean(),
             size[size == 1].sum() / stray, size[(size >= 2) & (size <= 4)].sum() / stray, size[size >= 5].sum() / stray]
    return f"| {source} | " + " | ".join(f"{100 * float(p):.{2 if i == 0 else 1}f}%" for i, p in enumerate(parts)) + " |"


def figure(source, path, n=64, scale=3):
    """A grid of ``n`` images from ``source``, each pixel of ink off its largest stroke in red."""
    from PIL import Image
    from torchvision.utils import make_grid
    images = images_of(source)[:n]
    stray = off_main_stroke(images)                                             # (n, 28, 28)
    grey = make_grid((images.reshape(-1, 1, 28, 28) + 1) / 2, nrow=8, padding=2, pad_value=1)    # (3, H, W)
    red = make_grid(stray.reshape(-1, 1, 28, 28).float(), nrow=8, padding=2, pad_value=0)[0] > 0
    grey[:, red] = torch.tensor([1.0, 0.15, 0.15]).unsqueeze(1)
    picture = Image.fromarray((grey.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())
    picture.resize((picture.width * scale, picture.height * scale), resample=0).save(path)
    print(f"wrote {path}: {int(stray.flatten(1).any(dim=1).sum())} of {n} images with stray ink")


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "--figure":
        figure(sys.argv[3], sys.argv[2])
        sys.exit()
    print("| images | stray ink | digits with any | digits with more than 5% | of the stray pixels: lone | in pieces of 2 to 4 | in pieces of 5 or more |")
    print("|---|---|---|---|---|---|---|")
    for source in sys.argv[1:]:
        print(row(source))

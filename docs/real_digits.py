"""The grid of real digits that the docs show beside the runs' sample grids.

    python docs/real_digits.py

Draws the first 64 of the offline sample's 1,000 held-out digits (``--dataset mnist-sample``,
the digits no run trains on), in the order the sample keeps them, the way ``ganlab train``
draws its grids (8 by 8, three screen pixels per pixel), into ``docs/images/real-held-out.png``.
The eye needs the real thing beside a sample grid: stray ink, broken strokes and malformed
digits are easiest to see against digits that have none.
"""
from pathlib import Path

from ganlab.lab.training.data import load_dataset
from ganlab.lab.watching.plots import save_grid

SHOWN = 64

if __name__ == "__main__":
    held_out = load_dataset("mnist-sample", train=False)
    path = save_grid(held_out.images[:SHOWN], Path(__file__).parent / "images" / "real-held-out.png")
    print(f"{SHOWN} of {len(held_out.images)} held-out digits ({held_out.source}) -> {path}")

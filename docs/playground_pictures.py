"""The playground page's pictures: two presets played, as the playground draws them.

    python docs/playground_pictures.py

Plays "ring: learned" and "ring: mode collapse" for 2,000 rounds each (seed 0), with the
playground's own game (``ganlab.lab.playground.game.Game2D``), and saves the picture its widget
shows after the last round (``ganlab.lab.playground.ui.draw_2d``) into docs/images/.
"""
from pathlib import Path

from ganlab.lab.playground.game import PRESETS, Game2D
from ganlab.lab.playground.ui import draw_2d, png

IMAGES = Path(__file__).parent / "images"
ROUNDS = 2000

if __name__ == "__main__":
    for name, file in [("ring: learned", "playground-ring.png"), ("ring: mode collapse", "playground-collapse.png")]:
        game = Game2D(PRESETS[name][0])
        for _ in range(ROUNDS):
            game.step()
        (IMAGES / file).write_bytes(png(draw_2d(game)))
        print(f"{name}: wrote {IMAGES / file}")

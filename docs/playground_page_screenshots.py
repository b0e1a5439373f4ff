"""The playground page's screenshots, of the real page in headless Chromium.

    python docs/playground_page_screenshots.py

Serves the playground as ``ganlab playground`` does (Voilà), plays the 2-D game's ring for
``ROUNDS`` rounds and the MNIST game for a while, and writes ``docs/images/playground-page-2d.png``
and ``docs/images/playground-page-digits.png``. Needs Chromium (Debian: apt install chromium)
and playwright (in ganlab's dev dependencies).
"""
import re
from pathlib import Path

from ganlab.lab.playground.page import page_in_chromium

IMAGES = Path(__file__).parent / "images"
ROUNDS = 600


def g_steps(page, game):
    return int(re.findall(r"G steps (\d+)", page.locator(".ganlab-steps").nth(game).inner_text())[0])


def play(page, game, rounds):
    """Press Play on ``game`` (0: the ring, 2: MNIST) until it has taken ``rounds`` rounds, then Pause."""
    page.get_by_role("button", name="Play").nth(game).click()
    while g_steps(page, game) < rounds:
        page.wait_for_timeout(500)
    page.get_by_role("button", name="Pause").nth(game).click()
    page.wait_for_timeout(2000)


def main():
    with page_in_chromium(size=(1300, 1100)) as page:
        page.wait_for_function("document.querySelectorAll('.widget-image').length >= 3", timeout=300_000)
        play(page, 0, ROUNDS)
        shot(page, 0, IMAGES / "playground-page-2d.png")
        play(page, 2, 300)
        shot(page, 2, IMAGES / "playground-page-digits.png")


def shot(page, game, path):
    """A screenshot of one game (0: the ring, 2: MNIST), its controls and its picture: the
    outermost box of widgets around its picture."""
    box = page.locator(".widget-image").nth(game).locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][last()]")
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(path))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

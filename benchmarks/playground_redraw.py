"""How long the playground page takes to answer a click: from Step D to the new picture.

    python benchmarks/playground_redraw.py [--clicks 20]

Serves the playground as ``ganlab playground`` does (Voilà), opens it in headless Chromium
(Playwright), and times each click of the 2-D game's Step D until the page shows the redrawn
picture, then the same for Step G. Prints each button's median and slowest time, beside the
time the kernel takes to draw one picture (``ganlab.lab.playground.ui.draw_2d`` and ``png``),
measured in this process: the rest is the round trip through Voilà and the browser.
"""
import argparse
import statistics
import time

from ganlab.lab.playground.page import page_in_chromium
from ganlab.lab.playground.ui import Playground2D, draw_2d, png


def click_to_picture(page, button, clicks):
    seconds = []
    for _ in range(clicks):
        before = page.locator(".widget-image").first.get_attribute("src")
        start = time.perf_counter()
        page.get_by_role("button", name=button).first.click()
        page.wait_for_function(f"document.querySelector('.widget-image').src !== {before!r}", timeout=60_000)
        seconds.append(time.perf_counter() - start)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()
    playground = Playground2D()
    start = time.perf_counter()
    for _ in range(5):
        png(draw_2d(playground.game))
    drawing = (time.perf_counter() - start) / 5
    with page_in_chromium() as page:
        for button in ("Step D", "Step G"):
            times = click_to_picture(page, button, args.clicks)
            print(f"{button}: click to new picture, median {statistics.median(times):.3f} s, "
                  f"slowest {max(times):.3f} s ({args.clicks} clicks)")
    print(f"drawing one picture in the kernel: {drawing:.3f} s")


if __name__ == "__main__":
    main()

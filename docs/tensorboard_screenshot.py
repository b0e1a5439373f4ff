"""The TensorBoard page's screenshots, of a real run's dashboard in headless Chromium.

    ganlab train --steps 4000 --lr 2e-4 --tensorboard
    python docs/tensorboard_screenshot.py ganlab-out/train

Starts ``tensorboard`` on a loopback port for RUN/tensorboard and writes
``docs/images/tensorboard-scalars.png`` (the scalars) and ``docs/images/tensorboard-images.png``
(the fixed-noise grid, with its epoch slider). Needs Chromium (Debian: apt install chromium)
and playwright (in ganlab's dev dependencies).
"""
import shutil
import sys
import time
from pathlib import Path

from ganlab.lab.watching.tensorboard import dashboard

IMAGES = Path(__file__).parent / "images"


def screenshots(logdir, chromium):
    from playwright.sync_api import sync_playwright
    with dashboard(logdir) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for tab, text, name, height in [("scalars", "d_loss", "tensorboard-scalars.png", 1000),
                                            ("images", "samples/fixed noise", "tensorboard-images.png", 660)]:
                page.set_viewport_size({"width": 1400, "height": height})
                page.goto(f"{url}#{tab}", timeout=60_000)
                page.get_by_text(text).first.wait_for(timeout=60_000)
                time.sleep(4)                                       # the charts draw after the list
                page.screenshot(path=str(IMAGES / name))
                print(f"wrote {IMAGES / name}")
            browser.close()


if __name__ == "__main__":
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "tensorboard").is_dir():
        sys.exit("usage: python docs/tensorboard_screenshot.py RUN  (a run trained with --tensorboard)")
    if chromium is None:
        sys.exit("no Chromium found (Debian: apt install chromium)")
    screenshots(Path(sys.argv[1]) / "tensorboard", chromium)

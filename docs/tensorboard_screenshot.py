"""The TensorBoard page's screenshots, of a real run's dashboard in headless Chromium.

    ganlab train --steps 4000 --tensorboard
    python docs/tensorboard_screenshot.py ganlab-out/train

Starts ``tensorboard`` on a loopback port for RUN/tensorboard and writes
``docs/images/tensorboard-scalars.png`` (the scalars) and ``docs/images/tensorboard-images.png``
(the fixed-noise grid, with its epoch slider). Needs Chromium (Debian: apt install chromium)
and playwright (in ganlab's dev dependencies).
"""
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

IMAGES = Path(__file__).parent / "images"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def screenshots(logdir, chromium):
    from playwright.sync_api import sync_playwright
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "data/runs", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
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
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "tensorboard").is_dir():
        sys.exit("usage: python docs/tensorboard_screenshot.py RUN  (a run trained with --tensorboard)")
    if chromium is None:
        sys.exit("no Chromium found (Debian: apt install chromium)")
    screenshots(Path(sys.argv[1]) / "tensorboard", chromium)

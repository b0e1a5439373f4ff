"""The playground as a web page: its notebook served by Voilà, which runs the cells in a kernel
and shows their widgets alone, with no code and no cell to run.

Voilà serves ipywidgets as they are (it is Jupyter's own renderer of widgets as a page), so
the playground's controls are the same objects in the notebook and on the page.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from contextlib import contextmanager

from ganlab.lab.teaching.notebook import write_playground


def port_is_free(port):
    """Whether a server could listen on ``port`` now. Like Voilà's own server, with SO_REUSEADDR:
    the connections a stopped server leaves in TIME_WAIT for a minute do not count."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def playground_page(port=8866):
    """The playground served by Voilà at http://127.0.0.1:PORT/ while the block runs: (url, Voilà's process)."""
    if not port_is_free(port):
        raise ValueError(f"port {port} is taken (another playground?): choose another with --port")
    with tempfile.TemporaryDirectory(prefix="ganlab-playground-") as folder:
        notebook = write_playground(folder)
        command = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
                   "--Voila.ip=127.0.0.1", "--theme=light", "--show_tracebacks=True"]
        voila = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)       # its kernels go with it
        try:
            wait_until_served(port, voila)
            yield f"http://127.0.0.1:{port}/", voila
        finally:
            if voila.poll() is None:
                os.killpg(voila.pid, signal.SIGTERM)
                voila.wait(timeout=30)


def serve(port=8866, browser=True, echo=print):
    """Serve the playground at http://127.0.0.1:PORT/ until Ctrl-C; open it in the browser
    unless ``browser`` is False. Returns Voilà's exit status."""
    with playground_page(port) as (url, voila):
        echo(f"the playground is at {url} (Ctrl+C stops it)")
        if browser:
            webbrowser.open(url)
        try:
            return voila.wait()
        except KeyboardInterrupt:
            return 0


def wait_until_served(port, process, timeout=120):
    """Return once ``process`` answers on ``port``; a one-line error if it ends or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            last = (process.stderr.read().strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"Voilà ended before it served the playground: {last}")
        if not port_is_free(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"Voilà did not answer on port {port} within {timeout} s")


def free_port():
    """A port no one listens on now, on this machine."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def page_in_chromium(size=(1300, 1000)):
    """The playground served on a free port and opened in headless Chromium (Playwright): its page,
    once the 2-D game's buttons show. For the tests, the screenshots and the benchmark."""
    import shutil

    from playwright.sync_api import sync_playwright
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with playground_page(free_port()) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(url, timeout=300_000)
        page.get_by_role("button", name="Step D").first.wait_for(timeout=300_000)
        try:
            yield page
        finally:
            browser.close()

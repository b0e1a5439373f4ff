"""The playground as a page, in a real browser: ``ganlab playground --no-browser`` served by
Voilà and driven by Playwright in Debian's Chromium (skipped where there is none)."""
import re
import shutil
import time

import pytest

from ganlab.lab.playground.page import page_in_chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt install chromium)")


@pytest.fixture(scope="module")
def page():
    with page_in_chromium() as page:
        yield page


def first_image(page):
    return page.locator(".widget-image").first.get_attribute("src")


def status(page):
    return page.locator(".ganlab-status").first.inner_text()


def counts(page):
    text = page.locator(".ganlab-steps").first.inner_text()
    return tuple(int(n) for n in re.findall(r"\d+", text))           # (D steps, G steps)


def test_the_page_shows_the_controls(page):
    for name in ("Step D", "Step G", "Step both", "Play", "Pause", "Reset", "Load preset"):
        assert page.get_by_role("button", name=name).count() >= 1, name


def test_step_d_moves_ds_surface_alone_and_step_g_gs_points_alone(page):
    before = first_image(page)
    start = time.monotonic()
    page.get_by_role("button", name="Step D").first.click()
    page.wait_for_function(f"document.querySelector('.widget-image').src !== {before!r}", timeout=30_000)
    print(f"redraw after Step D: {time.monotonic() - start:.2f} s")      # benchmarks/playground_redraw.py measures it
    page.wait_for_function("document.querySelector('.ganlab-status').innerText.startsWith('Step D')")
    assert "D's surface moved" in status(page) and "G's points did not move" in status(page)
    after_d = first_image(page)
    page.get_by_role("button", name="Step G").first.click()
    page.wait_for_function("document.querySelector('.ganlab-status').innerText.startsWith('Step G')", timeout=30_000)
    assert "D's surface did not move" in status(page) and "G's points moved" in status(page)
    page.wait_for_function(f"document.querySelector('.widget-image').src !== {after_d!r}", timeout=30_000)


def test_play_runs_rounds_until_pause(page):
    _, g_before = counts(page)
    page.get_by_role("button", name="Play").first.click()
    page.wait_for_function(f"(document.querySelector('.ganlab-steps').innerText.match(/G steps (\\d+)/) || [0, 0])[1]"
                           f" > {g_before + 20}", timeout=60_000)
    page.get_by_role("button", name="Pause").first.click()
    page.wait_for_timeout(1500)                                 # the last redraw lands
    paused = counts(page)
    page.wait_for_timeout(1500)
    assert counts(page) == paused and paused[1] > g_before + 20


def test_a_click_on_the_plane_places_real_points_there(page):
    page.get_by_role("button", name="Place points").first.click()
    picture = page.locator(".widget-image").first
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.5 * box["height"])      # inside the plane
    page.wait_for_function("document.querySelector('.ganlab-status').innerText.startsWith('placed 20 real points')",
                           timeout=30_000)
    page.get_by_role("button", name="Place points").first.click()                     # off again


def test_a_preset_loads_its_settings_into_the_controls(page):
    page.locator("select").first.select_option("ring: mode collapse")
    page.get_by_role("button", name="Load preset").first.click()
    page.wait_for_function("document.querySelector('.ganlab-status').innerText.includes('ring: mode collapse')",
                           timeout=30_000)
    readouts = page.locator(".widget-readout").all_inner_texts()
    assert "1e-2" in readouts                                    # G's rate, ten times D's


def test_the_mnist_game_shows_its_grid(page):
    grids = page.locator(".widget-image")
    page.wait_for_function("document.querySelectorAll('.widget-image').length >= 3 && "
                           "[...document.querySelectorAll('.widget-image')].every(i => i.naturalWidth > 0)",
                           timeout=300_000)
    assert grids.count() >= 3


def test_ganlab_playground_no_browser_serves_the_page_until_stopped():
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    from ganlab.lab.playground.page import free_port, port_is_free
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "ganlab", "playground", "--no-browser", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        first = server.stdout.readline()                          # said once Voilà answers
        assert first.strip() == f"the playground is at http://127.0.0.1:{port}/ (Ctrl+C stops it)", first
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60).read().decode()
        assert "<title>playground</title>" in html
    finally:
        os.killpg(server.pid, signal.SIGINT)                     # Ctrl+C
        server.wait(timeout=60)
    time.sleep(1)
    assert port_is_free(port), "Voilà outlived ganlab playground"

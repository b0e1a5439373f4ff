"""The docs site: it builds strictly, every page is reachable, every lesson has a page that
pulls in its script, and (where Chromium is installed) the math really is typeset."""
import functools
import http.server
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ganlab.lab import docs_site
from ganlab.lab.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def nav_pages(nav):
    for item in nav:
        for value in (item.values() if isinstance(item, dict) else [item]):
            if isinstance(value, list):
                yield from nav_pages(value)
            else:
                yield value


def test_every_page_is_in_the_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    in_nav = set(nav_pages(config["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert on_disk - in_nav == set(), "pages missing from the nav"
    assert in_nav - on_disk == set(), "nav entries without a page"


def test_every_lesson_has_a_page_that_includes_its_script():
    scripts = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.py"))
    assert len(scripts) >= 14
    for script in scripts:
        page = DOCS / "lessons" / f"{script.name[:2]}.md"
        assert page.exists(), f"no page for {script.name}"
        text = page.read_text()
        assert text.startswith(f"# Lesson {int(script.name[:2])} "), page
        assert f'--8<-- "lessons/{script.name}"' in text, f"{page} does not include {script.name}"
        assert f"ganlab lesson {int(script.name[:2])}\n" in text, f"{page} lacks the command"
    pages = sorted((DOCS / "lessons").glob("[0-9][0-9].md"))
    assert len(pages) == len(scripts), "a lesson page without a lesson"


def test_every_image_a_page_shows_exists():
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.relative_to(DOCS)} shows missing {target}"


def test_mathjax_is_served_from_the_site_not_a_cdn():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    for script in config["extra_javascript"]:
        assert not script.startswith(("http:", "https:", "//")), script
        assert (DOCS / script).exists(), script


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built once by `ganlab docs --build` (mkdocs --strict)."""
    out = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(main, ["docs", "--build", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_site_builds_strict_with_every_kind_of_page(site):
    for page in ("index.html", "theory/minimax/index.html", "lessons/05/index.html", "api/losses/index.html"):
        assert (site / page).exists(), page
    lesson = (site / "lessons" / "05" / "index.html").read_text()
    assert "bce_with_logits_backward" in lesson             # the script's code, pulled in by snippets
    api = (site / "api" / "losses" / "index.html").read_text()
    assert 'class="arithmatex"' in api                    # docstring math reaches MathJax


def test_the_site_offers_every_notebook_and_exercise(site):
    import json

    from ganlab.lab.exercises import EXERCISES
    from ganlab.lab.lessons_index import lesson_files
    for number, path in lesson_files().items():
        notebook = json.loads((site / "notebooks" / path.with_suffix(".ipynb").name).read_text())
        assert notebook["cells"][0]["source"][0].startswith(f"# Lesson {number} ")
        page = (site / "lessons" / f"{number:02d}" / "index.html").read_text()
        assert f'href="../../notebooks/{path.with_suffix(".ipynb").name}"' in page, number
    for number, exercise in EXERCISES.items():
        blank = (site / "exercises" / exercise.file_name()).read_text()
        assert "raise NotImplementedError" in blank
        for lesson in exercise.lessons:            # the lesson page points to its exercise
            page = (site / "lessons" / f"{lesson:02d}" / "index.html").read_text()
            assert f"exercises/#exercise-{number}" in page, (lesson, number)
    solutions = re.sub(r"<[^>]+>", "", (site / "exercises" / "index.html").read_text())    # the text, without tags
    assert "torch.where(x &gt;= 0, 1 / (1 + e), e / (1 + e))" in solutions     # folded, but there


def test_docs_build_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["docs", "--build", str(tmp_path)])
    assert result.exit_code == 1
    assert "holds other files" in result.output and len(result.output.strip().splitlines()) == 1
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_docs_outside_a_checkout_says_where_the_sources_are(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_site.ganlab, "__file__", str(tmp_path / "site-packages" / "ganlab" / "__init__.py"))
    with pytest.raises(RuntimeError, match="checkout of the ganlab repository"):
        docs_site.find_config(cwd=tmp_path)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt install chromium)")
@pytest.mark.parametrize("page", ["", "theory/minimax/", "lessons/05/", "api/losses/"])
def test_math_is_typeset_in_a_real_browser(site, page):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{page}"
        dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                              "--virtual-time-budget=10000", "--dump-dom", url],
                             capture_output=True, text=True, timeout=600).stdout
    finally:
        server.shutdown()
    math = dom.count('class="arithmatex"')
    assert math > 0, "no math on the page"
    assert dom.count("<mjx-container") == math, "some math was left as TeX"
    assert "data-mjx-error" not in dom, "MathJax could not parse a formula"

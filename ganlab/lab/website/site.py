"""``ganlab docs``: serve or build the documentation site with mkdocs.

The site's sources (``mkdocs.yml`` and ``docs/``) live in the repository, beside the
package, so the command works from a checkout (an editable install, or the current
folder being the repository). mkdocs-material comes with the ``dev`` extra.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import ganlab

INSTALL_HINT = 'pip install -e ".[dev]"'


def find_config(cwd=None):
    """The repository's ``mkdocs.yml``: beside the package, else in ``cwd``."""
    for folder in (Path(ganlab.__file__).resolve().parent.parent, Path(cwd or Path.cwd())):
        config = folder / "mkdocs.yml"
        if config.is_file() and (folder / "docs").is_dir() and "site_name: ganlab" in config.read_text():
            return config
    raise RuntimeError("the docs sources (mkdocs.yml, docs/) are not here: run `ganlab docs` "
                       "from a checkout of the ganlab repository")


def check_mkdocs():
    for module in ("mkdocs", "material", "mkdocstrings"):
        if importlib.util.find_spec(module) is None:
            raise RuntimeError(f"the docs need mkdocs-material and mkdocstrings: {INSTALL_HINT}")


def is_previous_build(folder):
    """A folder mkdocs may clean: missing, empty, or an earlier build of a site."""
    folder = Path(folder)
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    return not any(folder.iterdir()) or (folder / "sitemap.xml").exists() and (folder / "search").is_dir()


def build(site_dir, cwd=None, execute="all"):
    """``mkdocs build --strict`` into ``site_dir``; returns mkdocs' exit status.

    ``execute``: which lessons to run (as notebooks, in a real kernel) for their pages'
    outputs, where none are cached yet: "all", "" (none: the pages show the code alone),
    or a list such as "5,10" (see ``docs/hooks.py``)."""
    config = find_config(cwd)
    check_mkdocs()
    if Path(site_dir).exists() and not Path(site_dir).is_dir():
        raise RuntimeError(f"{site_dir} is a file: --build needs a folder to build the site into (an empty or new one)")
    if not is_previous_build(site_dir):
        raise RuntimeError(f"{site_dir} holds other files, and building would delete them: "
                           "choose an empty or new folder")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d",
               str(Path(site_dir).resolve())]
    return run_mkdocs(command, config, execute)


def run_mkdocs(command, config, execute):
    """Run mkdocs from the repository root, where the lesson snippets' paths start."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GANLAB_DOCS_EXECUTE": execute}
    return subprocess.call(command, cwd=config.parent, env=env)


def lesson_cache(config):
    """Where executed lesson notebooks are kept: ``.cache/lesson-notebooks`` beside ``mkdocs.yml``,
    or the folder ``GANLAB_DOCS_CACHE`` names (the tests use their own)."""
    return Path(os.environ.get("GANLAB_DOCS_CACHE") or Path(config).parent / ".cache" / "lesson-notebooks")


def serve(address, cwd=None, execute=False):
    """``mkdocs serve`` at ``address`` (host:port), rebuilding on every change; Ctrl+C stops.

    It answers at once: a lesson page shows its code alone until the lesson's executed
    notebook is in the cache. ``execute``: meanwhile run the lessons not cached yet, in a
    process of their own; mkdocs watches the cache, so each page fills in as its lesson ends."""
    config = find_config(cwd)
    check_mkdocs()
    cache = lesson_cache(config)
    cache.mkdir(parents=True, exist_ok=True)
    runner = subprocess.Popen([sys.executable, "-m", "ganlab.lab.website.lesson_pages", str(cache)],
                              cwd=config.parent) if execute else None
    try:
        return run_mkdocs([sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", address,
                           "--watch", str(cache)], config, execute="")
    finally:
        if runner and runner.poll() is None:
            runner.terminate()

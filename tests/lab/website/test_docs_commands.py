"""Every command the docs show names options its command has: a renamed or removed option
fails here, not in a learner's terminal."""
import re
from pathlib import Path

import click
import pytest

from ganlab.lab.cli import main

ROOT = Path(__file__).parents[3]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "lessons").glob("*.py"))]
COMMAND = re.compile(r"\bganlab ([a-z]+)((?:[ \t]+[^\s`|;)\]]+)*)")


def shown_commands():
    """(page, command, its --options) for every `ganlab COMMAND ...` written in code."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        code = re.findall(r"```.*?```|`[^`\n]+`", text, flags=re.S) if page.suffix == ".md" else [text]
        for block in code:
            for name, rest in COMMAND.findall(block):
                if name in main.commands:
                    yield page.relative_to(ROOT), name, re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest)


def option_names(command):
    names = {"--help"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts + param.secondary_opts)
    return names


def test_the_docs_show_commands():
    assert len(list(shown_commands())) > 50


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_the_docs_give_a_command_exists(name):
    known = option_names(main.commands[name])
    unknown = {(str(page), option) for page, command, options in shown_commands() if command == name
               for option in options if option not in known}
    assert not unknown, f"ganlab {name} has no option: {sorted(unknown)}"

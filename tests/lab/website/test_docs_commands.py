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


PLACEHOLDERS = {"S": "0", "N": "100", "K": "4", "G": "1", "GAMMA": "1", "LAMBDA": "10", "W": "0.1", "T": "0.7"}


def runnable_train_commands():
    """(page, options) for every whole `ganlab train ...` the docs show (not a synopsis with
    [optional] parts or a|b choices); a placeholder such as S or N stands for a value."""
    import shlex
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        code = re.findall(r"```.*?```|`[^`\n]+`", text, flags=re.S) if page.suffix == ".md" else []
        for block in code:
            for line in re.findall(r"ganlab train[^\n`]*", block.replace("\\\n", " ")):
                if any(c in line for c in "[|<>$") or "..." in line:
                    continue
                words = shlex.split(line.split("#")[0])[2:]
                yield page.relative_to(ROOT), [PLACEHOLDERS.get(w, w) for w in words]


def test_the_docs_show_train_commands():
    assert len(list(runnable_train_commands())) > 15


def test_every_train_command_the_docs_show_is_one_ganlab_would_train():
    """Its settings pass every check a run makes before training: no refused pair, no unknown name."""
    from ganlab.lab.training.config import make_config, validate
    train = main.commands["train"]
    refused = []
    for page, words in runnable_train_commands():
        params = train.make_context("train", list(words)).params
        options = {k: v for k, v in params.items()
                   if k not in ("recipe", "out_dir", "resume", "overwrite", "dry_run", "tensorboard_dir")}
        try:
            validate(make_config(params["recipe"], **options))
        except ValueError as error:
            refused.append(f"{page}: ganlab train {' '.join(words)}: {error}")
    assert not refused, "\n".join(refused)

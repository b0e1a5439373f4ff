"""A training run: the data, the model and the callbacks put together, then the Trainer's steps.

Everything a run produces lands in its output folder:

    config.json      the Config of the run
    history.json     one point per log interval: step, epoch, losses, D(x), D(G(z)), images/s
    checkpoint.pt    model, optimizers, config, step and noise RNG (after every epoch and at the end)
    epoch-NNN.png    a grid from the same fixed noise after every epoch
    training.gif     those grids, animated
    samples.png      the final grid; losses.png and d_outputs.png, the curves
    tensorboard/     with --tensorboard: the same numbers and grids for TensorBoard
"""
import hashlib
import json
import signal
from contextlib import contextmanager, nullcontext
from dataclasses import fields, replace
from pathlib import Path

import torch

from ganlab.lab.evaluation.classifier import cached_classifier
from ganlab.lab.training.build import build_model, step_function
from ganlab.lab.training.parts import DTYPES
from ganlab.lab.training.callbacks import (GRID_COLUMNS, Checkpoints, EpochGrids, Figures, LayerDiagnostics, LogLines,
                                           ProgressBar, TensorBoardWriter, WatchdogChecks)
from ganlab.lab.training.checkpoint import CheckpointError, load_checkpoint, load_training_state
from ganlab.lab.training.clusters import cluster_labels, purity
from ganlab.lab.training.conditioning import Conditioning
from ganlab.lab.training.config import RESUMABLE, Config, describe, resumable_options, validate
from ganlab.lab.training.data import load_dataset
from ganlab.lab.training.trainer import Trainer
from ganlab.device import get_device, set_seed
from ganlab.lab.training.run_folder import claim, clear_run
from ganlab.lab.watching.tensorboard import TensorBoardLog, require_tensorboard
from ganlab.lab.watching.watchdog import Watchdog

class RunStopped(Exception):
    """A run stopped by a signal (Ctrl-C, SIGTERM) on a whole step, its checkpoint saved."""

    def __init__(self, signal_name, step, out):
        super().__init__(f"stopped by {signal_name} at step {step}; checkpoint saved: continue with "
                         f"`ganlab train --out {out} --resume`")
        self.exit_status = 128 + signal.Signals[signal_name].value       # the shell's convention: 130 for Ctrl-C


def resumed_config(out_dir, **given):
    """The settings of the run saved in ``out_dir``, with the options ``given`` to --resume:
    the one place where a resume's settings are put together (``train`` checks, never merges).

    A setting --resume cannot change may be given again, but only with its saved value: a
    different one is refused, never ignored. A setting not given keeps its saved value, so a
    DCGAN resumed without --fast-conv keeps the path it ran on. --epochs alone counts the new
    length in epochs, as it does in a new run."""
    out = Path(out_dir)
    if not (out / "checkpoint.pt").is_file():
        raise ValueError(f"--resume: no checkpoint.pt in {out} to resume from")
    saved = Config.from_dict(load_checkpoint(out / "checkpoint.pt")["config"])
    refuse_changed_settings(out, saved, replace(saved, **given))
    if "epochs" in given and "steps" not in given:
        given["steps"] = 0
    return replace(saved, **{name: given[name] for name in RESUMABLE if name in given})


def refuse_changed_settings(out, saved, cfg):
    """A ValueError naming the settings of ``cfg`` that differ from the ``saved`` run's where a
    resume may not change them."""
    changed = [f.name for f in fields(Config) if f.name not in RESUMABLE and getattr(cfg, f.name) != getattr(saved, f.name)]
    if changed:
        flags = ", ".join("--" + name.replace("_", "-") for name in changed)
        verb = "differs" if len(changed) == 1 else "differ"
        raise ValueError(f"--resume continues the run in {out} with its saved settings, and {flags} {verb} "
                         f"from them; only {resumable_options()} may change")


@contextmanager
def stop_requests():
    """Turn Ctrl-C (SIGINT) and SIGTERM into a flag the loop checks between steps,
    so a run always stops on a whole step and can write a consistent checkpoint."""
    flag = {"stop": None}

    def handler(signum, frame):
        flag["stop"] = signal.Signals(signum).name

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def train(cfg, out_dir, resume=False, overwrite=False, log=print, progress=False, tensorboard=None, claimed=None):
    """Train a GAN as ``cfg`` says, writing everything into ``out_dir``; return the history.

    The run holds ``out_dir`` from start to end (``ganlab.lab.training.run_folder``; ``claimed``: the
    lock of a folder the caller has claimed for it already). ``overwrite``: first remove the
    files of the run that was there. ``tensorboard``: a folder to also write the run's
    scalars, grids and settings into, for TensorBoard (see ``ganlab.lab.watching.tensorboard``).
    Raises ``RunStopped`` when a signal stopped the run (its checkpoint and figures saved)."""
    validate(cfg)
    if tensorboard is not None:
        require_tensorboard()                       # before anything is written
    device = get_device(cfg.device)
    held = claimed or claim(out_dir, resume, overwrite)
    try:
        return _train(cfg, Path(out_dir), device, resume, overwrite, log, progress, tensorboard)
    finally:
        held.close()


def _train(cfg, out, device, resume, overwrite, log, progress, tensorboard):
    ckpt = None
    if resume:                                          # cfg is the run's, merged by resumed_config
        ckpt = load_checkpoint(out / "checkpoint.pt", map_location=device)
        refuse_edited_config(out, Config.from_dict(ckpt["config"]))
        refuse_changed_settings(out, Config.from_dict(ckpt["config"]), cfg)
    set_seed(cfg.seed)
    data = load_dataset(cfg.dataset, cfg.data_dir or None, device)
    fingerprint = data_fingerprint(data)
    if ckpt and ckpt.get("data", fingerprint) != fingerprint:
        raise ValueError(f"the run in {out} trained on other data than {data.source} holds now ($GANLAB_DATA or "
                         "--data-dir changed?): resume it on the data it started with")
    if cfg.clusters:                                  # self-conditioning: each image's cluster is its label
        cfg, data.labels = self_conditioning(cfg, data, log)
    model = build_model(cfg, device)
    dtype = DTYPES[cfg.dtype]
    noise = torch.Generator(device=device).manual_seed(cfg.seed + 1)
    trainer = Trainer(model, step_function(model, cfg), cfg, data.images.to(dtype), data.labels, noise)
    if ckpt:
        if trainer.total <= ckpt["step"]:
            raise ValueError(f"the run in {out} is at step {ckpt['step']} already: to train on, give --steps more "
                             f"than {ckpt['step']} (or --epochs more than {ckpt['step'] / trainer.steps_per_epoch:g})")
        load_into(model, ckpt)
        noise.set_state(ckpt["noise_rng"].cpu())
        trainer.step, trainer.history, trainer.saved_at = ckpt["step"], list(ckpt["history"]), ckpt["step"]
    if overwrite and not resume:
        clear_run(out)                                # nothing of the run that was here stays
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    log(describe(cfg))
    log(f"training on {device}: {data.source}, {len(data.images)} images, {trainer.steps_per_epoch} steps/epoch, "
        f"{trainer.total} steps")
    board = TensorBoardLog(tensorboard) if tensorboard is not None else None
    bar = ProgressBar(trainer.total, trainer.step) if progress else None
    log = bar.bar.write if bar else log                              # keep the bar on its own line
    fixed_z, fixed_y = fixed_noise(cfg, dtype, device)                # the same z for every grid
    watchdog = Watchdog(cached_classifier(cfg.data_dir or None) if cfg.dataset != "fashion-mnist" else None, log=log,
                        probabilities=cfg.loss == "bce", remedy=_remedy(cfg))
    # with BCE, the best D against a perfect G outputs real_label · p/(p + p) = real_label / 2
    equilibrium = cfg.real_label / 2 if cfg.loss == "bce" else None
    trainer.callbacks = [
        cfg.diagnostics and LayerDiagnostics(_diagnostics(cfg, model, trainer.images, data.labels, device, dtype),
                                             out, board),
        LogLines(log),
        EpochGrids(out, fixed_z, fixed_y),
        board and TensorBoardWriter(board),
        WatchdogChecks(watchdog, digits=fixed_y if Conditioning.of(cfg).by_digit else None),   # not clusters
        Checkpoints(out / "checkpoint.pt", fingerprint),
        Figures(out, fixed_z, fixed_y, equilibrium),
        bar,
    ]
    trainer.callbacks = [c for c in trainer.callbacks if c]
    if board:
        board.config(cfg, trainer.step)
    with stop_requests() as stop, board or nullcontext():           # the board is closed however the run ends
        history = trainer.run(stop=lambda: stop["stop"])
    if stop["stop"]:
        raise RunStopped(stop["stop"], trainer.step, out)
    return history


def data_fingerprint(data):
    """What a resumed run checks it trains on the same data: the number of images and a hash of them and their labels."""
    digest = hashlib.blake2b(digest_size=8)
    for t in (data.images, data.labels):
        digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return {"images": len(data.images), "hash": digest.hexdigest()}


def refuse_edited_config(out, saved):
    """Refuse to resume when ``out/config.json`` says other settings than the checkpoint, which
    holds the settings the run trained with (only those --resume may change can differ)."""
    try:
        written = json.loads((out / "config.json").read_text())
    except (OSError, ValueError):
        return                                        # none, or unreadable: the checkpoint's settings are rewritten
    edited = sorted(k for k, v in saved.to_dict().items()
                    if k not in RESUMABLE and k in written and written[k] != v) if isinstance(written, dict) else ["all"]
    if edited:
        raise ValueError(f"{out / 'config.json'} differs from the settings saved in the checkpoint ({', '.join(edited)}): "
                         f"a run continues with the settings it trained with, so give only {resumable_options()} "
                         "to --resume, or start a new run; config.json was left as it is")


def self_conditioning(cfg, data, log):
    """``cfg`` with its clusters' shares, and the cluster of each training image, its label
    (``ganlab.lab.training.clusters``). A resumed run must find the clusters it was trained on."""
    clusters, shares = cluster_labels(data.images, cfg.clusters)
    if cfg.cluster_shares is not None and not torch.allclose(shares, torch.tensor(cfg.cluster_shares, dtype=shares.dtype)):
        raise ValueError("the training images no longer fall into the clusters this run was trained on: "
                         "resume it on the data it started with")
    log(f"self-conditioning: {cfg.clusters} k-means clusters of the training images, each {shares.min():.1%} to "
        f"{shares.max():.1%} of them; {purity(clusters, data.labels.cpu(), cfg.clusters):.0%} of the images carry "
        "their cluster's commonest label (read for this line only)")
    return replace(cfg, cluster_shares=shares.tolist()), clusters.to(data.labels.device)


def _diagnostics(cfg, model, images, labels, device, dtype):
    """A ``Diagnostics`` with a fixed probe: 100 real images (and their labels) and 100 noise vectors."""
    from ganlab.lab.watching.diagnostics import Diagnostics
    gen = torch.Generator().manual_seed(cfg.seed + 4)            # its own numbers: the run's stay as they are
    idx = torch.randperm(len(images), generator=gen)[:100].to(images.device)
    z = torch.randn(len(idx), cfg.latent_dim, generator=gen, dtype=dtype).to(device)
    return Diagnostics(model, images[idx], z, labels[idx].to(device) if cfg.conditional else None)


def _remedy(cfg):
    """What to suggest when D memorizes the data: the first of the cures this run lacks."""
    if not cfg.spectral_norm and not cfg.conv_d:               # the convolutional D's measured cure is R1
        return "--spectral-norm (or --r1 1)"
    if not cfg.r1:
        return "--r1 1"
    return "more data (--dataset mnist)"


def load_into(model, ckpt):
    try:
        load_training_state(model, ckpt["model"])
    except (KeyError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"checkpoint does not match this model: {err}") from err


def fixed_noise(cfg, dtype, device):
    """The noise (and, for a conditional GAN, the labels) drawn for every sample grid.

    A G told the digit has one row per digit: row k asks G for digit k, with the same noise
    in each column, so a column shows one "style" written as every digit. A self-conditioned
    G (``--clusters``) draws as a classic one does, a grid of its samples, each cluster asked
    for with its share of the training images.
    """
    gen = torch.Generator().manual_seed(cfg.seed + 2)
    conditioning = Conditioning.of(cfg)
    if not conditioning.by_digit:
        z = torch.randn(cfg.sample_n, cfg.latent_dim, generator=gen, dtype=dtype).to(device)
        y = conditioning.labels(cfg.sample_n, seed=cfg.seed + 2)
        return z, None if y is None else y.to(device)
    z = torch.randn(GRID_COLUMNS, cfg.latent_dim, generator=gen, dtype=dtype).repeat(conditioning.classes, 1)
    y = torch.arange(conditioning.classes).repeat_interleave(GRID_COLUMNS)
    return z.to(device), y.to(device)

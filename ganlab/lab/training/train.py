"""The training loop: data in, G and D alternating, logs, figures and checkpoints out.

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
import time
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import torch

from ganlab.lab.evaluation.classifier import cached_classifier
from ganlab.lab.training.build import build_model, step_function
from ganlab.lab.training.parts import DTYPES
from ganlab.lab.training.checkpoint import (CheckpointError, load_checkpoint, load_training_state, save_checkpoint,
                                  training_state)
from ganlab.lab.training.clusters import cluster_labels, draw_clusters, purity
from ganlab.lab.training.config import Config, describe, validate
from ganlab.lab.training.data import load_dataset
from ganlab.lab.training.loop import StepInputs, batch_stream
from ganlab.device import get_device, set_seed
from ganlab.lab.watching.plots import grid_image, plot_history, save_gif, save_grid
from ganlab.lab.training.run_folder import claim, clear_run
from ganlab.lab.watching.tensorboard import TensorBoardLog, require_tensorboard
from ganlab.lab.watching.watchdog import Watchdog

LOG_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
GRID_COLUMNS = 8


class TrainingDiverged(RuntimeError):
    """A loss or D output became NaN or infinite."""


class RunStopped(Exception):
    """A run stopped by a signal (Ctrl-C, SIGTERM) on a whole step, its checkpoint saved."""

    def __init__(self, signal_name, step, out):
        super().__init__(f"stopped by {signal_name} at step {step}; checkpoint saved: continue with "
                         f"`ganlab train --out {out} --resume`")
        self.exit_status = 128 + signal.Signals[signal_name].value       # the shell's convention: 130 for Ctrl-C


# what --resume may change; every other setting is the saved run's
RESUMABLE = ("epochs", "steps", "device", "compile", "fast_conv")


def resumed_config(out_dir, **given):
    """The settings of the run saved in ``out_dir``, with the options ``given`` to --resume.

    A setting --resume cannot change may be given again, but only with its saved value: a
    different one is refused, never ignored. A setting not given keeps its saved value, so a
    DCGAN resumed without --fast-conv keeps the path it ran on. --epochs alone counts the new
    length in epochs, as it does in a new run."""
    out = Path(out_dir)
    if not (out / "checkpoint.pt").is_file():
        raise ValueError(f"--resume: no checkpoint.pt in {out} to resume from")
    saved = Config.from_dict(load_checkpoint(out / "checkpoint.pt")["config"])
    changed = [name for name, value in given.items() if name not in RESUMABLE and value != getattr(saved, name)]
    if changed:
        flags = ", ".join("--" + name.replace("_", "-") for name in changed)
        verb = "differs" if len(changed) == 1 else "differ"
        raise ValueError(f"--resume continues the run in {out} with its saved settings, and {flags} {verb} "
                         "from them; only --steps, --epochs, --device, --compile and --fast-conv may change")
    if "epochs" in given and "steps" not in given:
        given["steps"] = 0
    return replace(saved, **{name: given[name] for name in RESUMABLE if name in given})


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
    if resume:
        ckpt = load_checkpoint(out / "checkpoint.pt", map_location=device)
        saved = Config.from_dict(ckpt["config"])
        refuse_edited_config(out, saved)
        cfg = replace(saved, **{name: getattr(cfg, name) for name in RESUMABLE})
        validate(cfg)
    set_seed(cfg.seed)
    data = load_dataset(cfg.dataset, cfg.data_dir or None, device)
    fingerprint = data_fingerprint(data)
    if ckpt and ckpt.get("data", fingerprint) != fingerprint:
        raise ValueError(f"the run in {out} trained on other data than {data.source} holds now ($GANLAB_DATA or "
                         "--data-dir changed?): resume it on the data it started with")
    if cfg.clusters:                                  # self-conditioning: each image's cluster is its label
        cfg, data.labels = self_conditioning(cfg, data, log)
    model = build_model(cfg, device)
    take_step = step_function(model, cfg)                   # model.step, or the same step compiled
    dtype = DTYPES[cfg.dtype]
    images, labels = data.images.to(dtype), data.labels
    steps_per_epoch = len(images) // cfg.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"--batch-size {cfg.batch_size} is larger than the data set ({len(images)} images)")
    total = cfg.steps or cfg.epochs * steps_per_epoch
    if ckpt and total <= ckpt["step"]:
        raise ValueError(f"the run in {out} is at step {ckpt['step']} already: to train on, give --steps "
                         f"more than {ckpt['step']} (or --epochs more than {ckpt['step'] / steps_per_epoch:g})")
    if overwrite and not resume:
        clear_run(out)                                # nothing of the run that was here stays
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    noise = torch.Generator(device=device).manual_seed(cfg.seed + 1)
    fixed_z, fixed_y = fixed_noise(cfg, dtype, device)                   # the same z for every grid
    step, history = 0, []
    if ckpt:
        load_into(model, ckpt)
        step, history = ckpt["step"], list(ckpt["history"])
        noise.set_state(ckpt["noise_rng"].cpu())
    log(describe(cfg))
    log(f"training on {device}: {data.source}, {len(images)} images, {steps_per_epoch} steps/epoch, {total} steps")
    board = TensorBoardLog(tensorboard) if tensorboard is not None else None
    if board:
        board.config(cfg, step)

    def snapshot():
        return {"model": training_state(model), "config": cfg.to_dict(), "step": step,
                "noise_rng": noise.get_state(), "history": history, "data": fingerprint}

    watchdog = Watchdog(cached_classifier(cfg.data_dir or None) if cfg.dataset != "fashion-mnist" else None, log=log,
                        probabilities=cfg.loss == "bce", remedy=_remedy(cfg))
    diagnostics = _diagnostics(cfg, model, images, labels, device, dtype) if cfg.diagnostics else None
    sums, count, t_last = torch.zeros(4, device=device, dtype=torch.float64), 0, time.perf_counter()
    bar = _progress_bar(total, step, progress)
    log = bar.write if bar else log                                  # keep the bar on its own line
    stream = batch_stream(len(images), cfg.batch_size, cfg.seed, step, device)
    # real images keep their labels; a conditional G is asked for random ones
    inputs = StepInputs(noise, cfg.latent_dim, dtype, cfg.num_classes if cfg.conditional else 0,
                        cfg.mismatched_labels)
    with stop_requests() as stop, board or nullcontext():           # the board is closed however the run ends
        while step < total and not stop["stop"]:
            idx = next(stream)
            measure = diagnostics and ((step + 1) % cfg.log_every == 0 or step + 1 == total)
            if measure:
                diagnostics.before_step()
            stats = take_step(*inputs(images[idx], labels[idx] if cfg.conditional else None))
            sums += torch.stack([stats[k] for k in LOG_KEYS]).to(torch.float64)  # stays on device
            step, count = step + 1, count + 1
            if measure:
                diagnostics.after_step(step)
                board and board.diagnostics(diagnostics.points[-1])
            bar and bar.update(1)
            if step % cfg.log_every == 0 or step == total:
                now = time.perf_counter()
                point = _history_point(sums / count, step, step / steps_per_epoch,
                                       count * cfg.batch_size / (now - t_last), out / "checkpoint.pt")
                history.append(point)
                log(_format(point))
                board and board.history_point(point)
                watchdog.check_history(point)
                sums.zero_()
                count, t_last = 0, now
            if step % steps_per_epoch == 0:                  # the end of an epoch
                _check_finite(sums, step, out / "checkpoint.pt")     # never save a diverged model
                grid = _epoch_grid(model, fixed_z, fixed_y, out, step // steps_per_epoch)
                board and board.grid(grid_image(grid, GRID_COLUMNS), step)
                watchdog.check_samples(grid, step, labels=None if cfg.clusters else fixed_y)     # clusters are not digits
                save_checkpoint(snapshot(), out / "checkpoint.pt")
                board and board.flush()
    if bar:
        bar.close()
    _check_finite(sums, step, out / "checkpoint.pt")
    save_checkpoint(snapshot(), out / "checkpoint.pt")
    # with BCE, the best D against a perfect G outputs real_label · p/(p + p) = real_label / 2
    _write_figures(model, fixed_z, fixed_y, out, history, cfg.real_label / 2 if cfg.loss == "bce" else None)
    if diagnostics:
        diagnostics.save(out)
    if stop["stop"]:
        raise RunStopped(stop["stop"], step, out)
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
                         "a run continues with the settings it trained with, so give only --steps, --epochs, --device, "
                         "--compile or --fast-conv to --resume, or start a new run; config.json was left as it is")


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


def _check_finite(sums, step, checkpoint):
    if not torch.isfinite(sums).all():
        raise TrainingDiverged(f"training diverged by step {step}: losses became NaN or infinite; " +
                               ("the last good checkpoint is kept" if checkpoint.exists() else "no checkpoint was written"))


def _history_point(means, step, epoch, images_per_s, checkpoint):
    _check_finite(means, step, checkpoint)
    d_loss, g_loss, d_real, d_fake = means.tolist()          # one host sync per interval
    return {"step": step, "epoch": round(epoch, 3), "d_loss": d_loss, "g_loss": g_loss,
            "d_real": d_real, "d_fake": d_fake, "images_per_s": round(images_per_s, 1)}


def _format(p):
    return (f"epoch {p['epoch']:7.2f}  step {p['step']:6d}  d_loss {p['d_loss']:.4f}  g_loss {p['g_loss']:.4f}  "
            f"D(x) {p['d_real']:.3f}  D(G(z)) {p['d_fake']:.3f}  {p['images_per_s']:,.0f} img/s")


def fixed_noise(cfg, dtype, device):
    """The noise (and, for a conditional GAN, the labels) drawn for every sample grid.

    A conditional grid has one row per class: row k asks G for class k, with the same
    noise in each column, so a column shows one "style" written as every digit. A
    self-conditioned G (``--clusters``) draws as a classic one does, a grid of its samples,
    each cluster asked for with its share of the training images.
    """
    gen = torch.Generator().manual_seed(cfg.seed + 2)
    if not cfg.conditional or cfg.clusters:
        z = torch.randn(cfg.sample_n, cfg.latent_dim, generator=gen, dtype=dtype).to(device)
        return z, draw_clusters(cfg.cluster_shares, cfg.sample_n, cfg.seed + 2).to(device) if cfg.clusters else None
    columns = GRID_COLUMNS
    z = torch.randn(columns, cfg.latent_dim, generator=gen, dtype=dtype).repeat(cfg.num_classes, 1)
    y = torch.arange(cfg.num_classes).repeat_interleave(columns)
    return z.to(device), y.to(device)


@torch.no_grad()
def draw(model, z, y):
    """The sampler's images for noise ``z`` (and labels ``y``), drawn in evaluation mode:
    dropout off, batch norm with its running statistics."""
    G = model.sampler()
    training = G.training
    images = G.eval()(z, y)
    G.train(training)
    return images


@torch.no_grad()
def _epoch_grid(model, fixed_z, fixed_y, out, epoch):
    images = draw(model, fixed_z, fixed_y)
    save_grid(images, out / f"epoch-{epoch:03d}.png", nrow=GRID_COLUMNS)
    return images


@torch.no_grad()
def _write_figures(model, fixed_z, fixed_y, out, history, equilibrium):
    save_grid(draw(model, fixed_z, fixed_y), out / "samples.png", nrow=GRID_COLUMNS)
    (out / "history.json").write_text(json.dumps(history, indent=1))
    if history:
        plot_history(history, out, equilibrium)
    # the animation is made from the saved epoch grids, so a resumed run's GIF is whole
    from PIL import Image
    save_gif([Image.open(p).copy() for p in sorted(out.glob("epoch-*.png"))], out / "training.gif")


def _progress_bar(total, initial, enabled):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="step", leave=False)

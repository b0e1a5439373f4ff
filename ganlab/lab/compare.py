"""``ganlab compare``: ganlab's GAN and the nn twin, side by side.

Both start from the same weights and see the same batches and the same noise, so any
difference in their losses or weights is floating-point rounding, nothing else.
"""
import time
from pathlib import Path

import torch

from ganlab.lab.training.config import make_config
from ganlab.lab.training.data import load_dataset
from ganlab.lab.training.loop import StepInputs, batch_stream
from ganlab.lab.training.run_folder import make_folder
from ganlab.device import get_device, set_seed
from ganlab.lab.training.build import build_model
from ganlab.lab.training.trainer import LOG_KEYS


def twin_models(cfg, device):
    """ganlab's GAN and the nn twin, the twin holding a copy of ganlab's initial weights."""
    ours = build_model(cfg, device)
    theirs = build_model(make_config(**{**cfg.to_dict(), "backend": "nn", "fast_conv": False}), device)
    theirs.G.load_state_dict(ours.G.state_dict())
    theirs.D.load_state_dict(ours.D.state_dict())
    return ours, theirs


def timed_step(model, batch, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    stats = model.step(*batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return {k: v.item() for k, v in stats.items()}, time.perf_counter() - start


def compare_twins(steps=200, device="auto", dataset="mnist-sample", data_dir=None,
                  out_dir="ganlab-out/compare", backend="autograd", arch="mlp"):
    """Run both for ``steps`` steps with the classic recipe (``arch``: its MLP or its DCGAN);
    return the report's lines."""
    device = get_device(device)
    make_folder(Path(out_dir))                      # before the steps: a bad --out costs nothing
    cfg = make_config("classic", backend=backend, dataset=dataset, device=device.type, arch=arch)
    set_seed(cfg.seed)
    data = load_dataset(dataset, data_dir, device)
    ours, theirs = twin_models(cfg, device)
    stream = batch_stream(len(data.images), cfg.batch_size, cfg.seed, device=device)
    inputs = StepInputs(torch.Generator(device=device).manual_seed(cfg.seed + 1), cfg.latent_dim)
    history = {"ganlab": [], "nn": []}
    seconds = {"ganlab": 0.0, "nn": 0.0}
    for _ in range(steps):
        batch = inputs(data.images[next(stream)])                      # the same batch and noise for both
        for name, model in (("ganlab", ours), ("nn", theirs)):
            stats, dt = timed_step(model, batch, device)
            history[name].append(stats)
            seconds[name] += dt

    stat_diff = {k: max(abs(a[k] - b[k]) for a, b in zip(history["ganlab"], history["nn"]))
                 for k in LOG_KEYS}
    param_diff = max((p - q).abs().max().item()
                     for part in ("G", "D")
                     for p, q in zip(getattr(ours, part).parameters(), getattr(theirs, part).parameters()))
    plot_path = _overlay_plot(history, Path(out_dir) / "compare.png")
    ms = {k: 1000 * v / steps for k, v in seconds.items()}
    return [
        f"ganlab ({backend}, {arch}) vs nn twin: {steps} steps on {device}, same weights, batches and noise",
        "largest differences over the run:",
        *[f"  {k:7s} {v:.2e}" for k, v in stat_diff.items()],
        f"  params  {param_diff:.2e}  (largest |weight difference| at the end)",
        f"time per step: ganlab {ms['ganlab']:.2f} ms, nn twin {ms['nn']:.2f} ms "
        f"(ratio {ms['nn'] / ms['ganlab']:.2f}x)",
        f"overlay plot: {plot_path}",
    ]


def _overlay_plot(history, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, style in (("ganlab", "-"), ("nn", "--")):
        h = history[name]
        ax.plot([s["d_loss"] for s in h], style, label=f"D loss, {name}")
        ax.plot([s["g_loss"] for s in h], style, label=f"G loss, {name}")
    ax.set(xlabel="step", ylabel="loss", title="ganlab and its nn twin: the curves lie on top of each other")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

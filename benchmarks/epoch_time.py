"""Time one MNIST-sized epoch (60,000 images, batch 100) six ways, in one run.

    classic-loop     torchvision-style Dataset: a PIL image per sample, ToTensor + Normalize,
                     a DataLoader with shuffling, the nn.Module GAN with BCELoss and Adam
    nn-twin          the same nn.Module GAN (ganlab.reference.twin) fed from ganlab's in-memory tensor
    ganlab           ganlab's tensor-op GAN with autograd, same loader, the classic recipe
    manual           ganlab's GAN with the hand-written backward, same loader and recipe
    ganlab-compiled  ganlab, its step through torch.compile (ganlab train --compile)
    manual-compiled  manual, likewise

With --recipes it times the training recipes instead, all on the autograd backend and the
same loader, against the default recipe without spectral norm (what the default was
before spectral norm joined it):

    default-no-sn    the ganlab recipe with --no-spectral-norm
    default          the ganlab recipe as it is (spectral norm in D)
    default-r1       the ganlab recipe with the R1 penalty too (--r1 1), every step
    classic          the classic recipe

Each path runs in a fresh process (so peak memory is its own), times --steps steps after
--warmup (which, compiled, includes the compilation: its time is printed apart), and
the epoch time is scaled from that. The paths take turns, --repeat times, and each
path's median is reported, so a noisy machine slows all paths alike; with --before, the
fastest run of each version too (noise only ever slows a run). Ratios are
against the classic loop.

With --before DIR (a checkout of an earlier commit, e.g. `git worktree add DIR f407618`),
each path is also timed with that code, in turns with today's, and a last column gives
today's epoch time against it.

    python benchmarks/epoch_time.py [--device cpu|cuda] [--steps 200] [--repeat 3] [--recipes] [--before DIR]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch

from ganlab.lab.training.loop import StepInputs

N, BATCH, LATENT = 60_000, 100, 64
PATHS = ("classic-loop", "nn-twin", "ganlab", "manual", "ganlab-compiled", "manual-compiled")
RECIPE_PATHS = ("default-no-sn", "default", "default-r1", "classic")


def synthetic_pixels():
    """MNIST-shaped bytes (60,000 x 28 x 28): blobs, as real MNIST is not always on disk."""
    gen = torch.Generator().manual_seed(0)
    return (torch.rand(N, 28, 28, generator=gen) ** 4 * 255).to(torch.uint8)


def classic_loop_batches(pixels):
    from PIL import Image
    from torchvision import transforms
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

    class PerSample(torch.utils.data.Dataset):
        def __len__(self):
            return len(pixels)

        def __getitem__(self, i):
            return transform(Image.fromarray(pixels[i].numpy(), mode="L")), 0

    loader = torch.utils.data.DataLoader(PerSample(), batch_size=BATCH, shuffle=True)
    while True:
        for images, _ in loader:
            yield images.reshape(BATCH, -1)


def in_memory_batches(pixels, device):
    from ganlab.lab.training.data import normalize
    from ganlab.lab.training.loop import batch_stream
    images = normalize(pixels).to(device)
    for idx in batch_stream(len(images), BATCH, seed=0, device=device):
        yield images[idx]


def build(path, device):
    """The step function of ``path``'s model, as ``ganlab train`` builds it."""
    from ganlab.lab.training.config import make_config
    from ganlab.lab.training.build import build_model, step_function
    if path in RECIPE_PATHS:
        cfg = {"default-no-sn": make_config("ganlab", spectral_norm=False), "default": make_config("ganlab"),
               "default-r1": make_config("ganlab", r1=1.0), "classic": make_config("classic")}[path]
    else:
        name, _, compiled = path.partition("-")
        backend = {"seeds": "nn", "nn": "nn", "ganlab": "autograd", "manual": "manual"}[name]
        cfg = make_config("classic", backend=backend, compile=compiled == "compiled")
    return step_function(build_model(cfg, device), cfg)


def time_path(path, device, steps, warmup):
    device = torch.device(device)
    pixels = synthetic_pixels()
    take_step = build(path, device)
    data = classic_loop_batches(pixels) if path == "classic-loop" else in_memory_batches(pixels, device)
    inputs = StepInputs(torch.Generator(device=device).manual_seed(1), LATENT)

    def run(k):
        for _ in range(k):
            take_step(*inputs(next(data).to(device, non_blocking=True)))
        if device.type == "cuda":
            torch.cuda.synchronize()

    start = time.perf_counter()
    run(warmup)
    warmup_s = time.perf_counter() - start
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    run(steps)
    seconds = time.perf_counter() - start
    peak = (torch.cuda.max_memory_allocated() if device.type == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return {"path": path, "epoch_s": seconds / steps * (N // BATCH),
            "images_per_s": steps * BATCH / seconds, "peak_bytes": peak, "warmup_s": warmup_s}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3, help="rounds over all the paths; the median of each is reported")
    ap.add_argument("--recipes", action="store_true", help="time the recipes instead of the code paths")
    ap.add_argument("--paths", help="a comma-separated subset of the paths (the first is the baseline)")
    ap.add_argument("--before", metavar="DIR", help="a checkout of an earlier commit: time its paths too, in turns")
    ap.add_argument("--only", choices=PATHS + RECIPE_PATHS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    paths = RECIPE_PATHS if args.recipes else PATHS
    if args.paths:
        paths = tuple(p for p in args.paths.split(",") if p in paths) or paths
    if args.only:
        print(json.dumps(time_path(args.only, args.device, args.steps, args.warmup)))
        return
    versions = {"today": (__file__, os.environ.get("PYTHONPATH", ""))}
    if args.before:
        versions["before"] = (os.path.join(args.before, "benchmarks", "epoch_time.py"), os.path.abspath(args.before))
    runs = {(v, path): [] for v in versions for path in paths}
    for _ in range(args.repeat):
        for path in paths:
            for version, (script, pythonpath) in versions.items():
                out = subprocess.run([sys.executable, script, "--only", path, "--device", args.device,
                                      "--steps", str(args.steps), "--warmup", str(args.warmup)],
                                     check=True, capture_output=True, text=True,
                                     env={**os.environ, "PYTHONPATH": pythonpath}).stdout
                runs[version, path].append(json.loads(out.strip().splitlines()[-1]))
    results = []
    for path in paths:
        r = runs["today", path]
        epoch_s = statistics.median(x["epoch_s"] for x in r)
        results.append({"path": path, "epoch_s": epoch_s, "images_per_s": N / epoch_s,
                        "peak_bytes": max(x["peak_bytes"] for x in r), "warmup_s": max(x["warmup_s"] for x in r),
                        "fastest_s": min(x["epoch_s"] for x in r),
                        "before_s": statistics.median(x["epoch_s"] for x in runs["before", path]) if args.before else None,
                        "before_fastest_s": min(x["epoch_s"] for x in runs["before", path]) if args.before else None})
    base = results[0]["epoch_s"]
    memory = "peak GPU memory" if args.device == "cuda" else "peak RSS"
    print(f"{torch.get_num_threads()} CPU threads, device {args.device}, {args.steps} timed steps per path, "
          f"median of {args.repeat} runs")
    ratio = "cost" if args.recipes else "speed-up"       # recipes: time per step against default-no-sn
    before = f" {'before (s)':>11s} {'today/before':>13s} {'fastest today/before':>21s}" if args.before else ""
    print(f"{'path':16s} {'epoch (s)':>10s} {'images/s':>10s} {ratio:>9s} {memory:>16s} {'warm-up (s)':>12s}{before}")
    for r in results:
        factor = r["epoch_s"] / base if args.recipes else base / r["epoch_s"]
        against = (f" {r['before_s']:11.2f} {r['epoch_s'] / r['before_s']:12.2f}x "
                   f"{r['fastest_s']:8.2f} / {r['before_fastest_s']:.2f} s" if args.before else "")
        print(f"{r['path']:16s} {r['epoch_s']:10.2f} {r['images_per_s']:10,.0f} {factor:8.2f}x "
              f"{r['peak_bytes'] / 2**20:13.0f} MiB {r['warmup_s']:12.1f}{against}")


if __name__ == "__main__":
    main()

"""Time one DCGAN training step (batch 100, 28 x 28 digits) four ways, in one run.

    nn-twin    the DCGAN of nn.Conv2d / nn.ConvTranspose2d / nn.BatchNorm2d (ganlab.reference.twin),
               on PyTorch's own convolution kernels, autograd, torch.optim.Adam
    ganlab     ganlab's DCGAN: convolutions as unfold + matmul, autograd through them
    manual     ganlab's DCGAN with every backward written by hand
    fast-conv  ganlab's DCGAN with its convolutions computed by torch's kernels, autograd
               (ganlab.speed.conv_kernels, `ganlab train --recipe dcgan`)
    mlp-g      the MLP's G against the fast-conv DCGAN's D (`ganlab train --recipe dcgan --arch mlp-dcgan-d --lr 1e-3`)

All four take the same steps from the same weights (tests/test_dcgan.py, tests/test_speed.py). The paths take
turns, --repeat times, each timing --steps steps after --warmup; each path's median is
reported, with its ratio to the nn twin, and the MLP GAN's step beside them for scale, with
each path's cost in MLP steps.

    python benchmarks/dcgan_step.py [--device cpu|cuda] [--steps 20] [--repeat 3]
"""
import argparse
import statistics
import time

import torch

from ganlab.lab.training.build import make_gan
from ganlab.reference.twin import TwinGAN

BATCH, LATENT = 100, 64


def make(path, device):
    if path == "nn-twin":
        return TwinGAN(latent_dim=LATENT, arch="dcgan", betas=(0.5, 0.999), device=device)
    if path in ("mlp", "mlp-g"):
        return make_gan("classic", latent_dim=LATENT, beta1=0.5, stable_loss=True, device=device,
                        arch="mlp-dcgan-d" if path == "mlp-g" else "mlp", fast_conv=path == "mlp-g")
    return make_gan("classic", latent_dim=LATENT, arch="dcgan", beta1=0.5, stable_loss=True,
                    backend="manual" if path == "manual" else "autograd", fast_conv=path == "fast-conv",
                    device=device)


def seconds_per_step(model, device, steps, warmup):
    gen = torch.Generator(device=device).manual_seed(0)
    x = torch.rand(BATCH, 784, device=device, generator=gen) * 2 - 1
    noise = lambda: torch.randn(BATCH, LATENT, device=device, generator=gen)    # noqa: E731
    for i in range(warmup + steps):
        if i == warmup:
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        model.step(x, noise(), noise())
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    paths = ("nn-twin", "ganlab", "manual", "fast-conv", "mlp-g", "mlp")
    times = {p: [] for p in paths}
    for _ in range(args.repeat):
        for path in paths:
            times[path].append(seconds_per_step(make(path, args.device), args.device, args.steps, args.warmup))
    base, mlp = statistics.median(times["nn-twin"]), statistics.median(times["mlp"])
    print(f"{'path':10s} {'s/step':>8s} {'x nn-twin':>10s} {'x mlp':>7s}   "
          f"({args.device}, {torch.get_num_threads()} threads, batch {BATCH})")
    for path in paths:
        t = statistics.median(times[path])
        label = "mlp (GAN)" if path == "mlp" else path
        print(f"{label:10s} {t:8.3f} {t / base:10.2f} {t / mlp:7.1f}")


if __name__ == "__main__":
    main()

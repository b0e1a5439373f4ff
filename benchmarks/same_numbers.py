"""Does a change keep the numbers? 200 seeded float64 steps of every backend and recipe.

Run it once on the commit before a change, to record, and once after, to compare:

    python benchmarks/same_numbers.py --record before.pt      # on the old commit
    python benchmarks/same_numbers.py --against before.pt     # on the new one

Each case trains through ``ganlab.lab.training.train.train`` (the same path as ``ganlab train``) on
the offline 5,000-digit sample, and keeps the final weights of G, D and the averaged G,
both optimizers' moments and the logged losses. ``--against`` prints the largest
difference per case and exits 1 when one exceeds ``--tol`` (1e-12).
"""
import argparse
import sys
import tempfile
from pathlib import Path

import torch

from ganlab.lab.training.checkpoint import load_checkpoint
from ganlab.lab.training.config import make_config
from ganlab.lab.training.train import train

SMALL = dict(hidden_dim=64)              # the DCGAN's 16 and 32 feature maps: quick in float64
CASES = {
    "ganlab/autograd": ("ganlab", {}),
    "ganlab/manual": ("ganlab", dict(backend="manual")),
    "ganlab/compiled": ("ganlab", dict(compile=True)),
    "classic/autograd": ("classic", {}),
    "classic/manual": ("classic", dict(backend="manual")),
    "classic/nn": ("classic", dict(backend="nn")),
    "conditional/autograd": ("ganlab", dict(conditional=True)),
    "conditional/manual": ("ganlab", dict(conditional=True, backend="manual")),
    "conditional-appended/autograd": ("ganlab", dict(conditional=True, projection=False, spectral_norm=False)),
    "conditional/nn": ("classic", dict(conditional=True, backend="nn")),
    "dcgan/autograd": ("dcgan", SMALL),
    "dcgan/manual": ("dcgan", dict(SMALL, backend="manual", r1=0.0)),    # no R1: no second derivatives by hand
    "dcgan/fast-conv": ("dcgan", SMALL),
    "dcgan/nn": ("classic", dict(SMALL, arch="dcgan", projection=True, backend="nn")),
    "dcgan-r1/autograd": ("dcgan", SMALL),
    "lsgan+ttur/manual": ("ganlab", dict(loss="lsgan", real_label=1.0, lr_d=4e-4, lr_g=1e-4, backend="manual")),
    "hinge+augment/manual": ("ganlab", dict(loss="hinge", real_label=1.0, translation=0.125, cutout=0.5,
                                            backend="manual")),
    "wgan-gp+augment/autograd": ("ganlab", dict(loss="wgan-gp", real_label=1.0, gp=10.0, translation=0.125)),
    "r1/autograd": ("ganlab", dict(r1=1.0, spectral_norm=False)),
    "saturating+minibatch-std/manual": ("ganlab", dict(g_loss="saturating", minibatch_std=True, backend="manual")),
}


def run_case(recipe, overrides, steps, folder):
    cfg = make_config(recipe, dataset="mnist-sample", steps=steps, dtype="float64", device="cpu",
                      log_every=50, **overrides)
    history = train(cfg, folder, log=lambda line: None)
    model = load_checkpoint(Path(folder) / "checkpoint.pt")["model"]
    state = dict(tensors({part: model[part] for part in ("G", "D", "G_ema", "opt_G", "opt_D") if part in model}))
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        state[f"history.{key}"] = torch.tensor([p[key] for p in history], dtype=torch.float64)
    return state


def tensors(tree, prefix=""):
    """Every floating-point tensor in a nested dict or list, by its path."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list | tuple) else ()
    for key, value in items:
        if torch.is_tensor(value) and value.is_floating_point():
            yield f"{prefix}{key}", value
        else:
            yield from tensors(value, f"{prefix}{key}.")


def largest_difference(a, b):
    if set(a) != set(b):
        return float("inf")
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--record", metavar="FILE")
    group.add_argument("--against", metavar="FILE")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--tol", type=float, default=1e-12)
    parser.add_argument("--only", nargs="*", default=None, help="run only these cases")
    args = parser.parse_args()
    torch.set_num_threads(1)                 # the same arithmetic order on every run
    cases = {k: v for k, v in CASES.items() if args.only is None or k in args.only}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, (recipe, overrides)) in enumerate(cases.items()):
            results[name] = run_case(recipe, overrides, args.steps, Path(tmp) / str(i))
            print(f"{name}: done", flush=True)
    if args.record:
        torch.save({"steps": args.steps, "results": results}, args.record)
        print(f"recorded {len(results)} cases in {args.record}")
        return 0
    before = torch.load(args.against)
    worst = 0.0
    for name, state in results.items():
        diff = largest_difference(state, before["results"][name])
        worst = max(worst, diff)
        print(f"{name:36s} largest difference {diff:.1e}  {'ok' if diff <= args.tol else 'DIFFERENT'}")
    print(f"worst: {worst:.1e} (tolerance {args.tol:.0e}, {before['steps']} steps)")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())

"""The truncation trick's precision-recall curve, over seeds, from `ganlab evaluate --json` files.

    for T in 1.5 1.0 0.75 0.5; do
        ganlab evaluate RUN/checkpoint.pt --dataset mnist-sample --json --truncation $T > RUN-t$T.json
    done
    ganlab evaluate RUN/checkpoint.pt --dataset mnist-sample --json > RUN-off.json
    python docs/truncation_curve.py docs/images/dcgan-truncation.png RUN*.json ...

Each file records the checkpoint it scored (``source``) and the cut (``truncation``, null for
none). One curve per checkpoint, in LeNet's features (left, against the training digits) and
in the wide CNN's (right, against the held-out digits), the real digits' own score as a star;
then, for each cut, the mean ± standard deviation over the checkpoints as a Markdown table.
"""
import json
import statistics
import sys
from collections import defaultdict


def mean_sd(values, spec):
    if len(values) == 1:
        return format(values[0], spec)
    return f"{format(statistics.mean(values), spec)} ± {format(statistics.stdev(values), spec)}"


def main(out, paths):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = defaultdict(dict)                                   # source -> {truncation: scores}
    for path in paths:
        scores = json.load(open(path))
        runs[scores["source"]][scores["truncation"]] = scores
    order = lambda t: float("inf") if t is None else t         # no cut is the widest noise
    cuts = sorted({t for cut in runs.values() for t in cut}, key=order)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    spaces = [(axes[0], lambda s: s, "LeNet's features, against the training digits"),
              (axes[1], lambda s: s["held_out"], "the wide CNN's, against the held-out digits")]
    for ax, space, title in spaces:
        for k, (source, by_cut) in enumerate(sorted(runs.items())):
            ts = sorted(by_cut, key=order)
            ax.plot([space(by_cut[t])["recall"] for t in ts], [space(by_cut[t])["precision"] for t in ts],
                    "o-", alpha=0.8, label=f"run {k + 1}")
            if k == 0:
                for t in ts:
                    ax.annotate("off" if t is None else f"T = {t}",
                                (space(by_cut[t])["recall"], space(by_cut[t])["precision"]),
                                textcoords="offset points", xytext=(6, -10), fontsize=8)
        first = space(next(iter(next(iter(runs.values())).values())))
        ax.plot([first["recall_real"]], [first["precision_real"]], "k*", markersize=12, label="real digits")
        ax.set(xlabel="recall (is all of the data covered?)", ylabel="precision (are the samples realistic?)",
               title=title)
        ax.legend(fontsize=8, loc="lower left")
    fig.savefig(out, dpi=110)

    print("| truncation | runs | LeNet FID | LeNet precision | LeNet recall | stray ink | wide FID "
          "| confidently read | wide precision | wide recall |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in cuts:
        rows = [by_cut[t] for by_cut in runs.values() if t in by_cut]
        get = lambda key, space=lambda s: s: [space(r)[key] for r in rows]
        wide = lambda s: s["held_out"]
        print(f"| {'off' if t is None else t} | {len(rows)} | {mean_sd(get('fid'), '.1f')} "
              f"| {mean_sd(get('precision'), '.2f')} | {mean_sd(get('recall'), '.2f')} "
              f"| {mean_sd([100 * v for v in get('stray_ink')], '.1f')}% | {mean_sd(get('fid', wide), '.1f')} "
              f"| {mean_sd([100 * v for v in get('confident', wide)], '.1f')}% "
              f"| {mean_sd(get('precision', wide), '.2f')} | {mean_sd(get('recall', wide), '.2f')} |")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python docs/truncation_curve.py OUT.png EVALUATION.json ...")
    main(sys.argv[1], sys.argv[2:])

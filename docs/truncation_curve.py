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


def widest_last(t):
    """Sort key for the cuts: smallest T first, no cut (None) last."""
    return float("inf") if t is None else t


def main(out, paths):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = defaultdict(dict)                                   # source -> {truncation: scores}
    for path in paths:
        scores = json.load(open(path))
        runs[scores["source"]][scores["truncation"]] = scores
    cuts = sorted({t for by_cut in runs.values() for t in by_cut}, key=widest_last)
    lenet = lambda scores: scores                              # the LeNet scores are the top level
    wide = lambda scores: scores["held_out"]                   # the wide CNN's, against held-out digits

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for ax, space, title in [(axes[0], lenet, "LeNet's features, against the training digits"),
                             (axes[1], wide, "the wide CNN's, against the held-out digits")]:
        for k, source in enumerate(sorted(runs)):
            ts = sorted(runs[source], key=widest_last)
            points = [(space(runs[source][t])["recall"], space(runs[source][t])["precision"]) for t in ts]
            ax.plot(*zip(*points), "o-", alpha=0.8, label=f"run {k + 1}")
            if k == 0:
                for t, point in zip(ts, points):
                    ax.annotate("off" if t is None else f"T = {t}", point,
                                textcoords="offset points", xytext=(6, -10), fontsize=8)
        floor = space(json.load(open(paths[0])))               # every file carries the same real-digit floor
        ax.plot([floor["recall_real"]], [floor["precision_real"]], "k*", markersize=12, label="real digits")
        ax.set(xlabel="recall (is all of the data covered?)", ylabel="precision (are the samples realistic?)",
               title=title)
        ax.legend(fontsize=8, loc="lower left")
    fig.savefig(out, dpi=110)

    print("| truncation | runs | LeNet FID | LeNet precision | LeNet recall | stray ink | wide FID "
          "| confidently read | wide precision | wide recall |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in cuts:
        rows = [by_cut[t] for by_cut in runs.values() if t in by_cut]
        lenet_of = lambda key: [r[key] for r in rows]
        wide_of = lambda key: [r["held_out"][key] for r in rows]
        percent = lambda values: [100 * v for v in values]
        print(f"| {'off' if t is None else t} | {len(rows)} | {mean_sd(lenet_of('fid'), '.1f')} "
              f"| {mean_sd(lenet_of('precision'), '.2f')} | {mean_sd(lenet_of('recall'), '.2f')} "
              f"| {mean_sd(percent(lenet_of('stray_ink')), '.1f')}% | {mean_sd(wide_of('fid'), '.1f')} "
              f"| {mean_sd(percent(wide_of('confident')), '.1f')}% "
              f"| {mean_sd(wide_of('precision'), '.2f')} | {mean_sd(wide_of('recall'), '.2f')} |")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python docs/truncation_curve.py OUT.png EVALUATION.json ...")
    main(sys.argv[1], sys.argv[2:])

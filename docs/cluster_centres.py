"""The figure of what k-means finds in the training digits, for the self-conditioning section.

    python docs/cluster_centres.py

Splits the offline sample's 4,000 training digits into 20 clusters as ``ganlab train
--conditional --clusters 20`` does (``ganlab.lab.training.clusters``), and draws each cluster's centre, the mean
of its digits, above a row of 8 of its digits, with the cluster's share of the digits and
the digit most of it holds (the labels are read only for this caption; training never
sees them). Writes ``docs/images/clusters-20.png``.
"""
from pathlib import Path

import torch

from ganlab.lab.training.clusters import cluster_labels, purity
from ganlab.lab.training.data import load_dataset
from ganlab.lab.watching.plots import grid_image

K, SHOWN = 20, 8

if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    data = load_dataset("mnist-sample")
    clusters, shares = cluster_labels(data.images, K)
    fig, axes = plt.subplots(4, 5, figsize=(10, 9.2))
    for k, ax in enumerate(axes.flat):
        members = data.images[clusters == k]
        digits = torch.bincount(data.labels[clusters == k], minlength=10)
        top = int(digits.argmax())
        column = torch.cat([members.mean(0, keepdim=True), members[:SHOWN]])     # the centre, then its digits
        ax.imshow(grid_image(column, nrow=3), cmap="gray")
        ax.set_title(f"cluster {k}: {shares[k]:.1%}\n{digits[top] / len(members):.0%} are {top}s", fontsize=9)
        ax.axis("off")
    fig.suptitle(f"k-means on the pixels of {len(data.images):,} training digits, {K} clusters: each cluster's "
                 f"centre (top left) and digits\n{purity(clusters, data.labels, K):.0%} of the digits share their "
                 "cluster's commonest digit; training never reads the labels", fontsize=10)
    fig.tight_layout()
    path = Path(__file__).parent / "images" / f"clusters-{K}.png"
    fig.savefig(path, dpi=80)
    print(f"{K} clusters of {data.source} -> {path}")

"""A small LeNet-style digit classifier: the measuring instrument for ``ganlab evaluate``.

It is not part of the GAN, so it is written with ``torch.nn`` like any tool. Its
84-number penultimate layer is the feature space in which the Fréchet distance,
precision and recall are computed ("classifier FID": the idea of FID, with a digit
classifier in place of Inception). It is trained once, deterministically, on the
data that is available, and cached with its held-out accuracy.
"""
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ganlab.lab.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ganlab.lab.data import default_data_dir, load_dataset


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),    # (B, 6, 14, 14)
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),              # (B, 16, 5, 5)
            nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),                                # (B, 84): the features
        )
        self.head = nn.Linear(84, 10)

    def forward(self, x):                                 # x (B, 784) in [-1, 1]
        return self.head(self.features(x.reshape(-1, 1, 28, 28)))

    @torch.no_grad()
    def embed(self, x, batch=2000):
        """Features (N, 84) and class probabilities (N, 10), in float64."""
        feats, probs = [], []
        for chunk in x.split(batch):
            f = self.features(chunk.reshape(-1, 1, 28, 28).float())
            feats.append(f.double())
            probs.append(torch.softmax(self.head(f), dim=1).double())
        return torch.cat(feats), torch.cat(probs)


@dataclass
class Scorer:
    """The trained classifier and the real digits it is compared against."""
    net: LeNet
    accuracy: float              # on held-out digits
    train_images: torch.Tensor   # (N, 784) the digits a GAN would train on
    train_labels: torch.Tensor   # (N,) their digits
    test_images: torch.Tensor    # (M, 784) held-out digits: the real-data floor
    test_labels: torch.Tensor    # (M,) their digits
    source: str
    # what depends on the scorer alone (the real digits' features and own scores), kept
    # after its first use so that scoring several sets computes it once
    cache: dict = field(default_factory=dict, repr=False, compare=False)


def held_out_split(dataset_name, data_dir):
    """Training and held-out digits: MNIST's own test set, or the sample's last 1,000 (seeded)."""
    train = load_dataset(dataset_name, data_dir)
    if train.source.startswith("torchvision"):
        test = load_dataset(dataset_name, data_dir, train=False)
        return train.images, train.labels, test.images, test.labels, train.source
    perm = torch.randperm(len(train.images), generator=torch.Generator().manual_seed(0))
    tr, te = perm[:-1000], perm[-1000:]
    return train.images[tr], train.labels[tr], train.images[te], train.labels[te], train.source


def train_classifier(x, y, epochs=8, seed=0):
    """Adam, batch 64, fixed seed and batch order: the same weights on every run (CPU)."""
    torch.manual_seed(seed)
    net = LeNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(64):
            loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


@torch.no_grad()
def accuracy(net, x, y):
    return (net(x).argmax(1) == y).double().mean().item()


def cached_classifier(data_dir=None):
    """A classifier already trained and cached (full MNIST preferred), or None: never trains."""
    data_dir = Path(data_dir or default_data_dir())
    for tag in ("full", "sample"):
        try:
            saved = load_checkpoint(data_dir / f"classifier-{tag}.pt")
            net = LeNet()
            net.load_state_dict(saved["model"])
            return net.eval()
        except (CheckpointError, KeyError, RuntimeError):
            continue
    return None


def load_scorer(dataset="mnist", data_dir=None, log=print):
    """The cached classifier for the available MNIST, training and caching it on first use."""
    data_dir = Path(data_dir or default_data_dir())
    x_tr, y_tr, x_te, y_te, source = held_out_split(dataset, data_dir)
    tag = "full" if source.startswith("torchvision") else "sample"
    cache = data_dir / f"classifier-{tag}.pt"
    net = LeNet()
    try:
        saved = load_checkpoint(cache)
        net.load_state_dict(saved["model"])
        acc = saved["config"]["accuracy"]
    except (CheckpointError, KeyError, RuntimeError):
        log(f"training the evaluation classifier on {source} (once; it is cached in {cache})")
        net = train_classifier(x_tr, y_tr, epochs=2 if tag == "full" else 8)
        acc = accuracy(net, x_te, y_te)
        save_checkpoint({"model": net.state_dict(), "config": {"accuracy": acc, "source": source}}, cache)
    return Scorer(net.eval(), acc, x_tr, y_tr, x_te, y_te, source)

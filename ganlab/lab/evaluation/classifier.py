"""The digit classifiers that ``ganlab evaluate`` measures with.

They are not part of the GAN, so they are written with ``torch.nn`` like any tool. The
penultimate layer of each is a feature space in which the Fréchet distance, KID,
precision and recall are computed ("classifier FID": the idea of FID, with a digit
classifier in place of Inception). Each is trained once, deterministically, on the
training digits only, and cached with its accuracy on the held-out digits.

- ``LeNet``, small and fast: 84 features, compared with the digits the GAN trained on.
  Trained without augmentation, it reads a digit by its coarse shape through two max
  pools, and barely notices fine speckle around it.
- ``WideCNN``, the second opinion: four 3 × 3 convolutions, batch normalization, 128
  features, trained on digits randomly shifted, turned and scaled, so its features
  describe strokes rather than pixel positions. Its scores are computed against the
  held-out digits, which neither the GANs nor it ever trained on.
- The independent evaluator (``ganlab evaluate --independent``): the same wide CNN, trained
  instead on MNIST's own 10,000 test digits and scored against them. No ganlab run ever
  sees them (the offline sample comes from MNIST's training set), and the classifier never
  sees the digits the runs train on: it is judged by how it reads those.
"""
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ganlab.lab.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ganlab.lab.training.data import file_lock, given_data_dir, load_dataset, load_mnist_test, normalize


class DigitClassifier(nn.Module):
    """A CNN split in two: ``features`` (the feature space the metrics use) and ``head`` (10 logits)."""

    def forward(self, x):                                 # x (B, 784) in [-1, 1]
        return self.head(self.features(x.reshape(-1, 1, 28, 28)))

    @torch.no_grad()
    def embed(self, x, batch=2000):
        """Features (N, d) and class probabilities (N, 10), in float64."""
        feats, probs = [], []
        for chunk in x.split(batch):
            f = self.features(chunk.reshape(-1, 1, 28, 28).float())
            feats.append(f.double())
            probs.append(torch.softmax(self.head(f), dim=1).double())
        return torch.cat(feats), torch.cat(probs)


class LeNet(DigitClassifier):
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


class WideCNN(DigitClassifier):
    def __init__(self):
        super().__init__()
        def block(c_in, c_out):                           # two 3 x 3 convolutions, then halve the side
            return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                    nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(
            *block(1, 16),                                                # (B, 16, 14, 14)
            *block(16, 32),                                               # (B, 32, 7, 7)
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, 128), nn.BatchNorm1d(128), nn.ReLU(),   # (B, 128): the features
        )
        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(128, 10))


CLASSIFIERS = {"lenet": LeNet, "wide": WideCNN}


def jitter(x, gen, shift=2, turn=0.17, scale=0.1):
    """``x`` (B, 784) in [-1, 1], each image shifted by up to ``shift`` pixels, turned by up to
    ``turn`` radians (10 degrees) and scaled by up to 10%: the same digit, written a little
    differently."""
    b = len(x)
    angle = (torch.rand(b, generator=gen) * 2 - 1) * turn
    size = 1 + (torch.rand(b, generator=gen) * 2 - 1) * scale
    move = (torch.rand(b, 2, generator=gen) * 2 - 1) * shift
    return affine(x, angle, size, move)


def affine(x, angle, size, move):
    """Images ``x`` (B, 784) turned by ``angle`` (B,) radians, scaled by ``size`` (B,) and moved
    by ``move`` (B, 2) pixels (right, down), bilinearly; the background stays -1 (black)."""
    b = len(x)
    cos, sin = torch.cos(angle) / size, torch.sin(angle) / size
    shift = -move * 2 / 28                                # affine_grid's image is 2 long: 1 pixel = 2/28
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = nn.functional.affine_grid(theta, (b, 1, 28, 28), align_corners=False)
    images = nn.functional.grid_sample(x.reshape(b, 1, 28, 28) + 1, grid, align_corners=False) - 1
    return images.reshape(b, 784)


@dataclass
class Scorer:
    """The trained classifier and the real digits it is compared against."""
    net: DigitClassifier         # a LeNet or a WideCNN
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
    """The training digits and the held-out ones (MNIST's own test set, or the sample's 1,000)."""
    train = load_dataset(dataset_name, data_dir)
    test = load_dataset(dataset_name, data_dir, train=False)
    return train.images, train.labels, test.images, test.labels, train.source


def train_classifier(x, y, epochs=8, seed=0, kind="lenet"):
    """Adam, batch 64, fixed seed and batch order: the same weights on every run (CPU).
    The wide CNN sees each batch jittered (``jitter``), with the rate falling to 0 by the end."""
    torch.manual_seed(seed)
    net = CLASSIFIERS[kind]()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    steps = epochs * -(-len(x) // 64)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps) if kind == "wide" else None
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(64):
            images = jitter(x[idx], gen) if kind == "wide" else x[idx]
            loss = nn.functional.cross_entropy(net(images), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if schedule:
                schedule.step()
    return net.eval()


@torch.no_grad()
def accuracy(net, x, y):
    return (net.embed(x)[1].argmax(1) == y).double().mean().item()


def cache_path(data_dir, kind, trained_on):
    """Where a classifier is cached, one scheme for all: ``classifier-{kind}-{trained_on}.pt``,
    ``trained_on`` naming its training digits (``full``: MNIST's training set, ``sample``: the
    offline sample's, ``test``: MNIST's test set)."""
    return Path(data_dir) / f"classifier-{kind}-{trained_on}.pt"


def cached_classifier(data_dir=None):
    """A LeNet already trained and cached (full MNIST preferred), or None: never trains."""
    data_dir = given_data_dir(data_dir)
    for trained_on in ("full", "sample"):
        try:
            saved = load_checkpoint(cache_path(data_dir, "lenet", trained_on))
            net = LeNet()
            net.load_state_dict(saved["model"])
            return net.eval()
        except (CheckpointError, KeyError, RuntimeError):
            continue
    return None


def keep(state, cache, log):
    """Cache a trained classifier; a folder that cannot be written just means no cache."""
    try:
        save_checkpoint(state, cache)
    except CheckpointError:
        log(f"could not cache the classifier in {cache.parent} (read-only?): it is trained again next time")


def trained_classifier(kind, x, y, epochs, cache, source, log):
    """The classifier ``kind`` trained on digits ``x`` (N, 784) and labels ``y`` for ``epochs``, read
    from ``cache`` where it was trained before, else trained and cached: the one loader."""
    net = CLASSIFIERS[kind]()
    with file_lock(cache.with_suffix(".lock")):          # runs started together train it once; the others read it
        try:
            net.load_state_dict(load_checkpoint(cache)["model"])
        except (CheckpointError, KeyError, RuntimeError):
            log(f"training the evaluation classifier ({kind}) on {source} (once; it is cached in {cache})")
            net = train_classifier(x, y, epochs=epochs, kind=kind)
            keep({"model": net.state_dict(), "config": {"source": source}}, cache, log)
    return net.eval()


EPOCHS = {("lenet", "full"): 2, ("lenet", "sample"): 8, ("wide", "full"): 3, ("wide", "sample"): 15,
          ("wide", "test"): 8}      # the independent evaluator: MNIST's 10,000 test digits, jittered


def load_scorer(dataset="mnist", data_dir=None, log=print, kind="lenet"):
    """The classifier ``kind`` (lenet or wide) trained on the available MNIST's training digits,
    with its accuracy on the held-out ones (trained and cached on first use)."""
    data_dir = given_data_dir(data_dir)
    x_tr, y_tr, x_te, y_te, source = held_out_split(dataset, data_dir)
    trained_on = "sample" if "sample" in source else "full"
    net = trained_classifier(kind, x_tr, y_tr, EPOCHS[kind, trained_on], cache_path(data_dir, kind, trained_on),
                             source, log)
    return Scorer(net, accuracy(net, x_te, y_te), x_tr, y_tr, x_te, y_te, source)


def load_independent_scorer(dataset="mnist", data_dir=None, log=print):
    """The independent evaluator: a wide CNN trained on MNIST's 10,000 test digits, which are
    also its reference; its floor is the run's training digits (``dataset``), which it never
    saw and reads with the accuracy it reports. Trained once and cached."""
    data_dir = given_data_dir(data_dir)
    pixels, labels, source = load_mnist_test(data_dir)        # never the sample's held-out digits
    x_ref, y_ref = normalize(pixels), labels
    train = load_dataset(dataset, data_dir)
    net = trained_classifier("wide", x_ref, y_ref, EPOCHS["wide", "test"], cache_path(data_dir, "wide", "test"),
                             source, log)
    return Scorer(net, accuracy(net, train.images, train.labels), train.images, train.labels, x_ref, y_ref,
                  f"{source}; floor: {train.source}")

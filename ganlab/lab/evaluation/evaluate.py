"""``ganlab evaluate``: score generated digits against real ones, with the real-data floor beside each number."""
from pathlib import Path

import torch

from ganlab.lab.training.checkpoint import CheckpointError, load_tensors
from ganlab.lab.evaluation.classifier import load_independent_scorer, load_scorer
from ganlab.lab.evaluation.metrics import (digit_histogram, frechet_distance, inception_score, kernel_distance, memorization,
                                precision_recall)
from ganlab.lab.evaluation.stray_ink import stray_ink

MAX_REAL = 10_000          # real digits used for the manifold and distance statistics


def load_samples(path, n=10_000, seed=0, truncation=None):
    """Images (N, 784) in [-1, 1] from a checkpoint (drawn from its generator, with the
    ``truncation`` trick if given) or a .pt tensor, and the digits they were asked to be (N,)
    when a conditional generator drew them, else None."""
    from ganlab.lab.training.conditioning import Conditioning
    from ganlab.lab.training.sampling import generate, load_generator
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no file at {path}")
    obj = load_tensors(path)
    if isinstance(obj, dict):
        G, cfg = load_generator(path)
        conditioning = Conditioning.of(cfg)
        labels = conditioning.labels(n, seed=seed)            # each digit in turn, if told the digit
        x = generate(G, cfg, n, seed, labels, truncation)
        refuse_non_finite(x, f"the images drawn from {path}:")
        return x, labels if conditioning.by_digit else None   # clusters are not digits to agree with
    if truncation is not None:
        raise ValueError("--truncation draws from a generator: give a checkpoint, not a tensor of images")
    return images_of(obj, path)[:n], None


IMAGE_SHAPES = ((784,), (28, 28), (1, 28, 28))       # one image, in each shape a tensor of images may have
MIN_IMAGES = 100                                     # fewer, and k-NN recall and FID's covariance mean little


def images_of(obj, path):
    """A tensor of images as (N, 784) in [-1, 1], or a ValueError saying what is wrong with it."""
    if not torch.is_tensor(obj):
        raise CheckpointError(f"{path} is neither a ganlab checkpoint nor a tensor of 28 x 28 images")
    if obj.dim() < 2 or tuple(obj.shape[1:]) not in IMAGE_SHAPES:
        raise ValueError(f"{path} holds a tensor shaped {tuple(obj.shape)}: images must be shaped (N, 784), "
                         "(N, 28, 28) or (N, 1, 28, 28)")
    if len(obj) < MIN_IMAGES:
        raise ValueError(f"{path} holds {len(obj)} images: the measures need at least {MIN_IMAGES}")
    x = obj.reshape(len(obj), 784).float()
    refuse_non_finite(x, f"{path}:")
    if x.min() < -1.001 or x.max() > 1.001:
        raise ValueError(f"{path}: pixel values must lie in [-1, 1] (background -1, ink 1), found "
                         f"[{x.min():.2f}, {x.max():.2f}]; images in 0..255 map to it as x / 127.5 - 1")
    if x.min() >= 0:
        raise ValueError(f"{path}: every pixel value lies in [0, 1], but ganlab's images lie in [-1, 1] with a "
                         "background of -1: map images in [0, 1] to it as x * 2 - 1")
    return x


def refuse_non_finite(x, where):
    """A ValueError saying how many of the values of ``x`` are NaN or infinite, if any are."""
    bad = int((~x.isfinite()).sum())
    if bad:
        raise ValueError(f"{where} {bad:,} of {x.numel():,} pixel values are not finite (NaN or inf): "
                         "nothing to score")


def evaluate_images(samples, scorer, labels=None, per_class=False, second=None):
    """All metrics for ``samples`` (N, 784), with the same metric for held-out real digits.

    With the ``labels`` a conditional G was asked for, also how often the classifier agrees
    (beside the classifier's own accuracy on real digits, the best such a score can be).
    ``per_class``: also FID and recall within each digit (see ``per_digit``).
    ``second``: a second scorer (the wide CNN), whose scores against the held-out digits
    are added under ``"held_out"`` (see ``held_out_scores``).
    """
    real = real_digits(scorer)
    f_train, train_labels, f_real = real["f_train"], real["train_labels"], real["f_real"]
    f_fake, p_fake = scorer.net.embed(samples)
    shares, covered = digit_histogram(p_fake)
    precision, recall = precision_recall(f_train, f_fake)
    kid, kid_sd = kernel_distance(f_fake, f_train)
    stray, isolated = stray_ink(samples.cpu())
    return {
        "n": len(samples),
        "classifier_accuracy": scorer.accuracy,
        "fid": frechet_distance(f_fake, f_train),
        "fid_real": real["fid_real"],
        "kid": kid, "kid_sd": kid_sd, "kid_real": real["kid_real"], "kid_real_sd": real["kid_real_sd"],
        "stray_ink": stray.mean().item(), "stray_ink_real": real["stray_ink_real"],
        "isolated_pixels": isolated.mean().item(), "isolated_pixels_real": real["isolated_pixels_real"],
        "inception_score": inception_score(p_fake),
        "inception_score_real": real["inception_score_real"],
        "digits_covered": covered,
        "digit_shares": shares,
        "precision": precision, "precision_real": real["precision_real"],
        "recall": recall, "recall_real": real["recall_real"],
        "memorized": memorization(samples, scorer.train_images, scorer.test_images),
        "memorized_real": real["memorized_real"],
        **(label_agreement(p_fake, labels) if labels is not None else {}),
        **({"per_digit": per_digit(f_train, train_labels.cpu(), f_fake, p_fake, labels, f_real, scorer.test_labels.cpu())}
           if per_class else {}),
        **({"held_out": held_out_scores(samples, second, labels, per_class)} if second is not None else {}),
    }


CONFIDENT = 0.9            # a digit is "confidently read" when the classifier gives it this probability


def held_out_scores(samples, scorer, labels=None, per_class=False):
    """Scores in ``scorer``'s features against the held-out digits, which no GAN trained on.

    Beside each, the floor: the training digits scored the same way (real digits a GAN could
    at best reproduce). The reference has as many digits as the held-out set (MNIST 10,000,
    the sample 1,000), and FID's bias grows as that number falls; KID has none.
    ``confident``: the share of images read as some digit with probability >= ``CONFIDENT``.
    With a conditional G's ``labels``: the share read as the asked-for digit.
    ``per_class``: also FID, KID and recall within each digit against that digit's held-out
    images (``per_digit``; the sample has 100 of each, where only KID is unbiased).
    """
    if "held_out" not in scorer.cache:
        keep = training_subset(scorer)
        f_ref, _ = scorer.net.embed(scorer.test_images)
        f_train, p_train = scorer.net.embed(scorer.train_images[keep])
        kid, kid_sd = kernel_distance(f_train, f_ref)
        precision, recall = precision_recall(f_ref, f_train)
        scorer.cache["held_out"] = {
            "f_ref": f_ref, "f_train": f_train, "train_labels": scorer.train_labels[keep].cpu(),
            "n_reference": len(f_ref), "classifier_accuracy": scorer.accuracy,
            "fid_real": frechet_distance(f_train, f_ref), "kid_real": kid, "kid_real_sd": kid_sd,
            "confident_real": confident(p_train), "precision_real": precision, "recall_real": recall,
        }
    real = scorer.cache["held_out"]
    f_fake, p_fake = scorer.net.embed(samples)
    kid, kid_sd = kernel_distance(f_fake, real["f_ref"])
    precision, recall = precision_recall(real["f_ref"], f_fake)
    return {**{k: v for k, v in real.items() if k not in ("f_ref", "f_train", "train_labels")},
            "fid": frechet_distance(f_fake, real["f_ref"]), "kid": kid, "kid_sd": kid_sd,
            "confident": confident(p_fake), "precision": precision, "recall": recall,
            **({"label_agreement": label_agreement(p_fake, labels)["label_agreement"]} if labels is not None else {}),
            # within each digit: the held-out digits are the reference, the training digits the floor
            **({"per_digit": per_digit(real["f_ref"], scorer.test_labels.cpu(), f_fake, p_fake, labels,
                                       real["f_train"], real["train_labels"])} if per_class else {})}


def confident(probs):
    """Share of images the classifier reads as one digit with probability at least ``CONFIDENT``."""
    return (probs.max(1).values >= CONFIDENT).double().mean().item()


def training_subset(scorer):
    """Indices of (up to ``MAX_REAL``) training digits, the same ones on every call."""
    return torch.randperm(len(scorer.train_images), generator=torch.Generator().manual_seed(0))[:MAX_REAL]


def real_digits(scorer):
    """The reference side of every metric, which depends on the scorer alone: the features of
    (up to 10,000 of) the training digits, and the held-out digits' own scores, the floor.
    Computed on first use and kept in ``scorer.cache``."""
    if "real" not in scorer.cache:
        keep = training_subset(scorer)
        f_train, _ = scorer.net.embed(scorer.train_images[keep])
        f_real, p_real = scorer.net.embed(scorer.test_images)
        precision_real, recall_real = precision_recall(f_train, f_real)
        kid_real, kid_real_sd = kernel_distance(f_real, f_train)
        stray_real, isolated_real = stray_ink(scorer.test_images.cpu())
        scorer.cache["real"] = {
            "f_train": f_train, "train_labels": scorer.train_labels[keep], "f_real": f_real,
            "fid_real": frechet_distance(f_real, f_train),
            "kid_real": kid_real, "kid_real_sd": kid_real_sd,
            "stray_ink_real": stray_real.mean().item(), "isolated_pixels_real": isolated_real.mean().item(),
            "inception_score_real": inception_score(p_real),
            "precision_real": precision_real, "recall_real": recall_real,
            "memorized_real": memorization(scorer.test_images, scorer.train_images, scorer.test_images),
        }
    return scorer.cache["real"]


def per_digit(f_train, train_labels, f_fake, p_fake, labels, f_real, real_labels, min_samples=10):
    """FID, KID and recall within each digit: is there variety *inside* a class, or one image per class?

    Samples are grouped by the digit a conditional G was asked for (``labels``), else by the
    digit the classifier reads; each group is compared with the reference digits of that
    class (``f_train``, ``train_labels``). The other real digits (``f_real``, ``real_labels``),
    grouped by their labels and scored the same way, give the floor beside each number.
    A digit with fewer than ``min_samples`` samples gets None.
    """
    groups = labels.cpu() if labels is not None else p_fake.argmax(1)
    rows = []
    for d in range(10):
        real_d, fake_d, held_d = f_train[train_labels == d], f_fake[groups == d], f_real[real_labels == d]
        floor = {"fid_real": frechet_distance(held_d, real_d), "kid_real": kernel_distance(held_d, real_d)[0],
                 "recall_real": precision_recall(real_d, held_d)[1]}
        if len(fake_d) < min_samples:
            rows.append({"digit": d, "n": len(fake_d), "fid": None, "kid": None, "recall": None, **floor})
            continue
        rows.append({"digit": d, "n": len(fake_d), "fid": frechet_distance(fake_d, real_d),
                     "kid": kernel_distance(fake_d, real_d)[0], "recall": precision_recall(real_d, fake_d)[1], **floor})
    return rows


def label_agreement(probs, labels):
    """Share of samples the classifier reads as the digit they were asked to be, overall and per digit."""
    hits = (probs.argmax(dim=1) == labels.to(probs.device)).double()
    per_digit = [hits[labels == d].mean().item() if (labels == d).any() else float("nan") for d in range(10)]
    return {"label_agreement": hits.mean().item(), "label_agreement_per_digit": per_digit}


def evaluate(path, n=10_000, dataset="mnist", data_dir=None, log=print, per_class=False, truncation=None,
             independent=False):
    """Every score of the samples at ``path``; ``independent``: also the independent
    evaluator's (``held_out_scores`` in the features of ``load_independent_scorer``)."""
    samples, labels = load_samples(path, n, truncation=truncation)
    scorer = load_scorer(dataset, data_dir, log=log)
    second = load_scorer(dataset, data_dir, log=log, kind="wide")
    scores = evaluate_images(samples, scorer, labels, per_class, second)
    if independent:
        scores["independent"] = held_out_scores(samples, load_independent_scorer(dataset, data_dir, log=log),
                                                labels, per_class)
    return {"source": str(path), "truncation": truncation, **scores}    # what was scored, and how it was drawn

"""Sanity of ``ganlab evaluate`` on real digits: real beats a trained G, which beats noise and collapse."""
import json

import pytest
import torch
from click.testing import CliRunner

from ganlab.lab.evaluation.classifier import load_scorer
from ganlab.lab.cli import main
from ganlab.lab.training.config import make_config
from ganlab.lab.evaluation.evaluate import evaluate_images
from ganlab.lab.evaluation.report import format_table
from ganlab.lab.training.sampling import generate, load_generator
from ganlab.lab.training.train import train


@pytest.fixture(scope="module")
def scorer():
    return load_scorer("mnist-sample", log=lambda s: None)


@pytest.fixture(scope="module")
def briefly_trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief")
    train(make_config(dataset="mnist-sample", steps=1000, log_every=500, device="cpu"), out, log=lambda s: None)
    return out / "checkpoint.pt"


def test_the_classifier_is_accurate(scorer):
    assert scorer.accuracy > 0.93


def test_real_beats_trained_beats_noise_and_collapse(scorer, briefly_trained):
    n = 1000
    real = evaluate_images(scorer.test_images[:n], scorer)
    noise = evaluate_images(torch.rand(n, 784, generator=torch.Generator().manual_seed(0)) * 2 - 1, scorer)
    one_digit = scorer.test_images[:1].repeat(n, 1)                      # a fully collapsed G
    collapsed = evaluate_images(one_digit + 0.02 * torch.randn(n, 784).clamp(-1, 1), scorer)
    G, cfg = load_generator(briefly_trained)
    trained = evaluate_images(generate(G, cfg, n, seed=0), scorer)

    assert real["fid"] < trained["fid"] < min(noise["fid"], collapsed["fid"])
    assert real["inception_score"] > trained["inception_score"] > collapsed["inception_score"]
    assert collapsed["digits_covered"] == 1 and real["digits_covered"] == 10
    assert collapsed["recall"] < 0.05 < real["recall"]
    assert real["fid"] == pytest.approx(real["fid_real"], rel=0.5)           # the floor is what real data scores
    assert noise["precision"] < real["precision"] / 2 and noise["inception_score"] < trained["inception_score"]


def test_evaluate_command_table_and_json(scorer, briefly_trained, tmp_path):
    result = CliRunner().invoke(main, ["evaluate", str(briefly_trained), "--n", "500", "--dataset", "mnist-sample", "--json"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output[result.output.index("{"):])
    assert numbers["n"] == 500 and numbers["fid"] > numbers["fid_real"]
    second = numbers["held_out"]                                 # the wide CNN, against held-out digits
    assert second["fid"] > 3 * second["fid_real"] and second["confident"] < second["confident_real"]
    assert second["n_reference"] == 1000
    cut = CliRunner().invoke(main, ["evaluate", str(briefly_trained), "--n", "500", "--dataset", "mnist-sample",
                                    "--json", "--truncation", "0.5"])
    truncated = json.loads(cut.output[cut.output.index("{"):])
    assert truncated["fid"] != numbers["fid"]                    # the samples were drawn from cut noise
    assert numbers["truncation"] is None and truncated["truncation"] == 0.5     # the JSON says how they were drawn
    assert numbers["source"] == truncated["source"] == str(briefly_trained)
    assert "truncation trick (|z_i| <= 0.5)" in "\n".join(format_table(truncated))
    assert "truncation trick" not in "\n".join(format_table(numbers))
    torch.save(scorer.test_images[:200].reshape(-1, 1, 28, 28), tmp_path / "real.pt")
    table = CliRunner().invoke(main, ["evaluate", str(tmp_path / "real.pt"), "--n", "200", "--dataset", "mnist-sample"])
    assert table.exit_code == 0 and "classifier FID" in table.output and "digits covered" in table.output
    assert "second opinion: a wide CNN" in table.output and "confidently read as a digit" in table.output
    refused = CliRunner().invoke(main, ["evaluate", str(tmp_path / "real.pt"), "--dataset", "mnist-sample",
                                        "--n", "200", "--truncation", "0.5"])
    assert refused.exit_code == 1 and "give a checkpoint" in refused.output
    torch.save(torch.full((200, 784), 3.0), tmp_path / "bad.pt")
    bad = CliRunner().invoke(main, ["evaluate", str(tmp_path / "bad.pt"), "--dataset", "mnist-sample", "--n", "200"])
    assert bad.exit_code == 1 and "must lie in [-1, 1]" in bad.output


def test_label_agreement_is_the_classifier_accuracy_for_real_digits_and_chance_for_wrong_labels(scorer):
    n = 1000
    images, labels = scorer.test_images[:n], scorer.test_labels[:n]
    right = evaluate_images(images, scorer, labels)
    wrong = evaluate_images(images, scorer, (labels + 1) % 10)            # every label off by one
    assert right["label_agreement"] == pytest.approx(scorer.accuracy, abs=0.03)
    assert wrong["label_agreement"] < 0.05
    assert all(a > 0.8 for a in right["label_agreement_per_digit"])
    assert "label_agreement" not in evaluate_images(images, scorer)       # a classic G: no such row


def test_per_digit_scores_tell_variety_within_a_digit_from_one_image_per_digit(scorer):
    x, y = scorer.test_images, scorer.test_labels
    real = evaluate_images(x, scorer, labels=y, per_class=True)["per_digit"]
    # one image per digit, repeated with a little noise: the collapse lesson 15 showed
    firsts = torch.stack([x[y == d][0] for d in range(10)])
    copies = (firsts.repeat_interleave(100, 0) + 0.02 * torch.randn(1000, 784, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)
    collapsed = evaluate_images(copies, scorer, labels=torch.arange(10).repeat_interleave(100), per_class=True)["per_digit"]
    assert [r["digit"] for r in real] == list(range(10))
    for r, c in zip(real, collapsed):
        assert r["recall"] > 0.6 and c["recall"] < 0.1, r["digit"]
        assert c["fid"] > 5 * r["fid"], r["digit"]
    # without asked-for labels, samples are grouped by the digit the classifier reads
    unlabelled = evaluate_images(copies, scorer, per_class=True)["per_digit"]
    assert sum(r["n"] for r in unlabelled) == 1000 and max(r["recall"] or 0 for r in unlabelled) < 0.1


def test_the_independent_evaluator_is_trained_on_mnists_test_digits_and_reads_the_training_digits(
        briefly_trained, monkeypatch):
    import ganlab.lab.evaluation.classifier as classifier
    from ganlab.lab.training.data import DataUnavailable, load_mnist_test
    try:
        load_mnist_test()
    except DataUnavailable as err:
        pytest.skip(f"MNIST's test set is not reachable here: {err}")
    monkeypatch.setitem(classifier.EPOCHS, ("wide", "test"), 2)      # a quick one: the scores' order, not their size
    result = CliRunner().invoke(main, ["evaluate", str(briefly_trained), "--n", "500", "--dataset", "mnist-sample",
                                       "--json", "--independent"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output[result.output.index("{"):])
    independent = numbers["independent"]
    assert independent["n_reference"] == 10_000                 # MNIST's test digits are the reference
    assert independent["classifier_accuracy"] > 0.9             # it reads the sample's digits, which it never saw
    assert independent["fid"] > 3 * independent["fid_real"]
    assert independent["confident"] < independent["confident_real"]
    plain = CliRunner().invoke(main, ["evaluate", str(briefly_trained), "--n", "500", "--dataset", "mnist-sample",
                                      "--json"]).output
    assert "held_out" in numbers and "independent" not in json.loads(plain[plain.index("{"):])
    table = CliRunner().invoke(main, ["evaluate", str(briefly_trained), "--n", "500", "--dataset", "mnist-sample",
                                      "--independent"]).output
    assert "independent evaluator: a wide CNN trained on MNIST's 10,000 test digits" in table


@pytest.mark.parametrize("images,fragment", [
    (torch.zeros(200, 3, 28, 28) - 0.5, "shaped (200, 3, 28, 28)"),          # three digits an image, once
    (torch.zeros(200, 1, 32, 32) - 0.5, "shaped (200, 1, 32, 32)"),          # divides by 784, scrambled before
    (torch.rand(200, 784), "every pixel value lies in [0, 1]"),              # ToTensor's range, not ganlab's
    (torch.rand(200, 784) * 255, "x / 127.5 - 1"),
    (torch.zeros(5, 784) - 0.5, "at least 100"),
    (torch.zeros(0, 784), "at least 100"),
])
def test_evaluate_refuses_what_is_not_images_in_one_line(tmp_path, images, fragment):
    path = tmp_path / "images.pt"
    torch.save(images, path)
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and fragment in result.output, result.output


def test_evaluate_reads_a_checkpoint_of_any_name_and_images_of_each_shape(synthetic_data, tiny, tmp_path):
    from ganlab.lab.evaluation.evaluate import load_samples
    train(make_config(steps=10, **tiny), tmp_path / "run", log=lambda s: None)
    renamed = tmp_path / "model.pth"
    renamed.write_bytes((tmp_path / "run" / "checkpoint.pt").read_bytes())
    drawn, _ = load_samples(renamed, n=100)
    assert drawn.shape == (100, 784)
    for shape in ((100, 784), (100, 28, 28), (100, 1, 28, 28)):
        path = tmp_path / "x.pt"
        torch.save(drawn.reshape(shape), path)
        assert torch.equal(load_samples(path)[0], drawn)


def test_a_cache_that_cannot_be_written_just_means_no_cache(tmp_path, monkeypatch):
    import ganlab.lab.evaluation.classifier as classifier
    import ganlab.lab.training.data as data
    from ganlab.lab.training.checkpoint import CheckpointError

    def refuse(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:747] . PytorchStreamWriter failed writing file")
    monkeypatch.setattr(data.torch, "save", refuse)
    data._save_atomically({"pixels": torch.zeros(1)}, tmp_path / "cache.pt")          # no error
    assert list(tmp_path.iterdir()) == []
    lines = []
    monkeypatch.setattr(classifier, "save_checkpoint", lambda *a: (_ for _ in ()).throw(CheckpointError("read-only")))
    classifier.keep({"model": {}}, tmp_path / "classifier.pt", lines.append)
    assert len(lines) == 1 and "could not cache" in lines[0]

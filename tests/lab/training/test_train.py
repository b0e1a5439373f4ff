import json

import pytest
import torch

from ganlab.lab.training.checkpoint import load_checkpoint
from ganlab.lab.training.config import make_config
from ganlab.lab.training.train import resumed_config, train
from ganlab.lab.training.trainer import TrainingDiverged
from host_reads import HostReads
from same_weights import assert_same_weights, weights


def test_a_run_writes_its_outputs(synthetic_data, tiny, tmp_path):
    history = train(make_config(steps=30, **tiny), tmp_path / "run", log=lambda s: None)
    out = tmp_path / "run"
    for name in ("config.json", "history.json", "checkpoint.pt", "samples.png", "losses.png",
                 "d_outputs.png", "training.gif", "epoch-001.png", "epoch-003.png"):
        assert (out / name).exists(), name
    assert [h["step"] for h in history] == [5, 10, 15, 20, 25, 30]
    assert json.loads((out / "history.json").read_text()) == history
    assert set(history[0]) >= {"epoch", "step", "d_loss", "g_loss", "d_real", "d_fake", "images_per_s"}
    assert all(0 < h["d_real"] < 1 and 0 < h["d_fake"] < 1 for h in history)
    assert json.loads((out / "config.json").read_text())["steps"] == 30
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert ckpt["step"] == 30 and set(ckpt["model"]) >= {"G", "D", "opt_G", "opt_D", "G_ema"}


@pytest.mark.parametrize("backend,recipe", [("autograd", "ganlab"), ("manual", "ganlab"), ("nn", "classic")])
def test_same_seed_same_result(synthetic_data, tiny, tmp_path, backend, recipe):
    cfg = make_config(recipe, steps=25, backend=backend, **tiny)
    train(cfg, tmp_path / "a", log=lambda s: None)
    train(cfg, tmp_path / "b", log=lambda s: None)
    assert_same_weights(weights(tmp_path / "a/checkpoint.pt"), weights(tmp_path / "b/checkpoint.pt"))
    train(make_config(recipe, steps=25, backend=backend, **{**tiny, "device": "cpu"}, seed=1),
          tmp_path / "c", log=lambda s: None)
    a, c = weights(tmp_path / "a/checkpoint.pt"), weights(tmp_path / "c/checkpoint.pt")
    assert any(not torch.equal(a[k], c[k]) for k in a)            # another seed, another run


@pytest.mark.parametrize("backend,conditional", [("autograd", False), ("manual", False), ("autograd", True)])
def test_the_loop_reads_numbers_back_per_log_line_not_per_step(synthetic_data, tiny, tmp_path, backend,
                                                                conditional):
    # On a GPU, a number read back stalls the loop; the loop keeps its sums on the device
    # and reads them once per log line, so 10 or 40 steps (one log line, within the first
    # epoch) read back the same few numbers.
    def reads(steps):
        cfg = make_config(steps=steps, backend=backend, conditional=conditional,
                          **{**tiny, "batch_size": 2, "log_every": 1000})
        with HostReads() as host:
            train(cfg, tmp_path / str(steps), log=lambda s: None)
        return host.ops
    few, more = reads(10), reads(40)
    assert few and len(more) == len(few)


@pytest.mark.parametrize("backend,recipe,conditional,arch", [
    ("autograd", "ganlab", False, "mlp"), ("manual", "ganlab", False, "mlp"), ("nn", "classic", False, "mlp"),
    ("manual", "ganlab", True, "mlp"), ("nn", "classic", True, "mlp"), ("autograd", "dcgan", True, "dcgan"),
    ("autograd", "dcgan", True, "mlp-dcgan-d")])
def test_interrupted_and_resumed_run_ends_with_the_same_weights(synthetic_data, tiny, tmp_path, backend, recipe,
                                                                 conditional, arch):
    def cfg(steps):
        return make_config(recipe, steps=steps, backend=backend, conditional=conditional, arch=arch, **tiny)
    train(cfg(40), tmp_path / "whole", log=lambda s: None)
    # stop mid-epoch at step 23, then continue to 40
    train(cfg(23), tmp_path / "split", log=lambda s: None)
    train(resumed_config(tmp_path / "split", steps=40), tmp_path / "split", resume=True, log=lambda s: None)
    assert_same_weights(weights(tmp_path / "whole/checkpoint.pt"), weights(tmp_path / "split/checkpoint.pt"))
    assert load_checkpoint(tmp_path / "split/checkpoint.pt")["step"] == 40


def test_a_new_run_refuses_a_non_empty_out(synthetic_data, tiny, tmp_path):
    train(make_config(steps=10, **tiny), tmp_path, log=lambda s: None)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(ValueError, match="holds a run already"):
        train(make_config(steps=10, **tiny), tmp_path, log=lambda s: None)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before
    train(make_config(steps=10, seed=5, **tiny), tmp_path, overwrite=True, log=lambda s: None)
    assert (tmp_path / "checkpoint.pt").read_bytes() != before


def test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint(synthetic_data, tiny, tmp_path, monkeypatch):
    from ganlab.gan import GAN
    real_step = GAN.step

    def poisoned(self, *args):
        stats = real_step(self, *args)
        if self.steps > 12:                                       # after the first epoch (10 steps)
            stats["d_loss"] = torch.tensor(float("nan"))
        return stats
    monkeypatch.setattr(GAN, "step", poisoned)
    with pytest.raises(TrainingDiverged, match="step 15"):
        train(make_config(steps=30, **tiny), tmp_path, log=lambda s: None)
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 10
    # also when the epoch ends before the next log line: the NaN checkpoint is never written
    with pytest.raises(TrainingDiverged, match="step 20"):
        train(make_config(steps=30, **{**tiny, "log_every": 100}), tmp_path, overwrite=True, log=lambda s: None)
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 10
    # a run that diverges before its first checkpoint does not promise one
    with pytest.raises(TrainingDiverged, match="no checkpoint was written"):
        train(make_config(steps=30, **{**tiny, "batch_size": 10, "log_every": 5}), tmp_path / "new", log=lambda s: None)
    assert not (tmp_path / "new" / "checkpoint.pt").exists()


@pytest.mark.parametrize("backend,recipe,options", [("autograd", "dcgan", {}), ("manual", "dcgan", dict(r1=0.0)),
                                                    ("nn", "classic", {})])
def test_a_dcgan_run_resumes_exactly_and_its_checkpoint_draws_samples(synthetic_data, tiny, tmp_path, backend, recipe,
                                                                      options):
    from ganlab.dcgan import DCGANGenerator
    from ganlab.lab.training.sampling import generate, load_generator

    def cfg(steps):
        return make_config(recipe, arch="dcgan", steps=steps, backend=backend, **{**tiny, "batch_size": 10, **options})
    train(cfg(12), tmp_path / "whole", log=lambda s: None)
    train(cfg(7), tmp_path / "split", log=lambda s: None)
    train(resumed_config(tmp_path / "split", steps=12), tmp_path / "split", resume=True, log=lambda s: None)
    assert_same_weights(weights(tmp_path / "whole/checkpoint.pt"), weights(tmp_path / "split/checkpoint.pt"))
    assert any("running_mean" in k for k in weights(tmp_path / "whole/checkpoint.pt"))   # batch norm's state is saved
    G, saved = load_generator(tmp_path / "whole/checkpoint.pt")
    assert isinstance(G, DCGANGenerator) and not G.training
    images = generate(G, saved, 4, seed=0)
    assert images.shape == (4, 784) and images.abs().max() <= 1
    z = torch.randn(4, saved.latent_dim)
    with torch.no_grad():                               # evaluation mode: one image, as in a batch
        torch.testing.assert_close(G(z[:1]), G(z)[:1])


def test_a_dcgan_run_resumed_with_fast_conv_continues_the_same_run(synthetic_data, tiny, tmp_path):
    def cfg(steps, fast_conv=False):
        return make_config("dcgan", steps=steps, fast_conv=fast_conv, **{**tiny, "batch_size": 10})
    train(cfg(12), tmp_path / "plain", log=lambda s: None)
    train(cfg(7), tmp_path / "split", log=lambda s: None)
    train(resumed_config(tmp_path / "split", steps=12, fast_conv=True), tmp_path / "split", resume=True,
          log=lambda s: None)
    assert json.loads((tmp_path / "split/config.json").read_text())["fast_conv"]
    from ganlab.lab.training.build import build_model
    from ganlab.speed.conv_kernels import KernelConv2d, KernelConvTranspose2d
    model = build_model(cfg(1, fast_conv=True))
    assert {type(layer) for layer in model.G.layers + model.D.layers} >= {KernelConv2d, KernelConvTranspose2d}
    plain, split = weights(tmp_path / "plain/checkpoint.pt"), weights(tmp_path / "split/checkpoint.pt")
    assert plain.keys() == split.keys()
    for k in plain:                                     # the same sums in another order: float32 rounding
        torch.testing.assert_close(split[k], plain[k], atol=1e-5, rtol=1e-4, msg=k)


def test_fast_conv_is_refused_where_there_is_no_dcgan_of_ganlab_to_speed_up():
    from ganlab.lab.training.config import validate
    for options in (dict(), dict(arch="dcgan", backend="nn", recipe="classic")):
        with pytest.raises(ValueError, match="--fast-conv speeds up the convolutions of ganlab's own DCGAN"):
            validate(make_config(options.pop("recipe", "ganlab"), fast_conv=True, **options))


def test_a_dcgan_refuses_what_it_does_not_have():
    from ganlab.lab.training.config import validate
    for option in ("minibatch_std", "compile", "diagnostics"):
        with pytest.raises(ValueError, match=f"--arch dcgan takes no --{option.replace('_', '-')}"):
            validate(make_config("dcgan", **{option: True}))


def test_a_self_conditioned_run_learns_clusters_of_the_images_and_resumes_exactly(synthetic_data, tiny, tmp_path):
    from sklearn.cluster import KMeans
    def cfg(steps):
        return make_config(steps=steps, conditional=True, clusters=3, **tiny)
    train(cfg(30), tmp_path / "whole", log=lambda s: None)
    saved = json.loads((tmp_path / "whole/config.json").read_text())
    # the shares are those of the images' k-means clusters: sklearn, started from the same centres, agrees
    from ganlab.lab.training.clusters import kmeans
    clusters, centres = kmeans(synthetic_data.images, 3)
    ref = KMeans(n_clusters=3, init=centres.numpy(), n_init=1, tol=0).fit(synthetic_data.images.double().numpy())
    counts = torch.bincount(torch.from_numpy(ref.labels_), minlength=3).double() / len(clusters)
    torch.testing.assert_close(torch.tensor(saved["cluster_shares"], dtype=torch.float64), counts)
    assert saved["conditional"] and saved["clusters"] == 3
    ckpt = load_checkpoint(tmp_path / "whole/checkpoint.pt")
    assert ckpt["model"]["D"]["embed"].shape[0] == 3                       # V: one direction per cluster
    train(cfg(17), tmp_path / "split", log=lambda s: None)
    train(resumed_config(tmp_path / "split", steps=30), tmp_path / "split", resume=True, log=lambda s: None)
    assert_same_weights(weights(tmp_path / "whole/checkpoint.pt"), weights(tmp_path / "split/checkpoint.pt"))


def test_a_self_conditioned_runs_grid_is_a_mixed_grid_of_its_clusters(tiny):
    from ganlab.lab.training.train import fixed_noise
    cfg = make_config(conditional=True, clusters=4, cluster_shares=[0.5, 0.0, 0.5, 0.0], sample_n=64, latent_dim=8)
    z, y = fixed_noise(cfg, torch.float32, "cpu")
    assert z.shape == (64, 8) and y.shape == (64,)
    assert set(y.tolist()) == {0, 2}                               # only the clusters that hold images
    z_digits, y_digits = fixed_noise(make_config(conditional=True, latent_dim=8), torch.float32, "cpu")
    assert y_digits.tolist() == [d for d in range(10) for _ in range(8)]   # digits: one row each

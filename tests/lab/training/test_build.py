"""The builder and the twin: every setting the nn twin accepts changes its step, every other one is refused."""
from dataclasses import fields, replace

import pytest
import torch

from ganlab.lab.training.build import build_gan, build_model
from ganlab.lab.training.config import Config, make_config, validate
from ganlab.reference.twin import TwinGAN
from ganlab.spectral_norm import SpectralNormConv2d, SpectralNormLinear
from ganlab.speed.conv_kernels import KernelSpectralNormConv2d

# Settings of the run, not of the model: they choose data, length, place and logging
RUN_FIELDS = {"recipe", "dataset", "data_dir", "batch_size", "epochs", "steps", "backend", "device", "seed",
              "log_every", "sample_n", "dtype", "mismatched_labels", "cluster_shares"}
# A value for each model setting that differs from the classic recipe's (the twin's own)
CHANGED = dict(arch="dcgan", latent_dim=16, hidden_dim=64, hidden_dim_d=48, image_dim=49, slope=0.1, lr=1e-3, lr_d=1e-3, lr_g=1e-3,
               beta1=0.5, beta2=0.99, loss="hinge", stable_loss=True, real_label=0.9, g_loss="saturating", ema=0.9,
               dropout=0.5, minibatch_std=True, translation=0.125, cutout=0.5, r1=1.0, r1_every=2, gp=1.0,
               spectral_norm=True, conditional=True, mismatch_weight=0.2, projection=True, compile=True,
               fast_conv=True, diagnostics=True, clusters=3)
BASE = make_config("classic", backend="nn", dtype="float64", latent_dim=8, hidden_dim=32)


def twin_run(cfg, steps=3):
    """The twin's logged numbers and weights after ``steps`` seeded steps."""
    torch.manual_seed(0)
    twin = build_model(cfg)
    gen = torch.Generator().manual_seed(1)
    out = []
    for _ in range(steps):
        x = torch.rand(8, cfg.image_dim, generator=gen, dtype=torch.float64) * 2 - 1
        z_d, z_g = torch.randn(2, 8, cfg.latent_dim, generator=gen, dtype=torch.float64)
        labels = []
        if cfg.conditional:
            classes = cfg.num_classes                               # the digits, or --clusters' clusters
            y = torch.randint(classes, (4, 8), generator=gen)
            labels = [y[0], y[1], y[2], (y[0] + 1 + y[3] % (classes - 1)) % classes]
        out += [v.item() for v in twin.step(x, z_d, z_g, *labels).values()]
    weights = [p.detach().flatten() for net in (twin.G, twin.D, twin.sampler()) for p in net.parameters()]
    return torch.tensor(out), torch.cat(weights)


def test_every_model_setting_is_listed_here():
    assert {f.name for f in fields(Config)} == RUN_FIELDS | set(CHANGED)


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_the_twin_does_what_each_setting_says_or_refuses_it(name):
    changed = replace(BASE, **{name: CHANGED[name]})
    if name == "mismatch_weight":           # it weighs the wrongly labelled reals of a conditional GAN
        base, changed = replace(BASE, conditional=True), replace(changed, conditional=True)
    elif name in ("projection", "clusters"):   # the clusters stand in for a conditional GAN's digits
        base, changed = replace(BASE, conditional=True), replace(changed, conditional=True)
    else:
        base = BASE
    try:
        validate(changed)
    except ValueError as refusal:
        assert "nn" in str(refusal) or "dcgan" in str(refusal) or "compile" in str(refusal), str(refusal)
        return
    stats_a, weights_a = twin_run(base)
    stats_b, weights_b = twin_run(changed)
    assert stats_a.shape != stats_b.shape or weights_a.shape != weights_b.shape \
        or not torch.allclose(stats_a, stats_b) or not torch.allclose(weights_a, weights_b), \
        f"the twin accepted {name} = {CHANGED[name]!r} and did the same as without it"


def test_the_twin_learns_at_each_networks_own_rate_and_weighs_wrong_labels_as_told():
    twin = build_model(replace(BASE, lr_d=1e-3, lr_g=3e-4, conditional=True, mismatch_weight=0.2))
    assert isinstance(twin, TwinGAN)
    assert twin.opt_D.param_groups[0]["lr"] == 1e-3 and twin.opt_G.param_groups[0]["lr"] == 3e-4
    x = torch.rand(6, 784, dtype=torch.float64) * 2 - 1
    z = torch.randn(6, 8, dtype=torch.float64)
    y_real, y_d, y_wrong = torch.tensor([0, 1, 2, 3, 4, 5]), torch.tensor([5, 4, 3, 2, 1, 0]), torch.tensor([1] * 6)
    bce = torch.nn.functional.binary_cross_entropy
    with torch.no_grad():
        d_real, d_fake, d_wrong = twin.D(x, y_real), twin.D(twin.G(z, y_d), y_d), twin.D(x, y_wrong)
        expected = bce(d_real, torch.ones_like(d_real)) + 0.8 * bce(d_fake, torch.zeros_like(d_fake)) \
            + 0.2 * bce(d_wrong, torch.zeros_like(d_wrong))
    stats = twin.step(x, z, z, y_real, y_d, y_d, y_wrong)
    assert stats["d_loss"].item() == pytest.approx(expected.item(), abs=1e-12)


def test_an_unknown_name_raises_naming_the_known_ones():
    for name, value, known in (("arch", "dcgann", "mlp, dcgan"), ("backend", "jax", "autograd, manual, nn"),
                               ("loss", "bec", "bce, lsgan, hinge, wgan-gp"), ("device", "tpu", "auto, cpu, cuda")):
        with pytest.raises(ValueError, match=f"unknown {name} '{value}': choose one of {known}"):
            validate(make_config("ganlab", **{name: value}))


@pytest.mark.parametrize("fast_conv", [True, False], ids=["kernel", "unfold"])
def test_a_dcgan_asked_for_spectral_norm_normalizes_every_layer_of_d_and_saves_u_and_v(fast_conv):
    gan = build_gan(make_config("dcgan", spectral_norm=True, fast_conv=fast_conv, hidden_dim=32, latent_dim=8))
    weighted = [layer for layer in gan.D.layers if hasattr(layer, "W")]
    conv = KernelSpectralNormConv2d if fast_conv else SpectralNormConv2d
    assert [type(layer) for layer in weighted[:2]] == [conv, conv]
    assert isinstance(weighted[2], SpectralNormLinear) and len(weighted) == 3
    assert {"1.u", "1.v", "3.u", "3.v", "6.u", "6.v"} <= set(gan.D.state_dict())
    assert not any(hasattr(layer, "u") for layer in build_gan(make_config("dcgan", latent_dim=8)).D.layers)


def test_the_mlps_g_against_the_dcgans_d_is_built_from_those_two():
    from ganlab.dcgan import DCGANDiscriminator
    from ganlab.models import Generator
    from ganlab.speed.conv_kernels import KernelConv2d
    gan = build_gan(make_config("dcgan", arch="mlp-dcgan-d", latent_dim=8, hidden_dim=32, conditional=True, clusters=3))
    assert type(gan.G) is Generator and type(gan.D) is DCGANDiscriminator
    assert [type(layer) for layer in gan.D.layers if hasattr(layer, "W")][:2] == [KernelConv2d, KernelConv2d]
    mlp, dcgan = (build_gan(make_config(recipe_of(arch), arch=arch, latent_dim=8, hidden_dim=32, conditional=True,
                                        clusters=3)) for arch in ("mlp", "dcgan"))
    shapes = lambda net: [tuple(p.shape) for p in net.parameters()]
    assert shapes(gan.G) == shapes(mlp.G) and shapes(gan.D) == shapes(dcgan.D)


@pytest.mark.parametrize("arch", ["mlp", "dcgan", "mlp-dcgan-d"])
def test_hidden_dim_d_widens_d_alone(arch):
    shapes = lambda net: [tuple(p.shape) for p in net.parameters()]
    recipe = recipe_of(arch)
    plain = build_gan(make_config(recipe, arch=arch, latent_dim=8, hidden_dim=32))
    wide = build_gan(make_config(recipe, arch=arch, latent_dim=8, hidden_dim=32, hidden_dim_d=64))
    assert shapes(wide.G) == shapes(plain.G)
    assert shapes(wide.D) == shapes(build_gan(make_config(recipe, arch=arch, latent_dim=8, hidden_dim=64)).D)
    assert shapes(wide.D) != shapes(plain.D)
    with pytest.raises(ValueError, match="--hidden-dim-d must be positive"):
        validate(make_config(recipe, arch=arch, hidden_dim_d=-1))


def recipe_of(arch):
    """The recipe written for ``arch``'s D: the MLP's, or the DCGAN's."""
    return "ganlab" if arch == "mlp" else "dcgan"


def test_the_twin_and_ganlab_name_the_same_archs_built_of_weights_of_the_same_shapes():
    from ganlab.lab.training.parts import ARCHS
    from ganlab.reference.twin import CONVOLUTIONAL
    assert set(CONVOLUTIONAL) == set(ARCHS)
    for arch in ARCHS:
        cfg = make_config("classic", arch=arch, latent_dim=8, hidden_dim=32, conditional=True, projection=True)
        ours, twin = build_model(cfg), build_model(replace(cfg, backend="nn"))
        for part in ("G", "D"):
            shapes = lambda net: {k: tuple(v.shape) for k, v in net.state_dict().items()}   # noqa: E731
            assert shapes(getattr(ours, part)) == shapes(getattr(twin, part)), (arch, part)

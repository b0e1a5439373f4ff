import json

import pytest

from ganlab.lab.training.config import RECIPES, Config, make_config, validate


def test_config_round_trips_through_json():
    cfg = make_config("classic", steps=123, lr=1e-3)
    again = Config.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


def test_seed_recipe_is_the_classic_gan():
    cfg = make_config("classic")
    assert (cfg.latent_dim, cfg.hidden_dim, cfg.image_dim, cfg.batch_size) == (64, 256, 784, 100)
    assert (cfg.lr, cfg.beta1, cfg.beta2) == (2e-4, 0.9, 0.999)
    assert cfg.stable_loss is False and cfg.real_label == 1.0 and cfg.ema == 0.0
    assert cfg.g_loss == "non_saturating" and cfg.slope == 0.2


def test_overrides_apply_and_none_is_ignored():
    cfg = make_config("ganlab", lr=1e-3, steps=None)
    assert cfg.lr == 1e-3 and cfg.steps == Config().steps
    assert set(RECIPES) == {"ganlab", "quick", "dcgan", "classic"}


def another_value(f, value):
    """A value of field ``f`` other than ``value``, of the kind the option takes."""
    from ganlab.lab.training.config import choices
    known = choices().get(f.metadata["choices"])
    if known:
        return next(v for v in known if v != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 2
    if isinstance(value, float):
        return value / 2 + 0.125
    return 3 if value is None else value + "x"


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_an_option_changes_its_one_setting_and_nothing_else(recipe):
    from dataclasses import fields
    base = make_config(recipe).to_dict()
    for f in fields(Config):
        if not f.metadata["cli"]:
            continue
        changed = make_config(recipe, **{f.name: another_value(f, base[f.name])}).to_dict()
        assert {k for k in base if changed[k] != base[k]} == {f.name}, f.name


def test_every_setting_is_printed_in_one_group():
    from dataclasses import fields
    from ganlab.lab.training.config import GROUPS, describe
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(f.name for f in fields(Config) if f.name not in ("recipe", "cluster_shares"))
    text = describe(make_config("dcgan", lr=3e-4))
    assert "recipe dcgan" in text and "lr 0.0003" in text and "r1 1" in text and "dropout 0," in text


def test_ganlabs_mlp_learns_at_five_times_the_classic_rate_and_the_dcgan_at_the_classic_rate():
    assert make_config().lr == make_config(conditional=True).lr == 1e-3
    assert make_config("dcgan").lr == make_config("dcgan", conditional=True).lr == 2e-4
    assert make_config("classic").lr == make_config("classic", arch="dcgan").lr == 2e-4
    assert make_config(lr=3e-4).lr == make_config("dcgan", lr=3e-4).lr == 3e-4     # --lr wins
    ganlab, before = make_config().to_dict(), make_config(lr=2e-4).to_dict()       # the rate is all it changes
    assert {k for k in ganlab if ganlab[k] != before[k]} == {"lr"}


def test_the_quick_recipe_is_ganlabs_at_half_the_width_twice_the_rate_8000_steps_and_20_clusters():
    quick, ganlab = make_config("quick").to_dict(), make_config("ganlab").to_dict()
    changed = {k for k in quick if quick[k] != ganlab[k]}
    assert changed == {"recipe", "hidden_dim", "lr", "steps", "clusters", "conditional"}
    assert (quick["hidden_dim"], quick["lr"], quick["steps"], quick["clusters"]) == (128, 2e-3, 8000, 20)
    assert make_config("quick", clusters=0).conditional                  # --clusters 0 changes the clusters alone
    assert not make_config("quick", clusters=0, conditional=False).conditional      # the plain game
    assert make_config("quick", steps=4000, hidden_dim=256).hidden_dim == 256    # options still win
    with pytest.raises(ValueError, match="--recipe quick is sized for the MLP: train --arch dcgan with --recipe dcgan"):
        validate(make_config("quick", arch="dcgan"))


def test_unknown_keys_and_recipes_are_refused():
    with pytest.raises(ValueError, match="unknown config keys: colour"):
        Config.from_dict({**Config().to_dict(), "colour": "red"})
    with pytest.raises(ValueError, match="unknown recipe"):
        make_config("biggan")


@pytest.mark.parametrize("field,value,message", [
    ("steps", -1, "cannot be negative"), ("batch_size", 0, "batch-size"), ("lr", 0.0, "lr"),
    ("dataset", "cifar", "unknown dataset"), ("beta1", 1.0, "betas"), ("backend", "jax", "backend"),
])
def test_validate_names_the_bad_value(field, value, message):
    with pytest.raises(ValueError, match=message):
        validate(make_config(**{field: value}))
    for recipe in RECIPES:
        validate(make_config(recipe))                          # every recipe is fine as it is


def test_configs_written_before_the_renames_still_load():
    old = {**Config().to_dict(), "recipe": "seed", "backend": "reference", "seed": 3}
    for key in ("loss", "lr_d", "lr_g", "translation", "cutout", "r1", "r1_every", "gp", "spectral_norm"):
        old.pop(key)                                   # fields added since then take their defaults
    cfg = Config.from_dict(old)
    assert (cfg.recipe, cfg.backend, cfg.seed) == ("classic", "nn", 3)
    assert not cfg.spectral_norm and cfg.r1 == 0 and cfg.loss == "bce"      # as those runs were trained
    assert Config.from_dict({"backend": "tensor"}).backend == "autograd"
    assert make_config("seed").recipe == "classic" and make_config("seed").beta1 == 0.9


def test_spectral_norm_is_on_in_ganlabs_recipe_and_the_label_is_read_by_projection():
    assert make_config().spectral_norm and not make_config("classic").spectral_norm
    cfg = make_config(conditional=True)
    assert cfg.projection and cfg.spectral_norm and cfg.mismatch_weight == 0.1    # the conditional recipe
    assert make_config(conditional=True, projection=False).spectral_norm           # one option, one setting
    classic = make_config("classic", conditional=True)
    assert not (classic.projection or classic.spectral_norm) and classic.mismatch_weight == 0.5


def test_configs_saved_before_projection_load_as_they_were_trained():
    cfg = Config.from_dict({"conditional": True, "spectral_norm": False})
    assert not cfg.projection


def test_the_nn_twin_takes_the_projection_and_the_appended_label_but_not_spectral_norm():
    validate(make_config(conditional=True, backend="nn", stable_loss=False, spectral_norm=False))
    validate(make_config(conditional=True, backend="nn", stable_loss=False, spectral_norm=False, projection=False))
    with pytest.raises(ValueError, match="--backend nn does not do --spectral-norm"):
        validate(make_config(conditional=True, backend="nn", stable_loss=False))


def test_a_conditional_dcgan_reads_the_digit_by_projection():
    assert make_config("dcgan", conditional=True).projection
    validate(make_config("classic", arch="dcgan", conditional=True, projection=True))
    for cfg in (make_config("classic", arch="dcgan", conditional=True),
                make_config("dcgan", conditional=True, projection=False)):
        with pytest.raises(ValueError, match="reads the digit by projection on D's features: give --projection"):
            validate(cfg)


@pytest.mark.parametrize("loss", ["lsgan", "hinge", "wgan-gp"])
def test_the_bce_games_settings_are_refused_with_another_game_naming_the_way_out(loss):
    penalty = dict(gp=10.0) if loss == "wgan-gp" else {}
    with pytest.raises(ValueError, match=f"--real-label 0.9 is the BCE game's label smoothing, and --loss {loss}"
                                         " has targets of its own: give --real-label 1"):
        validate(make_config("ganlab", loss=loss, **penalty))
    with pytest.raises(ValueError, match="--g-loss saturating is one of the BCE game's two G losses"):
        validate(make_config("ganlab", loss=loss, real_label=1.0, g_loss="saturating", **penalty))
    validate(make_config("ganlab", loss=loss, real_label=1.0, **penalty))


def test_wgan_gp_without_its_penalty_is_refused_naming_the_papers_weight():
    with pytest.raises(ValueError, match="give --gp 10"):
        validate(make_config("ganlab", loss="wgan-gp", real_label=1.0))


def test_the_dcgan_recipe_is_its_best_measured_one_and_an_mlp_recipe_refuses_the_dcgan_naming_it():
    best = make_config("dcgan")
    assert (best.arch, best.fast_conv, best.r1, best.r1_every, best.dropout, best.spectral_norm) == \
        ("dcgan", True, 1.0, 4, 0.0, False)
    assert not make_config("dcgan", fast_conv=False).fast_conv and make_config("dcgan", r1=0.0).r1 == 0.0
    for classic in (make_config("classic", arch="dcgan"), make_config("classic", arch="dcgan", backend="nn")):
        assert (classic.r1, classic.fast_conv) == (0.0, False)         # the lessons' unfold + matmul
        validate(classic)
    with pytest.raises(ValueError, match=r"--arch dcgan takes no --dropout: train it with --recipe dcgan, written for "
                                         r"it \(arch dcgan, lr 0.0002, dropout 0, spectral-norm off, r1 1, r1-every 4"):
        validate(make_config(arch="dcgan"))
    validate(make_config(arch="dcgan", dropout=0.0))                   # ganlab's D refereeing, but for dropout


def test_the_mlps_g_against_the_dcgans_d():
    ours = make_config("dcgan", arch="mlp-dcgan-d", lr=1e-3)
    assert (ours.fast_conv, ours.r1, ours.r1_every, ours.dropout, ours.spectral_norm) == (True, 1.0, 4, 0.0, False)
    validate(ours)
    with pytest.raises(ValueError, match="--arch mlp-dcgan-d takes no --dropout"):
        validate(make_config("dcgan", arch="mlp-dcgan-d", dropout=0.5))
    with pytest.raises(ValueError, match="sized for the MLP: train --arch mlp-dcgan-d with --recipe dcgan"):
        validate(make_config("quick", arch="mlp-dcgan-d"))


def test_conv_d_names_exactly_the_archs_whose_d_is_the_dcgans():
    from ganlab.lab.training.parts import ARCHS, dcgan_discriminator
    for name, (_, make_D) in ARCHS.items():
        assert make_config(arch=name).conv_d == (make_D is dcgan_discriminator), name


def test_the_manual_backend_refuses_the_dcgans_r1_and_names_the_way_out():
    with pytest.raises(ValueError, match=r"use --backend autograd, or train without them \(--r1 0\)"):
        validate(make_config("dcgan", backend="manual"))
    validate(make_config("dcgan", backend="manual", r1=0.0))


def test_clusters_condition_g_and_d_on_one_class_per_cluster():
    cfg = make_config(conditional=True, clusters=20)
    assert cfg.conditional and cfg.num_classes == 20 and cfg.projection and cfg.spectral_norm
    assert make_config(conditional=True).num_classes == 10 and make_config().num_classes == 0
    validate(make_config("dcgan", conditional=True, clusters=5))
    for bad, message in ((dict(clusters=1, conditional=True), "at least 2"), (dict(clusters=-3), "at least 2"),
                         (dict(clusters=5), "add --conditional")):
        with pytest.raises(ValueError, match=message):
            validate(make_config(**bad))


def test_configs_saved_before_clusters_load_without_them():
    old = {k: v for k, v in make_config(conditional=True).to_dict().items() if k not in ("clusters", "cluster_shares")}
    cfg = Config.from_dict(old)
    assert cfg.clusters == 0 and cfg.cluster_shares is None and cfg.num_classes == 10

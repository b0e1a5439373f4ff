"""The whole GAN step: ganlab's tensor path, its hand-written backward, and the nn twin agree."""
import pytest
import torch

from ganlab.lab.training.build import make_gan
from ganlab.lab.training.checkpoint import training_state
from ganlab.lab.training.config import NUM_CLASSES
from ganlab.lab.training.loop import StepInputs
from ganlab.reference.twin import TwinGAN
from host_reads import HostReads
from parity import DEVICES, DTYPES

SMALL = dict(latent_dim=8, hidden_dim=32, image_dim=49)
STEPS = 50
# Measured largest differences after 50 steps in float64: about 1e-16 (pure rounding: the
# formulas differ, the maths does not). The tolerance leaves room for longer sums.
TWIN_TOL = {torch.float64: 1e-12, torch.float32: 1e-5}


def run_tol(dtype, lr=2e-4, flips=3):
    r"""How far two runs of many Adam steps may drift apart, computed two ways.

    In float64 rounding stays near 1e-16, so runs are held to ``TWIN_TOL``. In float32 they
    cannot be: where a gradient is close to 0, a rounding difference between two kernels can
    flip the sign of $\hat m / \sqrt{\hat v}$, and Adam then moves that parameter by about
    ``lr`` the other way, 2·lr apart. How often that happens depends on the CPU's kernels, so
    float32 runs get a bound of ``flips`` such flips; their gradients of one step are held
    tight instead (``TWIN_TOL``).
    """
    return TWIN_TOL[dtype] if dtype == torch.float64 else flips * 2 * lr


def assert_trained(state, initial, steps, lr=2e-4):
    """The run really trained: Adam moved some weight by a good share of ``steps`` · lr."""
    assert max_diff(state, initial) > steps * lr / 4


def gan_of(manual_backward=False, betas=None, num_classes=0, generator=None, device="cpu", **settings):
    """A ganlab GAN from the settings the tests name, built by the lab's builder from a Config:
    the plain game (BCE on logits, labels 1 and 0, no averaging, no referee) unless told."""
    if betas is not None:
        settings.update(beta1=betas[0], beta2=betas[1])
    if num_classes:
        assert num_classes == NUM_CLASSES, "a conditional GAN has the ten digits' classes"
    settings = {"stable_loss": True, "gp": 0.0, **settings}       # the classic recipe, on logits
    return make_gan("classic", device=device, generator=generator, conditional=bool(num_classes),
                    backend="manual" if manual_backward else "autograd", **settings)


def batches(dtype, device, steps=STEPS, batch=16, sizes=SMALL, seed=7, num_classes=0):
    """(x, z_d, z_g), and for a conditional GAN also the labels (y_real, y_d, y_g, y_wrong)."""
    gen = torch.Generator().manual_seed(seed)
    inputs = StepInputs(gen, sizes["latent_dim"], dtype, num_classes, mismatched=True)   # train's own draws
    for _ in range(steps):
        x = torch.rand(batch, sizes["image_dim"], generator=gen, dtype=dtype) * 2 - 1
        y = torch.randint(num_classes, (batch,), generator=gen) if num_classes else None
        yield tuple(t.to(device) for t in inputs(x, y))


def run(model, dtype, device, sizes=SMALL, steps=STEPS):
    history = [{k: v.item() for k, v in model.step(*b).items()}
               for b in batches(dtype, device, steps=steps, sizes=sizes, num_classes=model.num_classes)]
    return history, training_state(model)


def max_diff(state_a, state_b):
    return max((state_a[k] - state_b[k].to(state_a[k].dtype)).abs().max().item() for k in state_a)


def twins(dtype, device, manual, **recipe):
    torch.manual_seed(0)
    ours = gan_of(**SMALL, manual_backward=manual, device=device, dtype=dtype, **recipe)
    recipe.pop("stable_loss", None)
    theirs = TwinGAN(**SMALL, device=device, dtype=dtype, **recipe)
    theirs.G.load_state_dict(ours.G.state_dict())
    theirs.D.load_state_dict(ours.D.state_dict())
    if ours.G_ema:
        theirs.G_ema.load_state_dict(ours.G_ema.state_dict())
    return ours, theirs


RECIPES = {
    "seed": dict(stable_loss=False, betas=(0.9, 0.999), lr=2e-4),
    "logits": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4),
    "smoothed+ema": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, real_label=0.9, ema=0.99),
    "saturating": dict(stable_loss=True, g_loss="saturating", lr=1e-3),
    "conditional": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, ema=0.99, num_classes=10),
    "conditional, projection": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, num_classes=10, projection=True,
                                    mismatch_weight=0.1),
    "wider D": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, hidden_dim_d=48),     # G's layers stay 32 wide
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("manual", [False, True], ids=["autograd", "manual"])
@pytest.mark.parametrize("recipe", list(RECIPES))
def test_ganlab_matches_the_nn_twin_for_50_steps(recipe, manual, dtype, device):
    ours, theirs = twins(dtype, device, manual, **RECIPES[recipe])
    G_initial = ours.G.state_dict()
    hist_ours, state_ours = run(ours, dtype, device)
    hist_theirs, state_theirs = run(theirs, dtype, device)
    lr = RECIPES[recipe]["lr"]
    tol = run_tol(dtype, lr)
    for a, b in zip(hist_ours, hist_theirs):
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert a[key] == pytest.approx(b[key], abs=tol), key
    for part in ("G", "D") + (("G_ema",) if ours.G_ema else ()):
        assert max_diff(state_ours[part], state_theirs[part]) < tol, part
    assert_trained(state_ours["G"], G_initial, STEPS, lr)


def gradients_given_to_adam(gan):
    """Record, at each step, the gradients each optimizer receives: {"D": [...], "G": [...]}."""
    seen = {}
    for name, opt in (("D", gan.opt_D), ("G", gan.opt_G)):
        def record(grads=None, name=name, opt=opt, step=opt.step):
            seen[name] = [g.clone() for g in grads] if grads is not None else [p.grad.clone() for p in opt.params]
            step(grads)
        opt.step = record
    return seen


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_manual_backward_gives_autograds_gradients_exactly_in_float64(recipe):
    a = gan_of(**SMALL, dtype=torch.float64, generator=torch.Generator().manual_seed(1), **RECIPES[recipe])
    b = gan_of(**SMALL, dtype=torch.float64, generator=torch.Generator().manual_seed(1), manual_backward=True,
            **RECIPES[recipe])
    grads_a, grads_b = gradients_given_to_adam(a), gradients_given_to_adam(b)
    for batch in batches(torch.float64, "cpu", steps=5, num_classes=a.num_classes):
        a.step(*batch)
        b.step(*batch)
        for ga, gb in zip(grads_a["G"] + grads_a["D"], grads_b["G"] + grads_b["D"]):
            torch.testing.assert_close(ga, gb, atol=1e-13, rtol=1e-10)


@pytest.mark.parametrize("manual", [False, True], ids=["autograd", "manual"])
def test_d_step_leaves_g_unchanged(manual):
    gan = gan_of(**SMALL, manual_backward=manual)
    x, z_d, z_g = next(batches(torch.float32, "cpu"))
    G_before = gan.G.state_dict()
    gan.opt_G.step = lambda grads=None: None         # run the step with G's update switched off
    gan.step(x, z_d, z_g)
    del gan.opt_G.step
    for k, v in gan.G.state_dict().items():
        assert torch.equal(v, G_before[k]), k
    # ...while D did move
    assert any(not torch.equal(v, gan.D.state_dict()[k]) for k, v in gan_of(**SMALL).D.state_dict().items())


def test_d_loss_reported_is_minus_v_of_the_d_step():
    from ganlab.objective import d_loss as minus_v
    gan = gan_of(**SMALL, stable_loss=True, dtype=torch.float64)
    x, z_d, z_g = next(batches(torch.float64, "cpu"))
    with torch.no_grad():
        expected = minus_v(gan.D(x), gan.D(gan.G(z_d)))
    stats = gan.step(x, z_d, z_g)
    assert stats["d_loss"].item() == pytest.approx(expected.item(), abs=1e-12)


def test_step_returns_device_tensors_not_python_floats():
    gan = gan_of(**SMALL)
    stats = gan.step(*next(batches(torch.float32, "cpu")))
    assert all(torch.is_tensor(v) and v.dim() == 0 for v in stats.values())
    assert 0 < stats["d_real"].item() < 1 and 0 < stats["d_fake"].item() < 1


@pytest.mark.parametrize("manual", [False, True], ids=["autograd", "manual"])
@pytest.mark.parametrize("recipe", list(RECIPES) + ["dropout+conditional", "minibatch-std"])
def test_a_step_never_makes_the_host_wait_for_a_number(recipe, manual):
    # On a GPU each such read would stall the step until the device caught up
    settings = {"dropout+conditional": dict(dropout=0.5, real_label=0.9, ema=0.99, num_classes=10),
                "minibatch-std": dict(minibatch_std=True, dropout=0.5)}.get(recipe) or RECIPES[recipe]
    gan = gan_of(**SMALL, manual_backward=manual, **settings)
    steps = batches(torch.float32, "cpu", steps=3, num_classes=gan.num_classes)
    gan.step(*next(steps))
    with HostReads() as reads:
        for batch in steps:
            stats = gan.step(*batch)
    assert reads.ops == []
    with HostReads() as reads:        # the check itself does see a read
        stats["d_loss"].item()
    assert reads.ops


# The techniques for small data, on 28 x 28 images (augmentation needs them), small hidden layers
MNIST_SIZED = dict(latent_dim=8, hidden_dim=32, image_dim=784)
TECHNIQUES = {
    "augment": dict(translation=0.125, cutout=0.5, dropout=0.5, real_label=0.9),
    "augment+conditional": dict(translation=0.125, cutout=0.5, num_classes=10),
    "conditional, mismatch weight 0.2": dict(num_classes=10, mismatch_weight=0.2, spectral_norm=True),
    "conditional, projection": dict(num_classes=10, projection=True, mismatch_weight=0.1, spectral_norm=True,
                                    dropout=0.5, translation=0.125),
    "augment+minibatch-std": dict(translation=0.125, cutout=0.25, minibatch_std=True),
    "spectral-norm+hinge": dict(spectral_norm=True, loss="hinge"),
    "lsgan+ttur": dict(loss="lsgan", lr_d=4e-4, lr_g=1e-4),
}   # the Wasserstein game comes with its gradient penalty, which the manual backend does not do (test_objective
    # checks its terms' gradients against autograd)


@pytest.mark.parametrize("technique", list(TECHNIQUES))
def test_manual_backward_matches_autograd_for_each_technique_in_float64(technique):
    settings = TECHNIQUES[technique]
    a = gan_of(**MNIST_SIZED, dtype=torch.float64, generator=torch.Generator().manual_seed(1), **settings)
    b = gan_of(**MNIST_SIZED, dtype=torch.float64, generator=torch.Generator().manual_seed(1), manual_backward=True,
            **settings)
    grads_a, grads_b = gradients_given_to_adam(a), gradients_given_to_adam(b)
    for batch in batches(torch.float64, "cpu", steps=4, sizes=MNIST_SIZED, num_classes=a.num_classes):
        stats_a, stats_b = a.step(*batch), b.step(*batch)
        for key in stats_a:
            assert stats_a[key].item() == pytest.approx(stats_b[key].item(), abs=1e-12), key
        for ga, gb in zip(grads_a["G"] + grads_a["D"], grads_b["G"] + grads_b["D"]):
            torch.testing.assert_close(ga, gb, atol=1e-13, rtol=1e-10)
    assert a.opt_D.lr == settings.get("lr_d", 2e-4) and a.opt_G.lr == settings.get("lr_g", 2e-4)


def test_augmentation_reaches_g_through_d():
    # G's gradient passes through the augmentation: shifting what D sees changes it
    plain = gan_of(**MNIST_SIZED, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    shifted = gan_of(**MNIST_SIZED, dtype=torch.float64, generator=torch.Generator().manual_seed(1), translation=0.125)
    seen = gradients_given_to_adam(plain), gradients_given_to_adam(shifted)
    batch = next(batches(torch.float64, "cpu", sizes=MNIST_SIZED))
    plain.step(*batch)
    shifted.step(*batch)
    assert all(g.abs().sum() > 0 for g in seen[1]["G"])
    assert any(not torch.allclose(a, b) for a, b in zip(seen[0]["G"], seen[1]["G"]))


@pytest.mark.parametrize("penalty", [dict(r1=1.0), dict(r1=1.0, r1_every=4), dict(loss="wgan-gp", gp=10.0)])
def test_penalties_train_with_autograd_and_the_manual_backend_refuses_them(penalty):
    gan = gan_of(**MNIST_SIZED, translation=0.125, **penalty)
    for batch in batches(torch.float32, "cpu", steps=3, sizes=MNIST_SIZED):
        stats = gan.step(*batch)
    assert all(torch.isfinite(v) for v in stats.values())
    with pytest.raises(ValueError, match="second derivatives"):
        gan_of(**MNIST_SIZED, manual_backward=True, **penalty)


def test_lazy_r1_adds_k_times_the_penalty_every_k_steps():
    from ganlab.penalties import r1_penalty
    batch = next(batches(torch.float64, "cpu", sizes=MNIST_SIZED))
    losses = {}
    for every in (1, 3):
        gan = gan_of(**MNIST_SIZED, dtype=torch.float64, generator=torch.Generator().manual_seed(1), r1=2.0, r1_every=every)
        plain = gan_of(**MNIST_SIZED, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        x = batch[0].clone().requires_grad_(True)
        penalty = r1_penalty(plain.D(x), x, 2.0).item()
        losses[every] = gan.step(*batch)["d_loss"].item() - plain.step(*batch)["d_loss"].item()
        assert losses[every] == pytest.approx(every * penalty, rel=1e-9)


def test_mismatch_weight_shares_the_fake_term_between_g_and_wrong_labels():
    gan = gan_of(**SMALL, dtype=torch.float64, num_classes=10, mismatch_weight=0.2)
    x, z_d, z_g, y_real, y_d, y_g, y_wrong = next(batches(torch.float64, "cpu", num_classes=10))
    with torch.no_grad():
        logits = [gan.D(x, y_real), gan.D(gan.G(z_d, y_d), y_d), gan.D(x, y_wrong)]
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        expected = bce(logits[0], torch.ones_like(logits[0])) + 0.8 * bce(logits[1], torch.zeros_like(logits[1])) \
            + 0.2 * bce(logits[2], torch.zeros_like(logits[2]))
    assert gan.step(x, z_d, z_g, y_real, y_d, y_g, y_wrong)["d_loss"].item() == pytest.approx(expected.item(), abs=1e-12)

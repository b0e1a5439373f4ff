"""The speed room gives the plain path's numbers: Adam at once, draws ahead, the compiled step.

The compiled step is traced with ``fullgraph=True``: a read of a number back to the host
inside it (``.item()``, a Python ``if`` on a tensor) would break the graph, and that is an
error, so every test here that compiles a step also shows that it has none.
"""
import pytest
import torch

from ganlab.augment import DiffAugment
from ganlab.conv import Conv2d, ConvTranspose2d
from ganlab.dropout import Dropout
from ganlab.lab.training.checkpoint import load_training_state, training_state
from ganlab.optim import Adam
from ganlab.speed import CompiledStep
from ganlab.speed.conv_kernels import KernelConv2d, KernelConvTranspose2d, KernelSpectralNormConv2d
from ganlab.speed.drawn_ahead import DrawnAhead
from ganlab.speed.foreach_adam import ForeachAdam
from parity import DEVICES, DTYPES, needs_compiler
from test_gan import (gan_of, RECIPES, SMALL, TECHNIQUES, TWIN_TOL, assert_trained, batches, gradients_given_to_adam,
                      max_diff, run_tol)
from test_optim import ADAM_SETTINGS, run

# "The same numbers": float64 within 1e-12 over 20 steps; float32, whose runs may part where a
# near-zero gradient's sign flips (test_gan.run_tol), within a few such flips
EQUAL = {torch.float64: 1e-12, torch.float32: run_tol(torch.float32)}
STEPS = 20


# ---- Adam, all parameters at once --------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("settings", ADAM_SETTINGS)
@pytest.mark.parametrize("compile", [False, pytest.param(True, marks=needs_compiler)], ids=["eager", "compiled"])
def test_foreach_adam_matches_torch_optim_adam(settings, dtype, device, compile):
    # compiled, its kernels must keep every number at the parameters' precision
    # (a float32 ε·s once cost 1e-12 in float64)
    torch._dynamo.reset()
    ours = run(lambda ps: ForeachAdam(ps, **settings), dtype, device, compile=compile)
    theirs = run(lambda ps: torch.optim.Adam(ps, **settings), dtype, device)
    tol = {torch.float32: 1e-6, torch.float64: 1e-15}[dtype]     # measured: 1.2e-7 and 3e-17
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), atol=tol, rtol=0)


def test_foreach_adam_counts_on_the_device_and_shares_the_plain_checkpoint():
    p = torch.zeros(3, requires_grad=True)
    p.grad = torch.ones(3)
    plain = Adam([p])
    plain.step()
    fast = ForeachAdam.like(plain)
    fast.step()
    assert torch.is_tensor(fast.t) and fast.t.device == p.device and fast.t.item() == 2
    fast.count_step()                       # counted ahead of a step: the step does not count again
    fast.step()
    assert fast.state_dict()["t"] == 3 and isinstance(fast.state_dict()["t"], int)
    plain.load_state_dict(fast.state_dict())
    assert plain.t == 3


# ---- random numbers drawn ahead ----------------------------------------------------------
def requests_of(make_layer, inputs):
    """What a layer asks of its random numbers on ``inputs``, recorded on a generator of its own."""
    recorder = DrawnAhead(torch.Generator().manual_seed(99))
    layer = make_layer(recorder)
    with recorder.recording() as requests:
        for x in inputs:
            layer(x)
    return requests


@pytest.mark.parametrize("layer", ["dropout", "augment"])
def test_numbers_drawn_ahead_are_the_numbers_drawn_on_the_fly(layer):
    make = {"dropout": lambda rng: Dropout(0.5, rng), "augment": lambda rng: DiffAugment(0.125, 0.5, rng)}[layer]
    inputs = [torch.rand(6, 784, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1,
              torch.rand(3, 784, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 2 - 1]
    requests = requests_of(make, inputs)
    assert len(requests) == {"dropout": 2, "augment": 4}[layer]        # a mask each; shifts and centres each
    on_the_fly = make(torch.Generator().manual_seed(2))
    rng = DrawnAhead(torch.Generator().manual_seed(2))
    ahead = make(rng)
    rng.draw_ahead(requests)
    assert rng.generator.get_state().ne(on_the_fly.rng.generator.get_state()).any()   # drawn now, not later
    for x in inputs:
        assert torch.equal(ahead(x), on_the_fly(x))
    assert rng.queue == []
    assert torch.equal(rng.get_state(), on_the_fly.rng.get_state())
    assert torch.equal(ahead(inputs[0]), on_the_fly(inputs[0]))        # then both draw on, in step


# ---- the whole step ----------------------------------------------------------------------
MNIST_SIZED = dict(latent_dim=8, hidden_dim=32, image_dim=784)
GANLAB = dict(stable_loss=True, betas=(0.5, 0.999), real_label=0.9, ema=0.99, dropout=0.5, spectral_norm=True)
# every recipe the fast path supports, small: the default recipe, the same conditioned on the
# class (every branch of the step), the classic one, and the techniques for small data that
# change the step's shape (R1 and WGAN-GP's penalty cannot be compiled, so neither can WGAN-GP)
CASES = {"ganlab": (SMALL, GANLAB), "conditional": (SMALL, {**GANLAB, "spectral_norm": False, "num_classes": 10}),
         "projection": (SMALL, {**GANLAB, "num_classes": 10, "projection": True, "mismatch_weight": 0.1}),
         "classic": (SMALL, RECIPES["seed"]),
         **{name: (MNIST_SIZED, {"dropout": 0.5, **TECHNIQUES[name]})
            for name in ("augment+minibatch-std", "spectral-norm+hinge")}}
BOTH_DTYPES = ("ganlab", "conditional")


def plain_and_fast(sizes, recipe, manual, dtype, device="cpu", compile=True):
    """A plain GAN, and a GAN built to be compiled with the same weights and its compiled step."""
    plain = gan_of(**sizes, **recipe, manual_backward=manual, dtype=dtype, device=device,
                   generator=torch.Generator().manual_seed(1))
    fast = gan_of(**sizes, **recipe, manual_backward=manual, dtype=dtype, device=device, compile=True)
    load_training_state(fast, training_state(plain))       # weights, optimizers, D's random generator
    return plain, fast, CompiledStep(fast, compile=compile)


def assert_same_run(plain, fast, fast_step, sizes, dtype, device="cpu", steps=STEPS):
    for i, batch in enumerate(batches(dtype, device, steps=steps, sizes=sizes, num_classes=plain.num_classes)):
        # the first step is the plain round (its draws recorded), the second compiles it:
        # no later step may need another graph
        with torch.compiler.set_stance("fail_on_recompile" if i > 1 else "default"):
            a, b = plain.step(*batch), fast_step(*batch)
        for key in a:
            assert b[key].item() == pytest.approx(a[key].item(), abs=EQUAL[dtype]), key
    ours, theirs = training_state(fast), training_state(plain)
    for part in ("G", "D") + (("G_ema",) if plain.G_ema else ()):
        assert max_diff(ours[part], theirs[part]) < EQUAL[dtype], part
    assert ours["steps"] == theirs["steps"] == steps and ours["opt_D"]["t"] == steps
    # the same dropout masks and augmentations, from the same generator, none left over
    assert torch.equal(fast.rng.get_state(), plain.rng.get_state())
    assert fast.rng.queue == [] and len(fast_step.draws) == 1


@needs_compiler
@pytest.mark.parametrize("manual", [False, True], ids=["autograd", "manual"])
@pytest.mark.parametrize("case, dtype", [(c, torch.float64) for c in CASES] + [(c, torch.float32) for c in BOTH_DTYPES])
def test_the_compiled_step_matches_the_plain_step_for_20_steps(case, manual, dtype):
    sizes, recipe = CASES[case]
    torch._dynamo.reset()                                       # compile afresh, whatever ran before
    plain, fast, fast_step = plain_and_fast(sizes, recipe, manual, dtype)
    G_initial = plain.G.state_dict()
    assert_same_run(plain, fast, fast_step, sizes, dtype)
    assert_trained(plain.G.state_dict(), G_initial, STEPS, recipe.get("lr", 2e-4))


@needs_compiler
@pytest.mark.parametrize("device", [d for d in DEVICES if d != "cpu"] or
                         [pytest.param("cuda", marks=pytest.mark.skip(reason="no CUDA GPU"))])
@pytest.mark.parametrize("manual", [False, True], ids=["autograd", "manual"])
def test_the_compiled_step_matches_the_plain_step_on_cuda(manual, device):
    torch._dynamo.reset()
    plain, fast, fast_step = plain_and_fast(*CASES["conditional"], manual, torch.float32, device)
    assert_same_run(plain, fast, fast_step, SMALL, torch.float32, device)


def test_the_compiled_step_refuses_labels_out_of_range():
    step = CompiledStep(gan_of(**SMALL, num_classes=10, compile=True), compile=False)
    x, z_d, z_g, y_real, y_d, y_g, y_wrong = next(batches(torch.float32, "cpu", num_classes=10))
    with pytest.raises(RuntimeError, match="labels must lie in 0..9"):
        step(x, z_d, z_g, y_real, y_d + 10, y_g, y_wrong)


@pytest.mark.parametrize("penalty", [dict(r1=1.0), dict(loss="wgan-gp", gp=10.0)])
def test_penalties_are_refused_in_one_line(penalty):
    with pytest.raises(ValueError, match="gradient of a gradient"):
        CompiledStep(gan_of(**MNIST_SIZED, **penalty))


def test_a_gan_not_built_to_be_compiled_is_refused_in_one_line():
    with pytest.raises(ValueError, match="ForeachAdam: build it with compile"):
        CompiledStep(gan_of(**SMALL))


DCGAN = dict(latent_dim=16, arch="dcgan")
DCGAN_RECIPES = {"smoothed+ema": dict(betas=(0.5, 0.999), real_label=0.9, ema=0.99),
                 "r1": dict(betas=(0.5, 0.999), ema=0.99, r1=1.0, r1_every=2),
                 "spectral-norm": dict(betas=(0.5, 0.999), ema=0.99, spectral_norm=True)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("manual, recipe", [(False, "smoothed+ema"), (True, "smoothed+ema"), (False, "r1"),
                                             (False, "spectral-norm"), (True, "spectral-norm")],
                         ids=["autograd", "manual", "autograd-r1", "autograd-spectral-norm", "manual-spectral-norm"])
def test_the_dcgan_with_torch_conv_kernels_matches_the_plain_dcgan_for_10_steps(manual, recipe, dtype):
    plain = gan_of(**DCGAN, **DCGAN_RECIPES[recipe], manual_backward=manual, dtype=dtype,
                generator=torch.Generator().manual_seed(2))
    fast = gan_of(**DCGAN, **DCGAN_RECIPES[recipe], manual_backward=manual, dtype=dtype, fast_conv=True)
    load_training_state(fast, training_state(plain))
    convs = [type(layer) for network in (fast.G, fast.D, fast.G_ema) for layer in network.layers
             if isinstance(layer, (Conv2d, ConvTranspose2d))]
    kernel_conv = KernelSpectralNormConv2d if recipe == "spectral-norm" else KernelConv2d
    assert len(convs) == 8 and set(convs) == {kernel_conv, KernelConvTranspose2d}
    G_initial = plain.G.state_dict()
    tol = EQUAL[dtype] * (10 if dtype == torch.float64 else 1)      # convolutions add up more numbers
    grads_plain, grads_fast = gradients_given_to_adam(plain), gradients_given_to_adam(fast)
    # the same sums added in another order: the gradients of one step agree to rounding...
    for i, batch in enumerate(batches(dtype, "cpu", steps=10, sizes=DCGAN | dict(image_dim=784))):
        a, b = plain.step(*batch), fast.step(*batch)
        if i == 0:
            for g_plain, g_fast in zip(grads_plain["G"] + grads_plain["D"], grads_fast["G"] + grads_fast["D"]):
                torch.testing.assert_close(g_fast, g_plain, atol=10 * TWIN_TOL[dtype], rtol=1e-4)
        for key in a:
            assert b[key].item() == pytest.approx(a[key].item(), abs=tol), key
    # ...and the runs, after 10 steps, to rounding in float64 and to a few sign flips in float32
    ours, theirs = training_state(fast), training_state(plain)
    for part in ("G", "D", "G_ema"):
        assert max_diff(ours[part], theirs[part]) < tol, part
    assert_trained(theirs["G"], G_initial, 10)

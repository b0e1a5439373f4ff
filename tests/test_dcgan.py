"""The DCGAN: ganlab's convolutional G and D against their nn twin, layer by layer and
step by step (autograd and hand-written backward), float32 and float64."""
import pytest
import torch

from torch.nn.utils.parametrizations import spectral_norm

from ganlab.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlab.reference.twin import TwinGAN, twin_dcgan_discriminator, twin_dcgan_generator
from ganlab.spectral_norm import SpectralNormConv2d, SpectralNormLinear
from parity import DEVICES, DTYPES, assert_close
from test_gan import gan_of, assert_trained, max_diff, run, run_tol

LATENT = 8
SIZES = dict(latent_dim=LATENT, image_dim=784)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("classes", [0, 10], ids=["plain", "conditional"])
def test_g_and_d_match_the_nn_twin_forward_and_by_hand_backward(classes, dtype, device):
    gen = torch.Generator().manual_seed(0)
    G = DCGANGenerator(latent_dim=LATENT, device=device, dtype=dtype, generator=gen, num_classes=classes)
    D = DCGANDiscriminator(device=device, dtype=dtype, generator=gen, num_classes=classes)
    G_twin = twin_dcgan_generator(LATENT, num_classes=classes).to(device, dtype)
    D_twin = twin_dcgan_discriminator(num_classes=classes).to(device, dtype)
    G_twin.load_state_dict(G.state_dict())
    D_twin.load_state_dict(D.state_dict())
    z = torch.randn(6, LATENT, generator=gen).to(device, dtype)
    y = torch.tensor([0, 7, 3, 7, 9, 1], device=device) if classes else None
    x = G(z, y)
    x_twin = G_twin(z, y)
    assert x.shape == (6, 784)
    assert_close(x, x_twin, dtype, scale=10)
    logits = D(x.detach(), y)
    assert_close(torch.sigmoid(logits), D_twin(x_twin.detach(), y), dtype, scale=10)

    # backward by hand, from a loss on D's logit, through D into G, against autograd on the twin
    g = torch.randn(6, 1, generator=gen).to(device, dtype)
    twin_logits = D_twin.logit(x_twin, y)                   # the twin without its Sigmoid
    twin_logits.backward(g)
    with torch.no_grad():
        grad_x = D.backward(g)
        G.backward(grad_x, input_grad=False)
    for ours, theirs in ((G, G_twin), (D, D_twin)):
        twin_params = dict(theirs.named_parameters())
        assert set(ours.named_parameters()) == set(twin_params)     # the projection's V is "embed" in both
        for name, p in ours.named_parameters().items():
            assert_close(p.grad, twin_params[name].grad, dtype, scale=100), name
    for name, buffer in G.buffers().items():                 # batch norm's running statistics
        assert_close(buffer.to(dtype) if buffer.is_floating_point() else buffer,
                     G_twin.state_dict()[name], dtype, scale=10)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("classes", [0, 10], ids=["plain", "conditional"])
def test_a_spectrally_normalized_d_matches_torch_spectral_norm_on_the_twin_over_steps(classes, dtype, device):
    gen = torch.Generator().manual_seed(4)
    D = DCGANDiscriminator(device=device, dtype=dtype, generator=gen, conv=SpectralNormConv2d,
                           dense=SpectralNormLinear, num_classes=classes)
    W = D.layers[6].W.detach()[0]                            # the Linear's (1, c2·49) row, drawn anew by dcgan_init:
    assert_close(D.layers[6].v * D.layers[6].u, W / W.norm(), dtype)    # v is that row's direction, not the old one's
    D_twin = twin_dcgan_discriminator(num_classes=classes).to(device, dtype)
    D_twin.load_state_dict(D.named_parameters())        # W, b (and V) before torch's parametrization
    for i in (1, 3, 6):                                      # every conv and the Linear, as torch would wrap them
        spectral_norm(D_twin[i])
        torch_sn = D_twin[i].parametrizations.weight[0]
        with torch.no_grad():
            torch_sn._u.copy_(D.layers[i].u)
            torch_sn._v.copy_(D.layers[i].v)
    twin_named = {name.replace(".parametrizations.weight.original", ".weight"): p
                  for name, p in D_twin.named_parameters()}
    twin_params = [twin_named[name] for name in D.named_parameters()]     # in our order
    for _ in range(3):                                       # W moves, and u, v with it
        x = (torch.rand(5, 784, generator=gen) * 2 - 1).to(device, dtype)
        y = torch.tensor([0, 7, 3, 7, 9], device=device) if classes else None
        g = torch.randn(5, 1, generator=gen).to(device, dtype)
        logits, twin_logits = D(x, y), D_twin.logit(x, y)
        assert_close(logits, twin_logits, dtype, scale=10)
        twin_grads = torch.autograd.grad(twin_logits, twin_params, g)
        auto_grads = torch.autograd.grad(logits, list(D.named_parameters().values()), g)
        for p in D.parameters():
            p.grad = None
        with torch.no_grad():
            D.backward(g, input_grad=False)                  # the hand-written backward
        for (name, p), auto, theirs in zip(D.named_parameters().items(), auto_grads, twin_grads):
            assert_close(auto, theirs, dtype, scale=100), name
            assert_close(p.grad, theirs, dtype, scale=100), name
        for i in (1, 3, 6):
            assert_close(D.layers[i].v, D_twin[i].parametrizations.weight[0]._v, dtype, scale=10)
        with torch.no_grad():                                # one step of plain descent on both
            for p, p_twin, grad in zip(D.named_parameters().values(), twin_params, twin_grads):
                p.sub_(0.5 * grad)
                p_twin.sub_(0.5 * grad)


def test_the_digit_changes_what_a_conditional_dcgan_draws_and_starts_as_strong_as_z():
    G = DCGANGenerator(latent_dim=LATENT, generator=torch.Generator().manual_seed(1), num_classes=10)
    W = G.layers[1].W.detach()                               # (8 + 10, 128, 7, 7): z's rows, then the label's
    assert W.shape[0] == LATENT + 10
    assert W[LATENT:].std() / W[:LATENT].std() == pytest.approx(LATENT ** 0.5, rel=0.05)
    G.eval()
    with torch.no_grad():
        images = G(torch.randn(1, LATENT).repeat(10, 1), torch.arange(10))    # one noise vector, ten digits
    assert torch.cdist(images, images).fill_diagonal_(1).min() > 1e-3
    with pytest.raises(ValueError, match="needs the class labels"):
        G(torch.randn(2, LATENT))
    D = DCGANDiscriminator(generator=torch.Generator().manual_seed(2), num_classes=10)
    assert D.V.shape == (10, 128 * 7 * 7) and D.V.std().item() == pytest.approx(0.02, rel=0.05)
    x = torch.rand(1, 784).repeat(10, 1)
    with torch.no_grad():                                    # one image, ten labels: ten verdicts
        assert D(x, torch.arange(10)).unique().numel() == 10


def dcgan_twins(dtype, device, manual, arch="dcgan", **recipe):
    if recipe.get("num_classes"):                            # a convolutional D reads the label by projection
        recipe.setdefault("projection", True)
    ours = gan_of(latent_dim=LATENT, arch=arch, manual_backward=manual, device=device, dtype=dtype,
               generator=torch.Generator().manual_seed(2), **recipe)
    recipe.pop("stable_loss", None)
    theirs = TwinGAN(latent_dim=LATENT, arch=arch, device=device, dtype=dtype, **recipe)
    theirs.G.load_state_dict(ours.G.state_dict())
    theirs.D.load_state_dict(ours.D.state_dict())
    if ours.G_ema:
        theirs.G_ema.load_state_dict(ours.G_ema.state_dict())
    return ours, theirs


RECIPES = {"classic": dict(stable_loss=False, betas=(0.9, 0.999), lr=2e-4),
           "smoothed+ema": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, real_label=0.9, ema=0.99),
           "conditional": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, ema=0.99, num_classes=10,
                               mismatch_weight=0.1),
           "D of its own width": dict(stable_loss=True, betas=(0.5, 0.999), lr=2e-4, hidden_dim_d=128),  # maps 32, 64
           # the MLP's G (256 wide) against the DCGAN's D (maps 64, 128), conditional: the trial's pair
           "MLP's G": dict(arch="mlp-dcgan-d", stable_loss=True, betas=(0.5, 0.999), lr=2e-4, ema=0.99,
                           num_classes=10, mismatch_weight=0.1)}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("manual", [False, True], ids=["autograd", "manual"])
@pytest.mark.parametrize("recipe", list(RECIPES))
def test_the_dcgan_matches_its_nn_twin_for_10_steps(recipe, manual, dtype, device):
    ours, theirs = dcgan_twins(dtype, device, manual, **RECIPES[recipe])
    G_initial = ours.G.state_dict()
    hist_ours, state_ours = run(ours, dtype, device, SIZES, steps=10)
    hist_theirs, state_theirs = run(theirs, dtype, device, SIZES, steps=10)
    tol = run_tol(dtype) * (10 if dtype == torch.float64 else 1)    # convolutions add up more numbers
    for a, b in zip(hist_ours, hist_theirs):
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert a[key] == pytest.approx(b[key], abs=tol), key
    for part in ("G", "D") + (("G_ema",) if ours.G_ema else ()):
        assert max_diff(state_ours[part], state_theirs[part]) < tol, part
    assert_trained(state_ours["G"], G_initial, 10)


def test_samples_are_drawn_with_the_running_statistics():
    gan = gan_of(latent_dim=LATENT, arch="dcgan", ema=0.9, generator=torch.Generator().manual_seed(3))
    for _ in range(3):
        gan.step(torch.rand(8, 784) * 2 - 1, torch.randn(8, LATENT), torch.randn(8, LATENT))
    assert torch.equal(gan.G_ema.layers[2].running_mean, gan.G.layers[2].running_mean)   # copied, not averaged
    z = torch.randn(5, LATENT)
    with torch.no_grad():                           # in evaluation mode an image does not depend on its batch
        assert_close(gan.G_ema(z)[:1], gan.G_ema(z[:1]), torch.float32)


def test_the_dcgan_refuses_what_it_does_not_have():
    with pytest.raises(ValueError, match="--arch dcgan takes no --dropout"):
        gan_of(arch="dcgan", dropout=0.5)
    with pytest.raises(ValueError, match="reads the digit by projection on D's features: give --projection"):
        gan_of(arch="dcgan", num_classes=10, projection=False)
    with pytest.raises(ValueError, match="unknown arch 'dcgann': choose one of mlp, dcgan"):
        gan_of(arch="dcgann")               # a misspelt name never falls through to the MLP

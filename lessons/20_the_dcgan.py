r"""Lesson 20 — The DCGAN: convolutions against the MLP

Goal: put lessons 18 and 19 together into a DCGAN, G and D made of convolutions, check it
against its nn.Module twin, and train it beside the MLP GAN on the same budget.

    G: z (64) as a 1×1 map -> ConvTranspose 7×7 -> BatchNorm -> ReLU       (128, 7, 7)
         -> ConvTranspose 4×4 stride 2 -> BatchNorm -> ReLU                 (64, 14, 14)
         -> ConvTranspose 4×4 stride 2 -> tanh                              (1, 28, 28)
    D: the image (1, 28, 28) -> Conv 4×4 stride 2 -> LeakyReLU(0.2)         (64, 14, 14)
         -> Conv 4×4 stride 2 -> LeakyReLU(0.2)                             (128, 7, 7)
         -> Linear -> one logit

The training step is the same as the MLP's, D step then G step (lesson 10). Here the two
GANs also train with every other setting the same (the game, the rate 2e-4, no dropout and
no spectral norm), so the networks are the one thing that differs, and the lesson prints
the settings that do. Each filter is shared across positions, so the DCGAN learns strokes
that can stand anywhere, and the number of its weights does not grow with the image: its D
has about half the MLP D's weights (its G has more than the MLP G, in its 7 × 7 first
layer). Each step does far more arithmetic: on two CPU cores it is 10 to 40 times as slow.
The DCGAN's convolutions run on torch's kernels (--fast-conv), tested equal to lesson 18's
unfold + matmul and about twice as fast.

--quick (default) trains a narrow DCGAN (16 and 32 feature maps, --hidden-dim 64) and the
MLP GAN for 600 steps each, about 40 seconds together; --full trains the full DCGAN (64 and
128) and the MLP for 3,000 steps (about half an hour on two cores).

You will see: the shapes through G and D and their weight counts, the DCGAN taking the
same three steps as its nn twin, and the two GANs' samples after the same number of steps.
At 600 steps neither draws digits yet, and they fail differently: the MLP draws blurry
averages of whole digits, grey noise around them; the DCGAN draws sharp, dark-backed strokes,
because every filter it learns is a local stroke detector used everywhere. Given 1,500
steps at full width (docs/lessons/20.md), the DCGAN's strokes join into digit shapes.
"""
import time

import matplotlib.pyplot as plt
import torch

from ganlab.lab.training.build import make_gan
from ganlab.lab.teaching import lesson
from ganlab.lab.training.config import make_config
from ganlab.lab.watching.plots import grid_image
from ganlab.lab.training.sampling import generate, load_generator
from ganlab.lab.training.train import train
from ganlab.reference.twin import TwinGAN

L = lesson.setup(__doc__, number=20)

# %% [markdown]
# ## 1. The shapes through G and D

# %%
dcgan = make_gan("classic", arch="dcgan", dtype=torch.float64, generator=torch.Generator().manual_seed(L.seed))
mlp = make_gan("classic", dtype=torch.float64, generator=torch.Generator().manual_seed(L.seed))
h = torch.randn(2, 64, dtype=torch.float64)
print("G:", "z", tuple(h.shape))
with torch.no_grad():
    for layer in dcgan.G.layers:
        h = layer(h)
        print(f"   {type(layer).__name__:16s} -> {tuple(h.shape)}")
    print("D:", "x", tuple(h.shape))
    for layer in dcgan.D.layers:
        h = layer(h)
        print(f"   {type(layer).__name__:16s} -> {tuple(h.shape)}")
count = lambda net: sum(p.numel() for p in net.parameters())             # noqa: E731
print(f"\nweights: DCGAN G {count(dcgan.G):,}, D {count(dcgan.D):,};  MLP G {count(mlp.G):,}, D {count(mlp.D):,}\n")

# %% [markdown]
# ## 2. The same steps as the nn twin

# %%
twin = TwinGAN(arch="dcgan", dtype=torch.float64, betas=(0.9, 0.999))
ours = make_gan("classic", arch="dcgan", dtype=torch.float64, generator=torch.Generator().manual_seed(L.seed))
twin.G.load_state_dict(ours.G.state_dict())
twin.D.load_state_dict(ours.D.state_dict())
gen = torch.Generator().manual_seed(L.seed)
for step in range(3):
    x = torch.rand(16, 784, generator=gen, dtype=torch.float64) * 2 - 1
    z_d, z_g = (torch.randn(16, 64, generator=gen, dtype=torch.float64) for _ in range(2))
    a, b = ours.step(x, z_d, z_g), twin.step(x, z_d, z_g)
    L.check(f"step {step + 1}: D's loss matches the nn twin's", a["d_loss"], b["d_loss"], tol=1e-12)
for part in ("G", "D"):
    ours_state, twin_state = getattr(ours, part).state_dict(), getattr(twin, part).state_dict()
    worst = max((ours_state[k] - twin_state[k].to(ours_state[k].dtype)).abs().max().item() for k in ours_state)
    L.check(f"{part}'s weights and running statistics after 3 steps match", worst, 0.0, tol=1e-12)
print()

# %% [markdown]
# ## 3. The same budget, two architectures

# %%
steps = 600 if L.quick else 3000
runs, configs = {}, {}
for name, arch, hidden in (("MLP GAN", "mlp", 256), ("DCGAN", "dcgan", 64 if L.quick else 256)):
    # every setting the same but the networks: the DCGAN's D takes no dropout, so neither D has it
    cfg = make_config(dataset="mnist-sample", arch=arch, hidden_dim=hidden, lr=2e-4, dropout=0.0,
                      spectral_norm=False, fast_conv=arch == "dcgan", steps=steps, log_every=steps,
                      device=L.device.type, seed=L.seed, batch_size=64)
    configs[name] = cfg.to_dict()
    start = time.perf_counter()
    train(cfg, L.out / arch, overwrite=True, log=lambda s: None)
    seconds = time.perf_counter() - start
    G, saved = load_generator(L.out / arch / "checkpoint.pt")
    runs[name] = (generate(G, saved, 64, seed=L.seed), seconds)
    print(f"{name}: {steps} steps in {seconds:.0f} s ({1000 * seconds / steps:.0f} ms a step)")
differ = {k: (configs["MLP GAN"][k], configs["DCGAN"][k]) for k in configs["MLP GAN"]
          if configs["MLP GAN"][k] != configs["DCGAN"][k]}
print("the settings that differ (MLP GAN, DCGAN):", ", ".join(f"{k} {a} / {b}" for k, (a, b) in differ.items()))
print()
fig, axes = plt.subplots(1, 2, figsize=(12, 6.2))
for ax, (name, (images, seconds)) in zip(axes, runs.items()):
    ax.imshow(grid_image(images), cmap="gray")
    ax.set_title(f"{name}: {steps} steps, {seconds:.0f} s")
    ax.axis("off")
L.save(fig, "dcgan_and_mlp.png")
background = {name: images.reshape(-1, 28, 28)[:, :3, :].mean().item() for name, (images, _) in runs.items()}
L.say(f"""
    The top three rows of pixels, nearly always black in MNIST (-1): the MLP's samples average
    {background['MLP GAN']:+.2f} there, the DCGAN's {background['DCGAN']:+.2f}. The convolutions learn a clean
    background first. Look inside the digits too: where one of the two is still averaging whole
    digits into grey blurs, the other may already draw strokes. One seed and 600 steps: a glimpse,
    not a measurement (docs/recipes.md compares the recipes over 3 seeds).
""")
L.check("the DCGAN's background is clean: its top rows within 0.1 of black", background["DCGAN"], -1.0, tol=0.1)


# %% [markdown]
# *After 600 steps neither draws digits yet, and they fail differently: the MLP draws blurry
# grey averages of whole digits; the DCGAN draws sharp strokes on a clean black background,
# because every filter it learns is a local detector used everywhere.*

# %%
L.finish()

"""From a ``Config`` to a model: the one place where settings become parts, and parts a GAN.

The names a config can give are listed here once, as data: each architecture is the pair
of functions that build its G and D, each backend the class that takes the step. The
CLI's choices and ``validate`` read these lists; an unknown name raises, naming the known ones.

``build_gan`` gives ganlab's ``GAN`` (autograd) or ``HandWrittenGAN`` (manual backward),
built from the speed room's parts where the config asks for them (``--fast-conv``: the
DCGAN's convolutions on torch's kernels; ``--compile``: the parts a compiled step needs);
``build_model`` gives what ``ganlab train`` trains: that GAN or the ``torch.nn`` twin, and
``step_function`` what takes its steps (with ``--compile``, ``ganlab.speed.CompiledStep``).
``build_generator`` gives a bare G, for drawing samples from a checkpoint. ``train``, ``sample``, ``compare``, ``evaluate``, the lessons and
the benchmarks all build through here.
"""
import torch

from ganlab.augment import DiffAugment
from ganlab.conv import Conv2d, ConvTranspose2d
from ganlab.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_channels
from ganlab.ema import averaged_copy
from ganlab.gan import GAN
from ganlab.gan_by_hand import HandWrittenGAN
from ganlab.lab.config import make_config, validate
from ganlab.linear import Linear
from ganlab.models import Discriminator, Generator
from ganlab.objective import make_game
from ganlab.optim import Adam
from ganlab.random_numbers import RandomNumbers
from ganlab.referee import Referee
from ganlab.spectral_norm import SpectralNormConv2d, SpectralNormLinear

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def speed_parts(cfg):
    """The parts a GAN is built from when ``cfg`` asks for speed (``ganlab.speed``): the
    convolution layers (torch's kernels with ``fast_conv``), and for ``compile`` the Adam and
    the random numbers that a compiled step needs. Each computes what the plain part does."""
    parts = {"conv": Conv2d, "conv_transpose": ConvTranspose2d, "spectral_norm_conv": SpectralNormConv2d,
             "adam": Adam, "rng": RandomNumbers}
    if cfg.fast_conv:
        from ganlab.speed.conv_kernels import KernelConv2d, KernelConvTranspose2d, KernelSpectralNormConv2d
        parts.update(conv=KernelConv2d, conv_transpose=KernelConvTranspose2d,
                     spectral_norm_conv=KernelSpectralNormConv2d)
    if cfg.compile:
        from ganlab.speed.drawn_ahead import DrawnAhead
        from ganlab.speed.foreach_adam import ForeachAdam
        parts.update(adam=ForeachAdam, rng=DrawnAhead)
    return parts


def mlp_generator(cfg, **kw):
    return Generator(latent_dim=cfg.latent_dim, hidden_dim=cfg.hidden_dim, image_dim=cfg.image_dim,
                     num_classes=cfg.num_classes, **kw)


def mlp_discriminator(cfg, rng=None, **kw):
    return Discriminator(image_dim=cfg.image_dim, hidden_dim=cfg.d_width, slope=cfg.slope, dropout=cfg.dropout,
                         minibatch_std=cfg.minibatch_std, spectral_norm=cfg.spectral_norm,
                         projection=cfg.projection, num_classes=cfg.num_classes, rng=rng, **kw)


def dcgan_generator(cfg, **kw):          # hidden_dim / 4 and / 2 feature maps
    return DCGANGenerator(latent_dim=cfg.latent_dim, channels=dcgan_channels(cfg.hidden_dim),
                          conv=speed_parts(cfg)["conv_transpose"], num_classes=cfg.num_classes, **kw)


def dcgan_discriminator(cfg, rng=None, **kw):           # conditional: by projection (validate)
    parts = speed_parts(cfg)
    conv, dense = (parts["spectral_norm_conv"], SpectralNormLinear) if cfg.spectral_norm else (parts["conv"], Linear)
    return DCGANDiscriminator(channels=dcgan_channels(cfg.d_width), slope=cfg.slope, conv=conv, dense=dense,
                              num_classes=cfg.num_classes, **kw)


# name -> (G's builder, D's builder); Config.conv_d names those whose D is the DCGAN's
ARCHS = {"mlp": (mlp_generator, mlp_discriminator), "dcgan": (dcgan_generator, dcgan_discriminator),
         "mlp-dcgan-d": (mlp_generator, dcgan_discriminator)}
# name -> the class that takes the step ("nn" is the torch.nn twin, lab/twin.py)
BACKENDS = {"autograd": GAN, "manual": HandWrittenGAN, "nn": None}


def lookup(table, name, what):
    """``table[name]``, or a ValueError naming the known ones."""
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}: choose one of {', '.join(table)}")
    return table[name]


def build_gan(cfg, device="cpu", generator=None):
    """ganlab's GAN as ``cfg`` says, on ``device``; ``generator`` draws the initial weights
    (None: torch's global generator). Refuses, in one line, what ``validate`` refuses."""
    validate(cfg)
    make_G, make_D = lookup(ARCHS, cfg.arch, "architecture")
    step_class = lookup(BACKENDS, cfg.backend, "backend")
    if step_class is None:
        raise ValueError("build_gan builds ganlab's own GAN: the nn twin is built by build_model")
    kw = dict(device=device, dtype=DTYPES[cfg.dtype], generator=generator)
    parts = speed_parts(cfg)
    # D's own random numbers (dropout masks, augmentations, penalty points) come from one
    # generator, saved in checkpoints, so that a resumed run is exact
    rng = parts["rng"](torch.Generator(device=device or "cpu").manual_seed(cfg.seed + 3))
    G, D = make_G(cfg, **kw), make_D(cfg, rng=rng, **kw)
    augment = DiffAugment(cfg.translation, cfg.cutout, rng) if cfg.translation or cfg.cutout else None
    betas = (cfg.beta1, cfg.beta2)
    return step_class(
        G, D, make_game(cfg.loss, cfg.real_label, cfg.stable_loss, cfg.g_loss),
        opt_G=parts["adam"](G.parameters(), lr=cfg.lr_g or cfg.lr, betas=betas),
        opt_D=parts["adam"](D.parameters(), lr=cfg.lr_d or cfg.lr, betas=betas),
        referee=Referee(augment, cfg.r1, cfg.r1_every, cfg.gp, rng),
        G_ema=averaged_copy(G) if cfg.ema else None, ema=cfg.ema, mismatch_weight=cfg.mismatch_weight, rng=rng)


def build_model(cfg, device="cpu", generator=None):
    """The model ``cfg`` describes, on ``device``, freshly initialized: ganlab's GAN, or the nn twin."""
    validate(cfg)
    if cfg.backend == "nn":
        from ganlab.lab.twin import twin_from_config
        return twin_from_config(cfg, device, DTYPES[cfg.dtype])
    return build_gan(cfg, device, generator)


def step_function(model, cfg):
    """What takes a training step of ``model``: its own ``step``, or with ``compile`` the same
    step compiled (``ganlab.speed``, whose compiler is imported only when it is asked for)."""
    if not cfg.compile:
        return model.step
    from ganlab.speed import CompiledStep
    return CompiledStep(model)


def make_gan(recipe="classic", device="cpu", generator=None, **settings):
    """A GAN from a recipe and ``Config`` fields, in one call: ``make_gan(latent_dim=2, lr=1e-3)``.

    ``dtype`` may be a torch dtype. The lessons and tests build their GANs with it.
    """
    dtype = settings.pop("dtype", None)
    if isinstance(dtype, torch.dtype):
        dtype = {v: k for k, v in DTYPES.items()}[dtype]
    return build_model(make_config(recipe, dtype=dtype, **settings), device, generator)


def build_generator(cfg, device="cpu", dtype=torch.float32):
    """A generator of ``cfg``'s sizes, for its weights to be loaded from a checkpoint
    (samples are drawn in float32, whatever precision the run trained in)."""
    make_G, _ = lookup(ARCHS, cfg.arch, "architecture")
    return make_G(cfg, device=device, dtype=dtype)

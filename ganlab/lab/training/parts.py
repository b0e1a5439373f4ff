"""The named parts a config chooses among, written once as data: each architecture is the
pair of functions that build its G and D, each backend the class that takes the step, each
dtype a torch dtype. The CLI's choices and ``validate`` read these lists, and
``ganlab.lab.training.build`` builds from them; an unknown name raises, naming the known ones.
"""
import torch

from ganlab.conv import Conv2d, ConvTranspose2d
from ganlab.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_channels
from ganlab.gan import GAN
from ganlab.gan_by_hand import HandWrittenGAN
from ganlab.linear import Linear
from ganlab.models import Discriminator, Generator
from ganlab.optim import Adam
from ganlab.random_numbers import RandomNumbers
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


# The nn twin (backend "nn", ganlab.reference.twin) reads these settings of a Config ...
TWIN_READS = ("latent_dim", "hidden_dim", "hidden_dim_d", "image_dim", "slope", "lr", "lr_d", "lr_g", "beta1", "beta2",
              "real_label", "g_loss", "ema", "dropout", "projection", "mismatch_weight", "arch")
# ... and of these it does only the one value given: any other it refuses (validate), never ignores
TWIN_DOES_ONLY = dict(loss="bce", stable_loss=False, translation=0.0, cutout=0.0, r1=0.0, r1_every=1, gp=0.0,
                      spectral_norm=False, minibatch_std=False, compile=False, diagnostics=False)


def twin_refuses(cfg):
    """The options of ``cfg`` that the nn twin does not do."""
    return ["--" + name.replace("_", "-") for name, value in TWIN_DOES_ONLY.items() if getattr(cfg, name) != value]


def build_twin(cfg, device=None, dtype=torch.float32):
    """The twin of the GAN a ``Config`` describes (it must have passed ``validate``)."""
    from ganlab.reference.twin import TwinGAN
    settings = {name: getattr(cfg, name) for name in TWIN_READS}
    settings["betas"] = (settings.pop("beta1"), settings.pop("beta2"))
    return TwinGAN(**settings, num_classes=cfg.num_classes, device=device, dtype=dtype)

"""From a ``Config`` to a model: the one place where settings become networks.

``build_model`` gives what ``ganlab train`` trains: ganlab's ``GAN`` (autograd or
hand-written backward), the same GAN compiled (``ganlab.speed.FastGAN``) with
``--compile``, or the ``torch.nn`` twin; ``--fast-conv`` gives the DCGAN's convolutions
torch's kernels (``ganlab.speed.conv_kernels``). ``build_generator`` gives a bare G, for drawing
samples from a checkpoint. ``train``, ``sample``, ``compare``, ``evaluate`` and the
benchmarks all build through here.
"""
import torch

from ganlab.dcgan import DCGANGenerator, dcgan_channels
from ganlab.gan import GAN
from ganlab.lab.twin import TwinGAN
from ganlab.models import Generator

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def sizes(cfg):
    return dict(latent_dim=cfg.latent_dim, hidden_dim=cfg.hidden_dim, image_dim=cfg.image_dim,
                num_classes=cfg.num_classes)


def build_model(cfg, device="cpu"):
    """The model ``cfg`` describes, on ``device``, freshly initialized."""
    common = dict(**sizes(cfg), slope=cfg.slope, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2),
                  real_label=cfg.real_label, g_loss=cfg.g_loss, ema=cfg.ema, dropout=cfg.dropout,
                  minibatch_std=cfg.minibatch_std, device=device, dtype=DTYPES[cfg.dtype], arch=cfg.arch)
    if cfg.backend == "nn":
        if cfg.stable_loss:
            raise ValueError("the nn backend keeps the classic Sigmoid + BCELoss; "
                             "use it with --recipe classic or --no-stable-loss")
        return TwinGAN(**common)
    gan = GAN(**common, stable_loss=cfg.stable_loss, manual_backward=cfg.backend == "manual",
              seed=cfg.seed, loss=cfg.loss, lr_d=cfg.lr_d, lr_g=cfg.lr_g,
              translation=cfg.translation, cutout=cfg.cutout, r1=cfg.r1, r1_every=cfg.r1_every,
              gp=cfg.gp, spectral_norm=cfg.spectral_norm, mismatch_weight=cfg.mismatch_weight,
              projection=cfg.projection)
    if cfg.fast_conv:
        from ganlab.speed.conv_kernels import with_conv_kernels
        gan = with_conv_kernels(gan)
    if cfg.compile:
        from ganlab.speed import FastGAN      # imports the compiler only when it is asked for
        return FastGAN(gan)
    return gan


def build_generator(cfg, device="cpu", dtype=torch.float32):
    """A generator of ``cfg``'s sizes, for its weights to be loaded from a checkpoint
    (samples are drawn in float32, whatever precision the run trained in)."""
    if cfg.arch == "dcgan":
        return DCGANGenerator(latent_dim=cfg.latent_dim, channels=dcgan_channels(cfg.hidden_dim), device=device, dtype=dtype)
    return Generator(**sizes(cfg), device=device, dtype=dtype)

"""From a ``Config`` to a model: the one place where settings become parts, and parts a GAN.

The names a config can give, and the parts each names, are listed in ``ganlab.lab.training.parts``.

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
from ganlab.ema import averaged_copy
from ganlab.lab.training.config import make_config, validate
from ganlab.lab.training.parts import ARCHS, BACKENDS, DTYPES, build_twin, lookup, speed_parts
from ganlab.objective import make_game
from ganlab.referee import Referee

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
        return build_twin(cfg, device, DTYPES[cfg.dtype])
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

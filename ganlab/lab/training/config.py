"""One training configuration, with a help text on every field, and the named recipes.

Every field is a ``ganlab train`` option (``ganlab.lab.cli`` generates them from here): its
name, type, help and list of choices; the defaults ``--help`` shows are rendered from the
recipes. The config is saved as ``config.json`` beside every run and inside every checkpoint.
"""
from dataclasses import asdict, dataclass, field, fields, replace


MAX_SEED = 2**32 - 1                # seeds run from 0 to this (a run seeds several generators with seed + k)
NUM_CLASSES = 10                    # digits 0-9 (and Fashion-MNIST's ten kinds of clothing)
CONV_D_ARCHS = ("dcgan", "mlp-dcgan-d")     # the archs whose D is the DCGAN's convolutional D


def option(default, help, choices=None, cli=True, low=None):
    """A ``Config`` field that is also a ``ganlab train`` option: its default, its help (the
    default is added from the recipes, never typed), the name of its list of choices, and the
    lowest value the option takes (``low``; a config may hold 0 for "not set")."""
    return field(default=default, metadata=dict(help=help, choices=choices, cli=cli, low=low))


@dataclass
class Config:
    recipe: str = option("ganlab", "ganlab's MLP; quick: the same, half as wide at twice the rate for 8,000 "
                         "steps, self-conditioned on 20 clusters (the quick start); dcgan: convolutions, refereed "
                         "by R1; classic: the classic MNIST GAN's. `ganlab recipes` shows each setting",
                         choices='recipes', cli=False)
    # data
    dataset: str = option("mnist", 'The real images: MNIST, Fashion-MNIST, or the offline 5,000-digit sample', choices='datasets')
    data_dir: str = option("", 'Where data sets are cached ("" = $GANLAB_DATA or ~/.cache/ganlab)')
    # model sizes: the classic MNIST GAN's
    arch: str = option("mlp", 'G and D of Linear layers (mlp), of convolutions (dcgan, ganlab.dcgan), or the MLP\'s G '
                       'against the DCGAN\'s D (mlp-dcgan-d: an MLP\'s digits, refereed by convolutions)', choices='archs')
    latent_dim: int = option(64, 'Size of the noise vector z')
    hidden_dim: int = option(256, 'Units per hidden layer of G and D (DCGAN: hidden/4 and hidden/2 feature maps)')
    hidden_dim_d: int | None = option(None, "D's own width, to widen D alone (none: --hidden-dim)")
    image_dim: int = option(784, 'Pixels per image, flattened: 28 x 28, fixed by the data', cli=False)
    slope: float = option(0.2, 'LeakyReLU slope in D')
    # optimization
    batch_size: int = option(100, 'Images per step (and noise vectors per step)')
    lr: float = option(2e-4, 'Adam learning rate for G and D')
    lr_d: float | None = option(None, "D's own learning rate, two time-scale update rule (none: --lr)")
    lr_g: float | None = option(None, "G's own learning rate (none: --lr)")
    beta1: float = option(0.5, "Adam's beta1, the gradient's momentum: 0.5 damps the momentum that makes the game oscillate")
    beta2: float = option(0.999, "Adam's beta2, the squared gradient's")
    loss: str = option("bce", "The game, on D's logits: BCE (minimax), least squares, hinge or Wasserstein (ganlab.objective)", choices='games')
    stable_loss: bool = option(True, "BCE on D's logits (stable), or a sigmoid then BCE on probabilities")
    real_label: float = option(0.9, "BCE only: D's target for real images; 0.9 is one-sided label smoothing")
    g_loss: str = option("non_saturating", 'BCE only: G minimizes -log D(G(z)) (non-saturating) or log(1 - D(G(z))) (saturating)', choices='g_losses')
    ema: float = option(0.999, 'Decay of the averaged copy of G that samples are drawn from (0 = off)')
    dropout: float = option(0.5, "Dropout in D's hidden layers: keeps D from memorizing the data")
    minibatch_std: bool = option(False, "Append the batch's feature spread to D's last layer (fights collapse)")
    translation: float = option(0.0, 'DiffAugment: shift what D sees by up to this share of the side, e.g. 0.125 (0 = off)')
    cutout: float = option(0.0, 'DiffAugment: erase a square of this share of the side, e.g. 0.5 (0 = off)')
    r1: float = option(0.0, "R1 penalty weight gamma on D's gradient at real images (0 = off)")
    r1_every: int = option(1, 'Lazy R1: apply it every k steps, k times as strong')
    gp: float = option(0.0, 'WGAN-GP penalty weight lambda (0 = off)')
    spectral_norm: bool = option(True, "Divide D's weights by their largest singular values: keeps D smooth, so it cannot memorize a small data set")
    conditional: bool = option(False, 'Condition G and D on the digit: then `ganlab sample --digit 7` draws a 7')
    mismatched_labels: bool = option(True, 'Conditional: D also rejects real digits shown with a wrong label')
    mismatch_weight: float = option(0.1, "Conditional: those wrongly labelled digits' share of D's fake term (more buys agreement with the label, less variety)")
    projection: bool = option(True, "Conditional: D reads the label by projection, <V_y, D's features>, instead of appended to the image (a conditional DCGAN always projects)")
    clusters: int = option(0, "Self-conditioning: split the training images into this many clusters by k-means on their "
                           "pixels and condition G and D on the cluster, no labels needed (ganlab.lab.training.clusters; 0 = off)")
    cluster_shares: list | None = option(None, "Each cluster's share of the training images, the odds a sample is "
                                         "drawn from it (set by training)", cli=False)
    # length: steps wins when both are given
    epochs: int = option(30, 'Passes over the training set', low=1)
    steps: int = option(0, 'Total training steps; overrides --epochs (none: use --epochs)', low=1)
    # running
    backend: str = option("autograd", "autograd: ganlab's layers, gradients by autograd; manual: every backward written by hand; nn: the torch.nn twin", choices='backends')
    device: str = option("auto", 'Where to train: a CUDA GPU when there is one (auto), or the one named', choices='devices')
    dtype: str = option("float32", 'Precision of weights and images', choices='dtypes')
    compile: bool = option(False, 'Fuse each step with torch.compile: faster once the first steps (about a minute) have compiled it')
    fast_conv: bool = option(False, "DCGAN: compute each convolution with torch's kernel, the same sums about twice as fast per step; --no-fast-conv: unfold + matmul, as lesson 18 builds it")
    seed: int = option(0, 'Seeds weights, noise and batch order')
    log_every: int = option(100, 'Steps between log lines and history points')
    diagnostics: bool = option(False, 'At every log line, measure each layer of G and D: activations, dead units, gradients, update/weight ratios (diagnostics.png, diagnostics.json)')
    sample_n: int = option(64, 'Images in each fixed-noise grid (a conditional grid: 8 per class)', low=1)

    def to_dict(self):
        return asdict(self)

    @property
    def num_classes(self):
        """How many classes G and D are conditioned on: the digits, the clusters (``--clusters``), or 0 for the classic GAN."""
        return (self.clusters or NUM_CLASSES) if self.conditional else 0

    @property
    def conv_d(self):
        """Whether D is the DCGAN's convolutional D: ``--arch dcgan``, and ``--arch mlp-dcgan-d``."""
        return self.arch in CONV_D_ARCHS

    @property
    def d_width(self):
        """D's width: its own (``hidden_dim_d``), or the one G and D share."""
        return self.hidden_dim_d or self.hidden_dim

    @classmethod
    def from_dict(cls, d):
        """Build a Config from a dict, refusing unknown keys (e.g. from another version)."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        # a config saved before a field existed ran without it: fill in "off", not today's default
        return cls(**{**ADDED_SINCE, **renamed(d)})


# Fields added after the first configs were saved, with the value that reproduces those runs
ADDED_SINCE = dict(loss="bce", lr_d=None, lr_g=None, translation=0.0, cutout=0.0, r1=0.0, r1_every=1, gp=0.0,
                   spectral_norm=False, mismatch_weight=0.5, diagnostics=False, arch="mlp", projection=False,
                   clusters=0, cluster_shares=None)
# Names used before the renames, still read from old config.json files and checkpoints
OLD_NAMES = {"recipe": {"seed": "classic"}, "backend": {"tensor": "autograd", "reference": "nn"}}

# Each recipe is every setting it changes from the Config defaults above; nothing else changes
# a setting. `ganlab recipes` prints each one whole, and every run prints what it trains with.
RECIPES = {
    # ganlab's MLP: the Config defaults, at five times the classic rate (docs/recipes.md says why)
    "ganlab": dict(lr=1e-3),
    # the quick start: ganlab's MLP at half the width and twice the rate, for 8,000 steps,
    # self-conditioned on 20 k-means clusters of the training digits
    "quick": dict(hidden_dim=128, lr=2e-3, steps=8000, conditional=True, clusters=20),
    # the DCGAN: convolutions in G and D; D refereed by R1 (lazily, every 4 steps) instead of
    # dropout and spectral norm; the classic rate; convolutions on torch's kernels (tested equal)
    "dcgan": dict(arch="dcgan", lr=2e-4, dropout=0.0, spectral_norm=False, r1=1.0, r1_every=4, fast_conv=True),
    # the classic GAN of the documents ganlab grew from, exactly: Adam with default betas, D ending in a
    # sigmoid trained with BCE on probabilities against hard labels 1/0, no averaging
    "classic": dict(beta1=0.9, stable_loss=False, real_label=1.0, ema=0.0, dropout=0.0, minibatch_std=False,
                    spectral_norm=False, mismatch_weight=0.5, diagnostics=False, projection=False),
}


# what --resume may change; every other setting is the saved run's
RESUMABLE = ("epochs", "steps", "device", "compile", "fast_conv")


def resumable_options():
    """"--epochs, --steps, --device, --compile and --fast-conv": what a resume may change, as options."""
    *rest, last = ["--" + name.replace("_", "-") for name in RESUMABLE]
    return f"{', '.join(rest)} and {last}"


def choices():
    """Each list of names a field can take, read from where the names become things."""
    from ganlab.device import DEVICES
    from ganlab.lab.training.parts import ARCHS, BACKENDS, DTYPES
    from ganlab.lab.training.data import DATASETS
    from ganlab.objective import GAMES, G_LOSSES
    return {"recipes": tuple(RECIPES), "datasets": tuple(DATASETS), "archs": tuple(ARCHS), "games": tuple(GAMES),
            "g_losses": G_LOSSES, "backends": tuple(BACKENDS), "devices": DEVICES, "dtypes": tuple(DTYPES)}


def show(value):
    """A setting as ``--help`` and ``describe`` write it: on/off, none, 0.0002."""
    return {True: "on", False: "off", None: "none", "": "none"}.get(value, value) if not isinstance(value, int | float) \
        or isinstance(value, bool) else f"{value:g}"


# The settings by what they shape, for `ganlab recipes` and the lines a run prints before it trains
GROUPS = {
    "data": ("dataset", "data_dir", "batch_size"),
    "model": ("arch", "latent_dim", "hidden_dim", "hidden_dim_d", "image_dim", "slope", "conditional", "projection",
              "clusters"),
    "game": ("loss", "stable_loss", "real_label", "g_loss", "mismatched_labels", "mismatch_weight"),
    "referee": ("dropout", "spectral_norm", "minibatch_std", "translation", "cutout", "r1", "r1_every", "gp"),
    "optimizer": ("lr", "lr_d", "lr_g", "beta1", "beta2", "ema"),
    "run": ("steps", "epochs", "backend", "device", "dtype", "compile", "fast_conv", "seed", "log_every", "diagnostics",
            "sample_n"),
}


def describe(cfg, width=100):
    """Every setting of ``cfg``, a line or two per group, as the options that would give it."""
    import textwrap
    lines = [f"recipe {cfg.recipe}"]
    for group, names in GROUPS.items():
        text = ", ".join(f"{name.replace('_', '-')} {show(getattr(cfg, name))}" for name in names)
        lines += textwrap.wrap(text, width, initial_indent=f"  {group:<10} ", subsequent_indent=" " * 13,
                               break_on_hyphens=False)
    return "\n".join(lines)


def help_text(f):
    """A field's help with its defaults, rendered from the recipes."""
    parts = [f"{show(getattr(make_config('ganlab'), f.name))}"]
    parts += [f"{name} {show(getattr(make_config(name), f.name))}" for name in RECIPES
              if name != "ganlab" and getattr(make_config(name), f.name) != getattr(make_config("ganlab"), f.name)]
    return f"{f.metadata['help']} [default: {'; '.join(parts)}]"


def renamed(d):
    """``d`` with the names of older versions (recipe "seed", backends "tensor" and "reference") updated."""
    return {k: OLD_NAMES.get(k, {}).get(v, v) if isinstance(v, str) else v for k, v in d.items()}


def make_config(recipe="ganlab", **overrides):
    """The recipe's config, with ``overrides`` (None values are ignored) applied on top: each
    override changes its one setting and nothing else."""
    recipe = OLD_NAMES["recipe"].get(recipe, recipe)
    overrides = renamed(overrides)
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}")
    cfg = replace(Config(recipe=recipe), **RECIPES[recipe])
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def validate(cfg):
    """Raise ValueError with one clear sentence for any value training cannot use.

    Every combination of settings is checked here, once: the builders trust what passes.
    """
    from ganlab.lab.training import parts            # the parts' lists (and torch) only when a config is checked
    names = choices()
    for f in fields(cfg):
        known = names.get(f.metadata["choices"])
        if known and getattr(cfg, f.name) not in known:
            raise ValueError(f"unknown {f.name.replace('_', ' ')} {getattr(cfg, f.name)!r}: "
                             f"choose one of {', '.join(known)}")
    penalty = cfg.r1 or cfg.gp
    checks = [
        (cfg.batch_size > 0, f"--batch-size must be positive, got {cfg.batch_size}"),
        (cfg.lr > 0, f"--lr must be positive, got {cfg.lr}"),
        ((cfg.lr_d or 1) > 0 and (cfg.lr_g or 1) > 0, "--lr-d and --lr-g must be positive"),
        (0 <= cfg.translation < 0.5 and 0 <= cfg.cutout < 1, "--translation must lie in [0, 0.5) and --cutout in [0, 1)"),
        (not (cfg.translation or cfg.cutout) or cfg.image_dim == 784,
         "augmentation shifts and erases 28 x 28 images: image_dim must be 784"),
        (cfg.r1 >= 0 and cfg.gp >= 0, "--r1 and --gp cannot be negative"),
        (cfg.loss == "bce" or cfg.real_label == 1.0,
         f"--real-label {cfg.real_label:g} is the BCE game's label smoothing, and --loss {cfg.loss} has targets of "
         "its own: give --real-label 1"),
        (cfg.loss == "bce" or cfg.g_loss == "non_saturating",
         f"--g-loss {cfg.g_loss} is one of the BCE game's two G losses: --loss {cfg.loss} has its own; drop --g-loss"),
        (cfg.loss != "wgan-gp" or cfg.gp > 0,
         "--loss wgan-gp is the Wasserstein game with its gradient penalty: give --gp 10 (the WGAN-GP paper's weight)"),
        (cfg.r1_every >= 1, "--r1-every must be at least 1"),
        (0 < cfg.real_label <= 1, f"--real-label is D's target probability for real images: it must lie in (0, 1], "
                                  f"e.g. 0.9; got {cfg.real_label:g}"),
        (0 <= cfg.seed <= MAX_SEED, f"--seed must be a whole number from 0 to {MAX_SEED:,}, got {cfg.seed}"),
        (cfg.sample_n >= 1, f"--sample-n must be at least 1, got {cfg.sample_n}"),
        (cfg.recipe != "quick" or cfg.arch == "mlp",
         f"--recipe quick is sized for the MLP: train --arch {cfg.arch} with --recipe dcgan"),
        (not cfg.conv_d or not conv_d_refuses(cfg),
         f"--arch {cfg.arch} takes no {', '.join(conv_d_refuses(cfg))}: train it with --recipe dcgan, written for "
         f"it ({recipe_summary('dcgan')})" + (f", or give --dropout 0 (the {cfg.recipe} recipe's is {cfg.dropout:g})"
                                             if cfg.dropout and cfg.recipe != "dcgan" else "")),
        (not cfg.conv_d or not cfg.conditional or cfg.projection,
         f"--arch {cfg.arch} --conditional reads the digit by projection on D's features: give --projection"),
        (cfg.backend != "manual" or not penalty,
         "R1 and the gradient penalty need second derivatives, which the manual backend does not "
         f"write by hand: use --backend autograd, or train without them ({way_out_of_penalty(cfg)})"),
        (not (penalty and (cfg.compile or cfg.minibatch_std)),
         "--r1 and --gp work with neither --compile nor --minibatch-std"),
        (cfg.backend != "nn" or not parts.twin_refuses(cfg),
         f"the nn twin is the classic GAN (Sigmoid + BCELoss): --backend nn does not do "
         f"{', '.join(parts.twin_refuses(cfg))}; start from --recipe classic"),
        (cfg.epochs > 0 or cfg.steps > 0, "--epochs or --steps must be positive"),
        (cfg.epochs >= 0 and cfg.steps >= 0, "--epochs and --steps cannot be negative"),
        (cfg.latent_dim > 0 and cfg.hidden_dim > 0 and (cfg.hidden_dim_d or 1) > 0,
         "--latent-dim, --hidden-dim and --hidden-dim-d must be positive"),
        (0 <= cfg.beta1 < 1 and 0 <= cfg.beta2 < 1, "Adam betas must lie in [0, 1)"),
        (0 <= cfg.ema < 1, "--ema must lie in [0, 1)"),
        (0 <= cfg.dropout < 1, "--dropout must lie in [0, 1)"),
        (0 <= cfg.mismatch_weight < 1, "--mismatch-weight must lie in [0, 1)"),
        (not cfg.fast_conv or (cfg.conv_d and cfg.backend != "nn"),
         "--fast-conv speeds up the convolutions of ganlab's own DCGAN: use it with --arch dcgan (or "
         "mlp-dcgan-d) and the autograd or manual backend"),
        (cfg.log_every > 0, "--log-every must be positive"),
        (cfg.clusters == 0 or cfg.clusters >= 2, f"--clusters must be 0 (off) or at least 2, got {cfg.clusters}"),
        (not cfg.clusters or cfg.conditional,
         "--clusters conditions G and D on k-means clusters of the images, not on nothing: add --conditional"),
    ]
    for ok, message in checks:
        if not ok:
            raise ValueError(message)
    return cfg


def recipe_summary(name):
    """What recipe ``name`` changes from the Config defaults, as options: "lr 0.0002, r1 1, ..."."""
    return ", ".join(f"{k.replace('_', '-')} {show(v)}" for k, v in RECIPES[name].items())


def conv_d_refuses(cfg):
    """The options of ``cfg`` that the DCGAN's convolutional D does not take."""
    refused = {"--dropout": cfg.dropout, "--minibatch-std": cfg.minibatch_std, "--compile": cfg.compile,
               "--diagnostics": cfg.diagnostics, f"image_dim {cfg.image_dim}": cfg.image_dim != 784}
    return [name for name, used in refused.items() if used]


def way_out_of_penalty(cfg):
    """The option that turns off the penalty the manual backend cannot take."""
    return "--r1 0" if cfg.r1 else "a --loss other than wgan-gp" if cfg.loss == "wgan-gp" else "--gp 0"

"""One training configuration, with a comment on every default, and the named recipes.

``ganlab train`` options map one-to-one onto these fields; the config is saved as
``config.json`` beside every run and inside every checkpoint.
"""
from dataclasses import asdict, dataclass, fields, replace


NUM_CLASSES = 10                    # digits 0-9 (and Fashion-MNIST's ten kinds of clothing)


@dataclass
class Config:
    recipe: str = "ganlab"          # the named preset the other fields started from
    # data
    dataset: str = "mnist"          # mnist | fashion-mnist | mnist-sample (offline, 5,000 digits)
    data_dir: str = ""              # "" = $GANLAB_DATA or ~/.cache/ganlab
    # model sizes: the classic MNIST GAN's
    arch: str = "mlp"               # mlp | dcgan: G and D of Linear layers, or of convolutions (ganlab.dcgan)
    latent_dim: int = 64            # numbers in the noise vector z
    hidden_dim: int = 256           # units in each hidden layer of G and D (DCGAN: hidden/4 and hidden/2 feature maps)
    image_dim: int = 784            # 28 x 28 pixels, flattened
    slope: float = 0.2              # LeakyReLU slope in D
    # optimization
    batch_size: int = 100           # images per step (and noise vectors per step)
    lr: float = 2e-4                # Adam learning rate, for G and D alike
    lr_d: float | None = None       # D's own learning rate (two time-scale update rule); None = lr
    lr_g: float | None = None       # G's own learning rate; None = lr
    beta1: float = 0.5              # Adam β₁: 0.5 damps the momentum that makes the game oscillate
    beta2: float = 0.999            # Adam β₂, torch's default
    loss: str = "bce"               # bce | lsgan | hinge | wgan-gp: the game D and G play, on D's logits
    stable_loss: bool = True        # BCE on logits (stable) instead of sigmoid then BCE
    real_label: float = 0.9         # target for real images in the D step (0.9 = one-sided smoothing)
    g_loss: str = "non_saturating"  # or "saturating", log(1 - D(G(z))) as V is written
    ema: float = 0.999              # decay of the averaged copy of G used for samples (0 = off)
    dropout: float = 0.5            # dropout in D's hidden layers: keeps D from memorizing the data
    minibatch_std: bool = False     # append the batch's feature spread to D's last layer (fights collapse)
    translation: float = 0.0        # D sees images shifted by up to this share of the side (DiffAugment)
    cutout: float = 0.0             # ... with a square of this share of the side erased (0 = off)
    r1: float = 0.0                 # γ of the R1 penalty on D's gradient at real images (0 = off)
    r1_every: int = 1               # lazy R1: add it every k steps, k times as strong
    gp: float = 0.0                 # λ of the WGAN-GP gradient penalty (0 = off; 10 with --loss wgan-gp)
    spectral_norm: bool = True      # divide D's weights by their largest singular values: keeps D smooth,
                                    # so it cannot memorize a small data set (docs/recipes.md measures it)
    conditional: bool = False       # condition G and D on the class (one-hot digit appended to z and x)
    mismatched_labels: bool = True  # conditional only: D also learns that real images with wrong labels are fake
    mismatch_weight: float = 0.1    # ... and their share of D's "fake" term (G's fakes get the rest): more
                                    # buys agreement with the label, less variety within a digit
    projection: bool = True         # conditional only: D reads the label as <V_y, features> (a projection
                                    # discriminator) instead of appended to the image
    # length: steps wins when both are given
    epochs: int = 30                # passes over the training set
    steps: int = 0                  # total G+D steps; 0 = use epochs
    # running
    backend: str = "autograd"       # autograd | manual (hand-written backward) | nn (the torch.nn twin)
    device: str = "auto"            # auto | cpu | cuda
    dtype: str = "float32"          # float32 | float64
    compile: bool = False           # run each step through torch.compile: fused kernels, same formulas
    fast_conv: bool = False         # DCGAN: convolutions by torch's kernels instead of unfold + matmul, same sums
    seed: int = 0                   # seeds weights, noise and batch order
    log_every: int = 100            # steps between log lines and history points
    diagnostics: bool = False       # at every log line, measure each layer's health (diagnostics.png)
    sample_n: int = 64              # images in each fixed-noise grid

    def to_dict(self):
        return asdict(self)

    @property
    def num_classes(self):
        """How many classes G and D are conditioned on: 0 for the classic GAN."""
        return NUM_CLASSES if self.conditional else 0

    @classmethod
    def from_dict(cls, d):
        """Build a Config from a dict, refusing unknown keys (e.g. from another version)."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        # a config saved before a field existed ran without it: fill in "off", not today's default
        return cls(**{**ADDED_SINCE, **renamed(d)})


BACKENDS = ("autograd", "manual", "nn")
# Fields added after the first configs were saved, with the value that reproduces those runs
ADDED_SINCE = dict(loss="bce", lr_d=None, lr_g=None, translation=0.0, cutout=0.0, r1=0.0, r1_every=1, gp=0.0,
                   spectral_norm=False, mismatch_weight=0.5, diagnostics=False, arch="mlp", projection=False)
# Names used before the renames, still read from old config.json files and checkpoints
OLD_NAMES = {"recipe": {"seed": "classic"}, "backend": {"tensor": "autograd", "reference": "nn"}}

# The classic GAN of the documents ganlab grew from, exactly: Adam with default betas, D ending in a sigmoid
# trained with BCE on probabilities against hard labels 1/0, no averaging.
RECIPES = {
    "ganlab": {},
    "classic": dict(beta1=0.9, stable_loss=False, real_label=1.0, ema=0.0, dropout=0.0, minibatch_std=False,
                    spectral_norm=False, mismatch_weight=0.5, diagnostics=False, projection=False),
}


# A DCGAN's G is refereed by batch normalization instead: D's dropout and spectral norm are off
DCGAN_DEFAULTS = dict(dropout=0.0, spectral_norm=False)


def renamed(d):
    """``d`` with the names of older versions (recipe "seed", backends "tensor" and "reference") updated."""
    return {k: OLD_NAMES.get(k, {}).get(v, v) if isinstance(v, str) else v for k, v in d.items()}


def make_config(recipe="ganlab", **overrides):
    """The recipe's config, with ``overrides`` (None values are ignored) applied on top."""
    recipe = OLD_NAMES["recipe"].get(recipe, recipe)
    overrides = renamed(overrides)
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}")
    cfg = replace(Config(recipe=recipe), **RECIPES[recipe])
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    if cfg.conditional and not cfg.projection and overrides.get("spectral_norm") is None:
        # measured: with the label appended to x, spectral norm made the conditional GAN worse
        # (FID 54 against 29 at 5,000 steps, docs/theory/conditional.md), so unless asked for
        # it stays off there; the projection D keeps it
        cfg = replace(cfg, spectral_norm=False)
    if cfg.arch == "dcgan":
        cfg = replace(cfg, **{k: v for k, v in DCGAN_DEFAULTS.items() if overrides.get(k) is None})
    if cfg.loss == "wgan-gp" and overrides.get("gp") is None:
        cfg = replace(cfg, gp=10.0)                         # the penalty weight of the WGAN-GP paper
    return cfg


def validate(cfg):
    """Raise ValueError with one clear sentence for any value training cannot use."""
    from ganlab.lab.data import DATASETS
    from ganlab.objective import LOSSES
    checks = [
        (cfg.dataset in DATASETS, f"unknown dataset {cfg.dataset!r}: choose one of {', '.join(DATASETS)}"),
        (cfg.batch_size > 0, f"--batch-size must be positive, got {cfg.batch_size}"),
        (cfg.lr > 0, f"--lr must be positive, got {cfg.lr}"),
        ((cfg.lr_d or 1) > 0 and (cfg.lr_g or 1) > 0, "--lr-d and --lr-g must be positive"),
        (cfg.loss in LOSSES, f"unknown loss {cfg.loss!r}: choose one of {', '.join(LOSSES)}"),
        (0 <= cfg.translation < 0.5 and 0 <= cfg.cutout < 1, "--translation must lie in [0, 0.5) and --cutout in [0, 1)"),
        (cfg.r1 >= 0 and cfg.gp >= 0, "--r1 and --gp cannot be negative"),
        (cfg.r1_every >= 1, "--r1-every must be at least 1"),
        (cfg.backend != "manual" or not (cfg.r1 or cfg.gp),
         "R1 and the gradient penalty need second derivatives, which the manual backend does not "
         "write by hand: use --backend autograd for them"),
        (not ((cfg.r1 or cfg.gp) and (cfg.compile or cfg.minibatch_std)),
         "--r1 and --gp work with neither --compile nor --minibatch-std"),
        (cfg.backend != "nn" or (cfg.loss == "bce" and not (cfg.translation or cfg.cutout or cfg.r1
                                                                   or cfg.gp or cfg.spectral_norm
                                                                   or (cfg.conditional and cfg.projection))),
         "the nn twin is the classic GAN: --backend nn takes none of --loss, "
         "--translation, --cutout, --r1, --gp, --spectral-norm, --projection"),
        (cfg.epochs > 0 or cfg.steps > 0, "--epochs or --steps must be positive"),
        (cfg.epochs >= 0 and cfg.steps >= 0, "--epochs and --steps cannot be negative"),
        (cfg.latent_dim > 0 and cfg.hidden_dim > 0, "--latent-dim and --hidden-dim must be positive"),
        (0 <= cfg.beta1 < 1 and 0 <= cfg.beta2 < 1, "Adam betas must lie in [0, 1)"),
        (0 <= cfg.ema < 1, "--ema must lie in [0, 1)"),
        (0 <= cfg.dropout < 1, "--dropout must lie in [0, 1)"),
        (0 <= cfg.mismatch_weight < 1, "--mismatch-weight must lie in [0, 1)"),
        (cfg.backend in BACKENDS, f"unknown backend {cfg.backend!r}: choose one of {', '.join(BACKENDS)}"),
        (cfg.g_loss in ("non_saturating", "saturating"), f"unknown generator loss {cfg.g_loss!r}"),
        (cfg.dtype in ("float32", "float64"), f"unknown dtype {cfg.dtype!r}"),
        (not (cfg.diagnostics and cfg.backend == "nn"),
         "--diagnostics reads ganlab's own layers: use it with the autograd or manual backend"),
        (not (cfg.compile and cfg.backend == "nn"),
         "--compile applies to ganlab's own backends (autograd, manual), not to the nn twin"),
        (not cfg.fast_conv or (cfg.arch == "dcgan" and cfg.backend != "nn"),
         "--fast-conv speeds up the convolutions of ganlab's own DCGAN: use it with --arch dcgan and "
         "the autograd or manual backend"),
        (cfg.log_every > 0, "--log-every must be positive"),
        (cfg.arch in ("mlp", "dcgan"), f"unknown architecture {cfg.arch!r}: choose mlp or dcgan"),
        (cfg.arch != "dcgan" or not (cfg.conditional or cfg.dropout or cfg.minibatch_std or cfg.spectral_norm
                                     or cfg.compile or cfg.diagnostics),
         "--arch dcgan takes none of --conditional, --dropout, --minibatch-std, --spectral-norm, --compile, "
         "--diagnostics"),
    ]
    for ok, message in checks:
        if not ok:
            raise ValueError(message)
    return cfg

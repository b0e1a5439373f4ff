r"""The playground's state: a GAN you step by hand, D alone, G alone, or both.

``ganlab playground`` writes a notebook whose widgets (``ganlab.lab.playground.ui``) only
call what is here, so that everything a button does can be tested without a browser:

- ``Game2D``: the 2-D game of lesson 11, on a preset data set or one's own points, with
  any of ganlab's games (BCE with a saturating or non-saturating G, least squares, hinge,
  Wasserstein with gradient penalty), SGD or Adam for each player, any depth and width.
- ``DigitsGame``: the MLP GAN on MNIST (the offline 5,000-digit sample), with the same
  controls: the game, each player's rate, D steps per G step.

Both are made of the core's own pieces: ``Linear`` and the activations, ``GAN.d_step`` and
``GAN.g_step``, the games of ``ganlab.objective``, ``SGD`` and ``Adam``. What the pictures
show:

- D's surface: its output over the plane, $\sigma(\ell(x))$ for BCE, the raw score otherwise;
- G's manifold: a grid of noise pushed through G;
- on each fake, the arrow $-\partial \mathcal{L}_G / \partial x$ that G's step follows
  (lesson 16), scaled by the batch size so that it does not shrink with it;
- the Jensen–Shannon divergence between the real and the fake points' histograms:
  $\mathrm{JSD}(p, q) = \tfrac12 \mathrm{KL}(p \Vert m) + \tfrac12 \mathrm{KL}(q \Vert m)$, $m = \tfrac12 (p + q)$,
  0 when they match and $\log 2$ when they do not overlap.
"""
from dataclasses import dataclass, replace

import torch

from ganlab.activations import LeakyReLU, ReLU, Tanh
from ganlab.gan import GAN
from ganlab.lab.playground import toy_data
from ganlab.linear import Linear
from ganlab.models import Network
from ganlab.objective import GAMES, G_LOSSES, make_game
from ganlab.optim import SGD, Adam
from ganlab.random_numbers import RandomNumbers
from ganlab.referee import Referee

OPTIMIZERS = ("adam", "sgd")
BOUNDARY = {"bce": 0.5, "lsgan": 0.5, "hinge": 0.0, "wgan-gp": 0.0}    # D's "undecided" value
GP_WEIGHT = 10.0                                                        # the WGAN-GP paper's λ
LIVE = {"loss", "g_loss", "d_steps", "optimizer_d", "lr_d", "beta1_d", "optimizer_g", "lr_g", "beta1_g", "batch"}


@dataclass(frozen=True)
class Settings:
    """Everything that makes one game: the data, the game, each player's optimizer, the networks."""
    data: str = "ring"               # a name of toy_data.DATASETS, or "own" for one's own points
    loss: str = "bce"                # bce, lsgan, hinge, wgan-gp (ganlab.objective.GAMES)
    g_loss: str = "non_saturating"   # BCE only: non_saturating or saturating
    d_steps: int = 1                 # D steps per G step in "Step both" and "Play"
    optimizer_d: str = "adam"
    lr_d: float = 1e-3
    beta1_d: float = 0.5             # Adam's β₁, or SGD's momentum
    optimizer_g: str = "adam"
    lr_g: float = 1e-3
    beta1_g: float = 0.5
    layers: int = 2                  # hidden layers in each network
    width: int = 64                  # units in each hidden layer
    noise_dim: int = 2
    batch: int = 256
    seed: int = 0

    def check(self):
        """Raise ValueError with one sentence for a setting the game cannot use."""
        known = {"loss": tuple(GAMES), "g_loss": G_LOSSES, "optimizer_d": OPTIMIZERS, "optimizer_g": OPTIMIZERS}
        for name, choices in known.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}: choose one of {', '.join(choices)}")
        if self.data not in (*toy_data.DATASETS, "own"):
            raise ValueError(f"unknown data {self.data!r}: choose one of {', '.join(toy_data.DATASETS)}, own")
        if min(self.d_steps, self.layers, self.width, self.noise_dim, self.batch) < 1:
            raise ValueError("d_steps, layers, width, noise_dim and batch must each be at least 1")
        if self.lr_d <= 0 or self.lr_g <= 0:
            raise ValueError("learning rates must be positive")


def network(sizes, hidden, last=None, gen=None):
    """An MLP of ganlab's own layers: Linear, then ``hidden()`` after each but the last Linear."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(Linear(fan_in, fan_out, generator=gen))
        if i < len(sizes) - 2:
            layers.append(hidden())
    return Network(*layers, *([last()] if last else []))


def optimizer(name, params, lr, beta1):
    return Adam(params, lr=lr, betas=(beta1, 0.999)) if name == "adam" else SGD(params, lr=lr, momentum=beta1)


class HandPlayed:
    """What both games share: a ``GAN`` stepped by hand, one player at a time, and its history.

    A subclass builds ``self.gan`` in ``reset`` and says where real batches come from
    (``real_batch``) and what else to measure after each step (``measures``)."""

    def change(self, **changes):
        """Settings that take effect at the next step (the game, the rates, the optimizers, D
        steps per G step, the batch); the data, the networks and the seed take a ``reset``."""
        new = replace(self.settings, **changes)
        new.check()
        later = sorted(k for k in changes if k not in LIVE and getattr(new, k) != getattr(self.settings, k))
        if later:
            raise ValueError(f"{', '.join(later)} take effect at Reset: call reset(settings)")
        old, self.settings = self.settings, new
        self.gan.game = make_game(new.loss, g_loss=new.g_loss)
        self.gan.referee.gp = GP_WEIGHT if new.loss == "wgan-gp" else 0.0
        for player, net in (("D", self.gan.D), ("G", self.gan.G)):
            name, lr, beta1 = (getattr(new, f"{k}_{player.lower()}") for k in ("optimizer", "lr", "beta1"))
            opt = getattr(self.gan, f"opt_{player}")
            if name != getattr(old, f"optimizer_{player.lower()}"):       # another optimizer, from rest
                setattr(self.gan, f"opt_{player}", optimizer(name, net.parameters(), lr, beta1))
            elif name == "adam":
                opt.lr, opt.betas = lr, (beta1, opt.betas[1])
            else:
                opt.lr, opt.momentum = lr, beta1
        return self

    def start(self, gan, settings):
        """Fresh counters and history around ``gan``, with each player's optimizer as ``settings`` say."""
        self.gan, s = gan, settings
        gan.opt_D = optimizer(s.optimizer_d, gan.D.parameters(), s.lr_d, s.beta1_d)
        gan.opt_G = optimizer(s.optimizer_g, gan.G.parameters(), s.lr_g, s.beta1_g)
        self.gen = torch.Generator().manual_seed(s.seed)                          # batches and noise
        self.d_steps = self.g_steps = 0
        self.last = {"d_loss": float("nan"), "g_loss": float("nan"), "d_real": float("nan"), "d_fake": float("nan")}
        self.history = []

    def noise(self):
        return torch.randn(self.settings.batch, self.gan.G.latent_dim, generator=self.gen)   # (B, noise)

    def step_d(self):
        """One step of D on a fresh batch of real data and of fakes; G is left as it is."""
        stats = self.gan.d_step(self.real_batch(), self.noise())
        self.d_steps += 1
        self.last.update({k: float(v) for k, v in stats.items()})
        return self.record()

    def step_g(self):
        """One step of G on fresh noise; D is left as it is."""
        self.last["g_loss"] = float(self.gan.g_step(self.noise()))
        self.g_steps += 1
        self.gan.end_step()                                  # counts the step; an averaged G follows G
        return self.record()

    def step(self):
        """One round: ``d_steps`` steps of D, then one of G."""
        for _ in range(self.settings.d_steps):
            self.step_d()
        return self.step_g()

    def record(self):
        point = {"d_steps": self.d_steps, "g_steps": self.g_steps, **self.last, **self.measures()}
        self.history.append(point)
        return point

    def measures(self):
        return {}

    def views(self):
        """What each player's step moves, to show that the other's stays put: none here."""
        return {}


class Game2D(HandPlayed):
    """G and D on points of the plane, stepped by hand, with what happened so far in ``history``."""

    def __init__(self, settings=None, own_points=None):
        self.own_points = own_points                 # (N, 2), for data="own"
        self.hand_placed = None                      # (N, 2) points placed by hand on the plane (``place``)
        self.reset(settings or Settings())

    def reset(self, settings=None):
        """Start again from fresh networks, drawn from ``settings.seed``."""
        s = self.settings = settings or self.settings
        s.check()
        if s.data == "own" and self.own_points is None and self.hand_placed is None:
            raise ValueError('data "own" needs points: Game2D(settings, own_points=tensor or read_points(csv))')
        if s.data == "own":                           # placed by hand, as they lie; else scaled to fit
            self.draw_real = toy_data.drawn_from(self.hand_placed) if self.hand_placed is not None \
                else toy_data.points(self.own_points)
        else:
            self.draw_real = toy_data.DATASETS[s.data]
        weights = torch.Generator().manual_seed(s.seed)
        hidden = [s.width] * s.layers
        G = network([s.noise_dim, *hidden, 2], ReLU, Tanh, weights)              # z -> x in [-1, 1]²
        D = network([2, *hidden, 1], lambda: LeakyReLU(0.2), None, weights)     # x -> one score
        G.latent_dim = s.noise_dim
        gp = GP_WEIGHT if s.loss == "wgan-gp" else 0.0
        self.start(GAN(G, D, make_game(s.loss, g_loss=s.g_loss), None, None,
                       referee=Referee(gp=gp, rng=RandomNumbers(weights))), s)
        self.real = self.draw_real(1000, torch.Generator().manual_seed(s.seed + 1))   # (1000, 2), to draw
        self.fixed_z = torch.randn(1000, s.noise_dim, generator=torch.Generator().manual_seed(s.seed + 2))
        return self

    def real_batch(self):
        return self.draw_real(self.settings.batch, self.gen)                      # (B, 2)

    def place(self, points):
        """Real points placed by hand, (k, 2) in the plane's coordinates: from the next step on, the
        real data is every point placed so far (``data`` becomes "own"), the networks as they are."""
        placed = [self.hand_placed] if self.hand_placed is not None and self.settings.data == "own" else []
        self.hand_placed = self.real = torch.cat([*placed, points.clamp(-1, 1)])          # (N, 2)
        self.draw_real = toy_data.drawn_from(self.hand_placed)
        self.settings = replace(self.settings, data="own")

    def measures(self):
        return {"jsd": self.jsd()}

    @torch.no_grad()
    def fakes(self, n=1000):
        return self.gan.G(self.fixed_z[:n])                                      # (n, 2)

    @torch.no_grad()
    def views(self):
        """D's surface (a step of D moves it) and G's points (a step of G moves them)."""
        return {"D's surface": self.surface(), "G's points": self.fakes(500)}

    def jsd(self, bins=30):
        return js_divergence(self.real, self.fakes(len(self.real)), bins)

    @torch.no_grad()
    def surface(self, n=80):
        """D's output over [-1, 1]², (n, n), row i at y = linspace(-1, 1, n)[i]."""
        axis = torch.linspace(-1, 1, n)
        y, x = torch.meshgrid(axis, axis, indexing="ij")
        plane = torch.stack([x.flatten(), y.flatten()], dim=1)                  # (n², 2)
        return self.gan.game.prob(self.gan.D(plane)).reshape(n, n)

    @torch.no_grad()
    def manifold(self, lines=11, span=2.5):
        """G's image of a grid of noise: (2 · lines, 50, 2) polylines. The grid spans the first two
        noise dimensions over [-span, span] (the others 0); with 1-D noise, one line."""
        t = torch.linspace(-span, span, 50)
        if self.settings.noise_dim == 1:
            return self.gan.G(t[:, None])[None]                                  # (1, 50, 2)
        ticks = torch.linspace(-span, span, lines)
        z = torch.zeros(2, lines, 50, self.settings.noise_dim)
        z[0, :, :, 0], z[0, :, :, 1] = ticks[:, None], t                         # lines of constant z₀
        z[1, :, :, 0], z[1, :, :, 1] = t, ticks[:, None]                         # lines of constant z₁
        return self.gan.G(z.reshape(-1, self.settings.noise_dim)).reshape(2 * lines, 50, 2)

    def pushes(self, n=60):
        """(fakes (n, 2), arrows (n, 2)): on each fake x, -n · ∂L_G/∂x, where G's loss pushes it."""
        x = self.fakes(n).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.gan.game.g(self.gan.D(x)), x)
        return x.detach(), -n * grad                                             # L_G is a mean over n




def js_divergence(a, b, bins=30, low=-1.0, high=1.0):
    """JSD (in nats) between the histograms of the points ``a`` and ``b`` (N, 2) on a bins x bins grid."""
    edges = torch.linspace(low, high, bins + 1)

    def histogram(points):
        counts = torch.histogramdd(points.clamp(low, high).float(), bins=[edges, edges]).hist.flatten()
        return counts / counts.sum()
    p, q = histogram(a), histogram(b)
    m = (p + q) / 2
    kl = lambda u: (u[u > 0] * (u[u > 0] / m[u > 0]).log()).sum()              # noqa: E731 (KL(u ‖ m))
    return float(kl(p) / 2 + kl(q) / 2)


class DigitsGame(HandPlayed):
    """The MLP GAN of ``ganlab train`` on the offline MNIST sample, stepped by hand.

    ``settings`` are ``Settings`` fields a digit GAN takes: the game, each player's
    optimizer, rate and β₁, D steps per G step and the seed; the networks are the default
    recipe's, at its batch of 100. The grid is drawn from 64 fixed noise vectors, and the
    evaluation classifier (``ganlab.lab.evaluation.classifier``, trained once and cached) says which
    digit each one reads as."""

    TAKES = ("loss", "g_loss", "d_steps", "optimizer_d", "lr_d", "beta1_d", "optimizer_g", "lr_g", "beta1_g", "seed")

    def __init__(self, scorer=None, **settings):
        from ganlab.lab.evaluation.classifier import load_scorer
        self.scorer = scorer or load_scorer("mnist-sample")
        self.images = self.scorer.train_images                                   # (N, 784) in [-1, 1]
        self.reset(**settings)

    def reset(self, **settings):
        from ganlab.lab.training.build import build_gan
        from ganlab.lab.training.config import make_config
        unknown = set(settings) - set(self.TAKES)
        if unknown:
            raise ValueError(f"a digit GAN does not take {', '.join(sorted(unknown))}")
        s = self.settings = replace(Settings(lr_d=2e-4, lr_g=2e-4, batch=100), **settings)
        s.check()
        torch.manual_seed(s.seed)
        self.start(build_gan(make_config(loss=s.loss, g_loss=s.g_loss, seed=s.seed)), s)
        self.fixed_z = torch.randn(64, self.gan.G.latent_dim, generator=torch.Generator().manual_seed(s.seed + 2))
        return self

    def real_batch(self):
        return self.images[torch.randint(len(self.images), (self.settings.batch,), generator=self.gen)]

    @torch.no_grad()
    def grid(self):
        """(the 64 fixed-noise images (64, 784), the digit the classifier reads in each (64,))."""
        images = self.gan.sampler()(self.fixed_z)
        return images, self.scorer.net(images).argmax(1)


# One click loads a game: its settings, and the sentence that says what to watch. Each was
# played at seeds 0 and 1 (2,000 rounds; oscillation 1,200): the default reached all 8 blobs
# by 2,000 and 1,500 rounds (JSD 0.30, 0.29); mode collapse held 0 to 2 blobs throughout (JSD
# 0.65, 0.64); D winning left G on 3 and 5 blobs, creeping (D(G(z)) 0.28, 0.26, the JSD within
# 0.01 over the last 400 rounds); oscillation swung D(G(z)) with a spread of 0.16 and 0.09 over
# its second half, ending on 0 blobs.
PRESETS = {
    "ring: learned": (Settings(), "G's points spread over all 8 blobs (by about 2,000 rounds), D's surface "
                      "flattens towards 1/2 and the JSD falls from log 2 = 0.69 to about 0.3."),
    "ring: mode collapse": (Settings(lr_g=1e-2), "G's rate is 10 times D's: G chases D's slope faster than D can "
                            "follow, and its points pile onto one blob, then jump to another; the JSD stays near 0.6."),
    "ring: D wins, saturating G": (Settings(g_loss="saturating", d_steps=5, lr_d=1e-2, lr_g=1e-4),
                                   "D takes 5 steps at 100 times G's rate and wins: D(G(z)) falls, and the saturating "
                                   "loss's arrows, which scale with D(G(z)), shrink until G barely moves, stuck on a few blobs. "
                                   "Switch the loss to non-saturating: each arrow grows (1 - D) / D times."),
    "ring: oscillation": (Settings(lr_d=1e-2, lr_g=1e-2, beta1_d=0.9, beta1_g=0.9),
                          "Both rates 10 times the default, with β₁ 0.9: D's surface swings across the plane, the "
                          "losses spike, D(x) and D(G(z)) swing between 0 and 1, and G never settles on the ring."),
}

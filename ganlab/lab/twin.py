"""The nn twin: the classic MNIST GAN written the usual way, with ``torch.nn``.

Same sizes and the same step structure as ``ganlab.gan.GAN``, but every piece comes
from PyTorch, and nothing from ganlab's own GAN: ``nn.Linear``, ``nn.LeakyReLU``, ``nn.ReLU``, ``nn.Tanh``, ``nn.Sigmoid``,
``nn.BCELoss`` and ``torch.optim.Adam``. Its ``state_dict`` keys match ganlab's, so
both can start from the same weights and be compared step by step
(``ganlab compare``, ``tests/test_gan.py``).
"""
import copy

import torch
import torch.nn.functional as F
from torch import nn


class LabelledSequential(nn.Sequential):
    """``nn.Sequential`` that, for a conditional GAN, first appends ``F.one_hot(labels)``."""

    def __init__(self, *modules, num_classes=0):
        super().__init__(*modules)
        self.num_classes = num_classes
        if num_classes:     # the label columns start sqrt(n) larger, as in ganlab.models
            first = self[0]
            with torch.no_grad():
                first.weight[:, -num_classes:] *= (first.in_features - num_classes) ** 0.5

    def forward(self, x, labels=None):
        if self.num_classes:
            x = torch.cat([x, F.one_hot(labels, self.num_classes).to(x.dtype)], dim=1)
        return super().forward(x)


def twin_generator(latent_dim=64, hidden_dim=256, image_dim=784, num_classes=0):
    return LabelledSequential(
        nn.Linear(latent_dim + num_classes, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, image_dim), nn.Tanh(),
        num_classes=num_classes,
    )


def twin_discriminator(image_dim=784, hidden_dim=256, slope=0.2, dropout=0.0, num_classes=0):
    drop = (lambda: [nn.Dropout(dropout)]) if dropout else (lambda: [])
    return LabelledSequential(
        nn.Linear(image_dim + num_classes, hidden_dim), nn.LeakyReLU(slope), *drop(),
        nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(slope), *drop(),
        nn.Linear(hidden_dim, 1), nn.Sigmoid(),
        num_classes=num_classes,
    )


def twin_dcgan_generator(latent_dim=64, channels=(64, 128)):
    c1, c2 = channels
    return dcgan_init(LabelledSequential(
        nn.Unflatten(1, (latent_dim, 1, 1)),
        nn.ConvTranspose2d(latent_dim, c2, 7, bias=False), nn.BatchNorm2d(c2), nn.ReLU(),
        nn.ConvTranspose2d(c2, c1, 4, 2, 1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
        nn.ConvTranspose2d(c1, 1, 4, 2, 1), nn.Tanh(), nn.Flatten(),
    ))


def twin_dcgan_discriminator(slope=0.2, channels=(64, 128)):
    c1, c2 = channels
    return dcgan_init(LabelledSequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, c1, 4, 2, 1), nn.LeakyReLU(slope),
        nn.Conv2d(c1, c2, 4, 2, 1), nn.LeakyReLU(slope), nn.Flatten(),
        nn.Linear(c2 * 7 * 7, 1), nn.Sigmoid(),
    ))


def dcgan_init(net):
    """The DCGAN paper's initialization: weights N(0, 0.02²), batch-norm scales N(1, 0.02²), biases 0."""
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm1d | nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
    return net


class TwinGAN:
    """The classic GAN with ``nn`` modules: D ends in a Sigmoid and is trained with BCELoss."""

    def __init__(self, latent_dim=64, hidden_dim=256, image_dim=784, slope=0.2, lr=2e-4, lr_d=None, lr_g=None,
                 betas=(0.9, 0.999), real_label=1.0, g_loss="non_saturating", ema=0.0, dropout=0.0,
                 num_classes=0, mismatch_weight=0.5, device=None, dtype=torch.float32, arch="mlp"):
        self.num_classes = num_classes
        if arch == "dcgan":                     # hidden_dim / 4 and / 2 feature maps, as ganlab.dcgan
            channels = (hidden_dim // 4, hidden_dim // 2)
            self.G = twin_dcgan_generator(latent_dim, channels).to(device, dtype)
            self.D = twin_dcgan_discriminator(slope, channels).to(device, dtype)
        else:
            self.G = twin_generator(latent_dim, hidden_dim, image_dim, num_classes).to(device, dtype)
            self.D = twin_discriminator(image_dim, hidden_dim, slope, dropout, num_classes).to(device, dtype)
        self.criterion = nn.BCELoss()
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=lr_g or lr, betas=betas)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=lr_d or lr, betas=betas)
        self.real_label, self.g_loss_kind, self.ema = real_label, g_loss, ema
        self.mismatch_weight = mismatch_weight
        self.G_ema = copy.deepcopy(self.G).eval() if ema else None
        self.steps = 0

    def step(self, x_real, z_d, z_g, y_real=None, y_d=None, y_g=None, y_wrong=None):
        batch = x_real.shape[0]
        ones = torch.full((batch, 1), 1.0, device=x_real.device, dtype=x_real.dtype)
        zeros = torch.zeros_like(ones)

        # D step
        x_fake = self.G(z_d, y_d).detach()
        d_real, d_fake = self.D(x_real, y_real), self.D(x_fake, y_d)
        if y_wrong is None:
            d_loss = self.criterion(d_real, self.real_label * ones) + self.criterion(d_fake, zeros)
        else:                                   # matching-aware D: real images with wrong labels are fake
            d_wrong = self.D(x_real, y_wrong)
            w = self.mismatch_weight
            d_loss = self.criterion(d_real, self.real_label * ones) + (
                (1 - w) * self.criterion(d_fake, zeros) + w * self.criterion(d_wrong, zeros))
        self.opt_D.zero_grad()
        d_loss.backward()
        self.opt_D.step()

        # G step, on fresh noise
        d_gen = self.D(self.G(z_g, y_g), y_g)
        if self.g_loss_kind == "non_saturating":
            g_loss = self.criterion(d_gen, ones)
        else:
            g_loss = -self.criterion(d_gen, zeros)
        self.opt_G.zero_grad()
        g_loss.backward()
        self.opt_G.step()

        self.steps += 1
        if self.G_ema:
            d = min(self.ema, (1 + self.steps) / (10 + self.steps))       # the decay, warmed up
            with torch.no_grad():
                for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
                    p_ema.lerp_(p, 1 - d)
                for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                    b_ema.copy_(b)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(),
                "d_real": d_real.mean().detach(), "d_fake": d_fake.mean().detach()}

    def sampler(self):
        return self.G_ema or self.G


# The Config fields the twin reads; every other setting of the model it refuses (config.validate)
TWIN_FIELDS = ("latent_dim", "hidden_dim", "image_dim", "slope", "lr", "lr_d", "lr_g", "beta1", "beta2",
               "real_label", "g_loss", "ema", "dropout", "mismatch_weight", "arch")


def twin_from_config(cfg, device=None, dtype=torch.float32):
    """The twin of the GAN a ``Config`` describes (it must have passed ``validate``)."""
    settings = {name: getattr(cfg, name) for name in TWIN_FIELDS}
    settings["betas"] = (settings.pop("beta1"), settings.pop("beta2"))
    return TwinGAN(**settings, num_classes=cfg.num_classes, device=device, dtype=dtype)

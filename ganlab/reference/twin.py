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
    """``nn.Sequential`` that, for a conditional GAN, reads the labels too: ``F.one_hot(labels)``
    appended to its input, or, with ``projection``, a D whose last ``nn.Linear`` (before its
    Sigmoid) gets ``(embed[y] * h).sum(1)`` added, h being what that Linear reads."""

    def __init__(self, *modules, num_classes=0, projection=False):
        super().__init__(*modules)
        self.num_classes = 0 if projection else num_classes         # one-hot columns appended to the input
        self.projection = bool(projection and num_classes)
        if self.projection:                                         # V: (C, H), state_dict key "embed"
            self.embed = nn.Parameter(torch.empty(num_classes, self[-2].in_features))
            bound = 1 / self[-2].in_features ** 0.5                 # as an nn.Linear reading H
            nn.init.uniform_(self.embed, -bound, bound)
        elif num_classes:
            self.scale_label_weights()

    def scale_label_weights(self):
        """The label's input columns start sqrt(n) larger, n the other inputs, as in ganlab.models."""
        first = next(m for m in self if hasattr(m, "weight"))
        with torch.no_grad():
            if isinstance(first, nn.ConvTranspose2d):               # weight (in, out, k, k): label rows last
                first.weight[-self.num_classes:] *= (first.in_channels - self.num_classes) ** 0.5
            else:                                                   # weight (out, in): label columns last
                first.weight[:, -self.num_classes:] *= (first.in_features - self.num_classes) ** 0.5

    def forward(self, x, labels=None):
        if self.projection:
            return self[-1](self.logit(x, labels))                  # the Sigmoid of the projected logit
        return super().forward(self.with_labels(x, labels))

    def logit(self, x, labels=None):
        """A D's answer before its Sigmoid; with projection, last(h) + <embed[y], h>."""
        if not self.projection:
            return self[:-1](self.with_labels(x, labels))
        h = self[:-2](x)                                            # what the last Linear reads
        return self[-2](h) + (F.embedding(labels, self.embed) * h).sum(1, keepdim=True)

    def with_labels(self, x, labels):
        """``[x, one_hot(labels)]`` when the labels are appended, else x."""
        return torch.cat([x, F.one_hot(labels, self.num_classes).to(x.dtype)], dim=1) if self.num_classes else x


def twin_generator(latent_dim=64, hidden_dim=256, image_dim=784, num_classes=0):
    return LabelledSequential(
        nn.Linear(latent_dim + num_classes, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, image_dim), nn.Tanh(),
        num_classes=num_classes,
    )


def twin_discriminator(image_dim=784, hidden_dim=256, slope=0.2, dropout=0.0, num_classes=0, projection=False):
    drop = (lambda: [nn.Dropout(dropout)]) if dropout else (lambda: [])
    label_inputs = 0 if projection else num_classes
    return LabelledSequential(
        nn.Linear(image_dim + label_inputs, hidden_dim), nn.LeakyReLU(slope), *drop(),
        nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(slope), *drop(),
        nn.Linear(hidden_dim, 1), nn.Sigmoid(),
        num_classes=num_classes, projection=projection,
    )


def twin_dcgan_generator(latent_dim=64, channels=(64, 128), num_classes=0):
    c1, c2 = channels
    inputs = latent_dim + num_classes                          # z, then the one-hot label
    layers = dcgan_init(nn.Sequential(
        nn.Unflatten(1, (inputs, 1, 1)),
        nn.ConvTranspose2d(inputs, c2, 7, bias=False), nn.BatchNorm2d(c2), nn.ReLU(),
        nn.ConvTranspose2d(c2, c1, 4, 2, 1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
        nn.ConvTranspose2d(c1, 1, 4, 2, 1), nn.Tanh(), nn.Flatten(),
    ))
    return LabelledSequential(*layers, num_classes=num_classes)    # initialized first, then the label's rows scaled


def twin_dcgan_discriminator(slope=0.2, channels=(64, 128), num_classes=0):
    c1, c2 = channels                   # conditional: always by projection, as ganlab.dcgan
    return dcgan_init(LabelledSequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, c1, 4, 2, 1), nn.LeakyReLU(slope),
        nn.Conv2d(c1, c2, 4, 2, 1), nn.LeakyReLU(slope), nn.Flatten(),
        nn.Linear(c2 * 7 * 7, 1), nn.Sigmoid(),
        num_classes=num_classes, projection=True,
    ))


def dcgan_init(net):
    """The DCGAN paper's initialization: weights N(0, 0.02²), batch-norm scales N(1, 0.02²), biases 0;
    a projection D's class directions N(0, 0.02²) too."""
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm1d | nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
    if getattr(net, "projection", False):
        nn.init.normal_(net.embed, 0.0, 0.02)
    return net


class TwinGAN:
    """The classic GAN with ``nn`` modules: D ends in a Sigmoid and is trained with BCELoss."""

    def __init__(self, latent_dim=64, hidden_dim=256, image_dim=784, slope=0.2, lr=2e-4, lr_d=None, lr_g=None,
                 hidden_dim_d=None, betas=(0.9, 0.999), real_label=1.0, g_loss="non_saturating", ema=0.0, dropout=0.0,
                 num_classes=0, projection=False, mismatch_weight=0.5, device=None, dtype=torch.float32, arch="mlp"):
        self.num_classes = num_classes
        d_width = hidden_dim_d or hidden_dim    # D's own width, or the one G and D share
        conv_G, conv_D = CONVOLUTIONAL[arch]    # a DCGAN of width w has w/4 and w/2 feature maps, as ganlab.dcgan
        self.G = twin_dcgan_generator(latent_dim, (hidden_dim // 4, hidden_dim // 2), num_classes) if conv_G \
            else twin_generator(latent_dim, hidden_dim, image_dim, num_classes)
        self.D = twin_dcgan_discriminator(slope, (d_width // 4, d_width // 2), num_classes) if conv_D \
            else twin_discriminator(image_dim, d_width, slope, dropout, num_classes, projection)
        self.G, self.D = self.G.to(device, dtype), self.D.to(device, dtype)
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


# arch -> whether its G and its D are convolutional: the archs of ganlab.lab.training.parts.ARCHS
# (tests/test_dcgan.py checks that the two tables name the same archs, of weights of the same shapes)
CONVOLUTIONAL = {"mlp": (False, False), "dcgan": (True, True), "mlp-dcgan-d": (False, True)}

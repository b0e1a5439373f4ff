"""Exercise 7: three GAN steps by hand, against the same steps of an nn.Module GAN trained
with autograd and ``torch.optim.Adam`` from the same weights and the same batches.

Each mistake is the nn GAN's step with one thing wrong (``torch_steps(mistake=...)``).
"""
import torch
import torch.nn.functional as F
from torch import nn

from ganlab.lab.exercises.checks import DT, randn
from ganlab.lab.exercises.grader import Case, Task
from ganlab.models import Discriminator, Generator
from ganlab.optim import Adam

STEPS = 3
LR, BETAS = 1e-3, (0.5, 0.999)


def case(label, latent, hidden, image, batch, seed):
    return Case(label, dict(sizes=(latent, hidden, image), batch=batch, seed=seed))


CASES = [case("3 steps, batch 5, G: 4 -> 16 -> 16 -> 12, D: 12 -> 16 -> 16 -> 1", 4, 16, 12, 5, seed=0),
         case("3 steps, batch 8, G: 8 -> 32 -> 32 -> 784, D: 784 -> 32 -> 32 -> 1", 8, 32, 784, 8, seed=1)]


def batches(sizes, batch, seed):
    latent, _, image = sizes
    return [(randn(batch, image, seed=seed * 100 + 3 * i).tanh(), randn(batch, latent, seed=seed * 100 + 3 * i + 1),
             randn(batch, latent, seed=seed * 100 + 3 * i + 2)) for i in range(STEPS)]


def ganlab_nets(sizes, seed):
    latent, hidden, image = sizes
    gen = torch.Generator().manual_seed(seed)
    G = Generator(latent_dim=latent, hidden_dim=hidden, image_dim=image, dtype=DT, generator=gen)
    D = Discriminator(image_dim=image, hidden_dim=hidden, dtype=DT, generator=gen)
    return G, D


def outputs_of(losses, G_params, D_params):
    return [*losses, *[p.detach().clone() for p in G_params], *[p.detach().clone() for p in D_params]]


def run(fn, inputs):
    """The learner's ``gan_step``, three times, on ganlab's G and D with ganlab's Adam."""
    G, D = ganlab_nets(inputs["sizes"], inputs["seed"])
    opt_G, opt_D = Adam(G.parameters(), lr=LR, betas=BETAS), Adam(D.parameters(), lr=LR, betas=BETAS)
    losses = []
    with torch.no_grad():                       # by hand: autograd is not there to help
        for x_real, z_d, z_g in batches(inputs["sizes"], inputs["batch"], inputs["seed"]):
            losses += list(fn(G, D, opt_G, opt_D, x_real, z_d, z_g))
    return outputs_of(losses, G.parameters(), D.parameters())


def torch_steps(sizes, batch, seed, mistake=None):
    """The same three steps with nn.Linear, autograd and torch.optim.Adam (with one ``mistake``)."""
    latent, hidden, image = sizes
    G = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                      nn.Linear(hidden, image), nn.Tanh()).to(DT)
    D = nn.Sequential(nn.Linear(image, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                      nn.Linear(hidden, 1)).to(DT)
    G_start, D_start = ganlab_nets(sizes, seed)
    G.load_state_dict(G_start.state_dict())
    D.load_state_dict(D_start.state_dict())
    opt_G, opt_D = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS), torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    bce = F.binary_cross_entropy_with_logits
    losses = []

    def g_step(z):
        logits = D(G(z))
        loss = -bce(logits, torch.zeros_like(logits)) if mistake == "saturating" else bce(logits, torch.ones_like(logits))
        return loss.detach(), torch.autograd.grad(loss, list(G.parameters()))

    for x_real, z_d, z_g in batches(sizes, batch, seed):
        z_for_g = z_d if mistake == "same noise" else z_g
        logits_real, logits_fake = D(x_real), D(G(z_d).detach())
        d_loss = bce(logits_real, torch.ones_like(logits_real)) + bce(logits_fake, torch.zeros_like(logits_fake))
        d_grads = torch.autograd.grad(d_loss, list(D.parameters()))
        if mistake == "G before D":
            g_loss, g_grads = g_step(z_for_g)
        set_grads(D, d_grads, keep=mistake == "D grads kept")
        opt_D.step()
        if mistake != "G before D":
            g_loss, g_grads = g_step(z_for_g)
        set_grads(G, g_grads, keep=mistake == "G grads kept")
        opt_G.step()
        losses += [d_loss.detach(), g_loss]
    return outputs_of(losses, G.parameters(), D.parameters())


def set_grads(net, grads, keep):
    """Put ``grads`` in ``.grad``; ``keep``: add them to what is there (nobody zeroed it)."""
    for p, g in zip(net.parameters(), grads):
        p.grad = p.grad + g if keep and p.grad is not None else g.clone()


def mistake(name):
    return lambda **inputs: torch_steps(**inputs, mistake=name)


NAMES = tuple(f"{kind} at step {i + 1}" for i in range(STEPS) for kind in ("d_loss", "g_loss")) + tuple(
    f"{net}'s {name} after {STEPS} steps" for net, n_layers in (("G", 3), ("D", 3))
    for i in range(n_layers) for name in (f"layer {2 * i} weight", f"layer {2 * i} bias"))

TASKS = [
    Task("gan_step", CASES, torch_steps, outputs=NAMES, run=run, scale=1e3, by_hand=True,
         mistakes=[
             ("D's gradients add up across steps: call D.zero_grad() before D's backward", mistake("D grads kept")),
             ("G's gradients add up across steps: call G.zero_grad() before G's backward", mistake("G grads kept")),
             ("G's step comes after D's update, through the D that has just moved", mistake("G before D")),
             ("G's step draws on fresh noise, z_g, not on the z_d of D's step", mistake("same noise")),
             ("that is the saturating G loss, log(1 - D(G(z))); train G against the label 1: BCE(D(G(z)), 1)",
              mistake("saturating")),
         ]),
]

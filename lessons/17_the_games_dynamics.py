r"""Lesson 17 — The game's dynamics

Goal: see why training a GAN is not like minimizing a loss, on the smallest game there is.

Two players, one number each. x wants f small, y wants it large:

    min over x, max over y of  f(x, y) = x * y

The only equilibrium is x = y = 0: there neither can gain by moving alone. Each player
follows its own gradient, as G and D do: x descends df/dx = y, y ascends df/dy = x.

    simultaneous:  x <- x - lr * y,       y <- y + lr * x       (both from the old values)
    alternating:   x <- x - lr * y,       then y <- y + lr * x  (y sees x's new value),
                   the way ganlab's step alternates its players; there the maximizer, D,
                   moves first, here the minimizer x does. The order changes nothing
                   below: in either order one round multiplies (x, y) by a matrix of
                   determinant 1 and trace 2 - lr², so the same eigenvalues

Simultaneous steps spiral outwards: each step multiplies the distance from the
equilibrium by exactly sqrt(1 + lr^2). Alternating steps go round and round, never
closer. Neither converges, with any learning rate. Momentum carries each player past the
point where it should have turned: alternating Adam with beta1 = 0.9 flies out further
than even the simultaneous spiral, and with beta1 = 0.5 it drifts out about three times
less far. A *negative* momentum, which takes back part of each step, converges, slowly.
That is why GANs oscillate, why the loss curves of lesson 12 do not go down the way a
classifier's do, and why ganlab's recipe sets beta1 = 0.5 instead of Adam's default 0.9.
(A GAN is not this bilinear game: its players are networks, and the noise of batches and
the shape of the losses change the picture, but the rotation is there.)

You will see: the trajectories of five ways to play (simultaneous and alternating
gradient steps, alternating Adam with beta1 0.9 and 0.5, alternating steps with momentum
-0.5), ganlab's Adam checked against torch.optim.Adam on this game, and the spiral's
growth checked against sqrt(1 + lr^2).
"""
import math

import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.optim import Adam

L = lesson.setup(__doc__, number=17)
dt = torch.float64
START, LR, STEPS = (1.0, 0.5), 0.1, 300


def gradient_play(alternating):
    """Plain gradient steps; returns the trajectory (STEPS + 1, 2)."""
    x, y = START
    path = [(x, y)]
    for _ in range(STEPS):
        if alternating:
            x = x - LR * y              # x moves first...
            y = y + LR * x              # ...and y answers the new x
        else:
            x, y = x - LR * y, y + LR * x
        path.append((x, y))
    return torch.tensor(path, dtype=dt)


def negative_momentum_play(beta=-0.5):
    """Alternating gradient steps with momentum beta < 0: v <- beta v + g, then a step along v.

    A negative beta takes back part of the last step (Gidel et al. 2019, "Negative Momentum
    for Improved Game Dynamics"). torch.optim.SGD refuses momentum below 0, so it is
    written out here.
    """
    x, y = START
    vx = vy = 0.0
    path = [(x, y)]
    for _ in range(STEPS):
        vx = beta * vx + y
        x = x - LR * vx
        vy = beta * vy - x
        y = y - LR * vy
        path.append((x, y))
    return torch.tensor(path, dtype=dt)


def adam_play(make_optimizer, beta1, lr=0.05):
    """Alternating Adam steps, x first (GAN.step alternates too, D first); returns the trajectory."""
    x = torch.tensor([START[0]], dtype=dt, requires_grad=True)
    y = torch.tensor([START[1]], dtype=dt, requires_grad=True)
    opt_x, opt_y = make_optimizer([x], lr=lr, betas=(beta1, 0.999)), make_optimizer([y], lr=lr, betas=(beta1, 0.999))
    path = [(x.item(), y.item())]
    for _ in range(STEPS):
        x.grad = y.detach().clone()               # d(xy)/dx: x descends it
        opt_x.step()
        y.grad = -x.detach().clone()              # -d(xy)/dy: y ascends xy, so it descends -xy
        opt_y.step()
        path.append((x.item(), y.item()))
    return torch.tensor(path, dtype=dt)


plays = {
    "simultaneous gradient steps": gradient_play(alternating=False),
    "alternating gradient steps": gradient_play(alternating=True),
    "alternating Adam, beta1 = 0.9": adam_play(Adam, 0.9),
    "alternating Adam, beta1 = 0.5": adam_play(Adam, 0.5),
    "alternating, momentum -0.5": negative_momentum_play(-0.5),
}
radius = {name: path.norm(dim=1) for name, path in plays.items()}
print(f"distance from the equilibrium (0, 0), start {radius['alternating gradient steps'][0].item():.3f}:")
for name, r in radius.items():
    print(f"  {name:32s} after {STEPS} steps {r[-1].item():7.3f}   (smallest on the way {r.min().item():.3f})")
print()

# %% [markdown]
# ## Checks: the spiral's growth, and ganlab's Adam against torch's on the same game

# %%
growth = radius["simultaneous gradient steps"][1:] / radius["simultaneous gradient steps"][:-1]
L.check("simultaneous steps multiply the distance by sqrt(1 + lr^2) each step", growth,
        torch.full_like(growth, math.sqrt(1 + LR ** 2)), tol=1e-12)
for beta1 in (0.9, 0.5):
    L.check(f"ganlab's Adam plays the game as torch.optim.Adam does (beta1 = {beta1})",
            plays[f"alternating Adam, beta1 = {beta1}"], adam_play(torch.optim.Adam, beta1), tol=1e-10)
print()

fig, axes = plt.subplots(1, len(plays), figsize=(4.2 * len(plays), 4.6), constrained_layout=True)
for ax, (name, path) in zip(axes, plays.items()):
    ax.plot(path[:, 0], path[:, 1], linewidth=0.8)
    ax.plot(*START, "go", label="start")
    ax.plot(path[-1, 0], path[-1, 1], "rs", label=f"after {STEPS} steps")
    ax.plot(0, 0, "k+", markersize=12, label="equilibrium")
    ax.set(title=name, xlabel="x (minimizes xy)", aspect="equal")
    ax.legend(fontsize=7, loc="lower left")
axes[0].set_ylabel("y (maximizes xy)")
L.save(fig, "game_trajectories.png")
# %%
L.finish()
r"""The playground — play the GAN game by hand

The lessons built every piece of a GAN: the Linear layer, the activations, the games of
lesson 8 and 21, SGD and Adam (lesson 9), the D step and the G step (lesson 10). Here they
are yours to play with, one move at a time.

**The 2-D game** is lesson 11's toy GAN, live. Pick the data (a ring of 8 Gaussians, a
5 × 5 grid, two moons, a spiral, or your own points), the game (BCE with a saturating or
non-saturating G, least squares, hinge, Wasserstein with a gradient penalty), each
player's optimizer, rate and β₁ (SGD's momentum), how many D steps per G step, and the
networks. Then press **Step D** to move D alone, **Step G** to move G alone, **Step both**
for one round, or **Play**. What you see:

- the background: D's output over the plane (blue: "real"), with the line where D is
  undecided (1/2 for BCE and least squares, 0 for hinge and Wasserstein);
- the orange lines: G's manifold, a grid of noise pushed through G;
- black dots: real points; orange dots: G's fakes;
- green arrows: on each fake, $-\partial \mathcal{L}_G / \partial x$, where G's loss
  pushes it (lesson 16): up D's slope, towards "real";
- on the right: the losses, D(x), D(G(z)), and the Jensen–Shannon divergence between the
  real and the fake points, $\log 2 \approx 0.69$ when they do not overlap, 0 when they match.

The game, the rates, the optimizers and D steps per G step change from the next step on;
the data, the networks and the seed take **Reset**. The presets load the failure modes of
lesson 14 with one click, each with a sentence on what to watch.

**The MNIST game** drives the MLP GAN of `ganlab train` on the offline 5,000-digit sample
with the same controls: the fixed-noise grid, what the evaluation classifier reads in it,
and the curves.

The widgets only press buttons: the game lives in `ganlab.lab.playground.game`
(`Game2D.step_d`, `step_g`, `step`, `reset`, `change`), which you can also call yourself.
"""
# %%
import torch

from ganlab.lab.playground.game import Settings
from ganlab.lab.playground.ui import Playground2D, PlaygroundDigits

torch.set_num_threads(2)

# %% [markdown]
# ## The 2-D game
#
# Start with **Play** on the ring: G's points find all 8 blobs in about 2,000 rounds. Then
# load **ring: mode collapse** and watch the same game go wrong.

# %%
playground = Playground2D()
playground.widget()

# %% [markdown]
# ## Your own points
#
# Any (N, 2) tensor, or a CSV file of two columns (`read_points("my_points.csv")`), is
# centred and scaled to fit the plane. Here, a heart:

# %%
t = torch.linspace(0, 2 * torch.pi, 400)
heart = torch.stack([16 * t.sin() ** 3, 13 * t.cos() - 5 * (2 * t).cos() - 2 * (3 * t).cos() - (4 * t).cos()], dim=1)
own = Playground2D(Settings(data="own"), own_points=heart)      # or own_points=read_points("my_points.csv")
own.widget()

# %% [markdown]
# ## The MNIST game
#
# The default recipe's networks on real digits, a step at a time (about 20 ms a round on
# two cores). The grid is drawn from 64 fixed noise vectors; the gold number on each is the
# digit the evaluation classifier reads. Try **Play** for 500 rounds, then switch to the
# saturating loss, or give D ten times G's rate.

# %%
digits = PlaygroundDigits()
digits.widget()

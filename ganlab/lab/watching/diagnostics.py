r"""Reading a run's health, layer by layer (``ganlab train --diagnostics``).

The loss curves of a GAN say little (lesson 17): both players can be stuck while their
losses look calm. What each layer of G and D does says more. At every log line this
measures, on a fixed probe batch and with both networks in evaluation mode (so that no
random number of the run is spent):

- **activations** of every hidden layer: their spread, and the share of **dead units**,
  units that are inactive for every image of the probe (a ReLU that outputs 0, a LeakyReLU
  on its negative slope). A layer with many dead units has stopped learning through them.
- **gradients** of every weight matrix, for D's loss and for G's loss in the run's own game
  (BCE with its label smoothing, least squares, hinge or Wasserstein; without the referee's
  augmentation and penalties): their size, $\log_{10}|g|$. Vanishing gradients show as a
  histogram sliding left.
- the **update-to-weight ratio** of every weight matrix over the step that was just
  taken, $\|\Delta W\| / \|W\|$. Around $10^{-3}$ is the usual rule of thumb for Adam; far
  below, the layer barely learns; far above, it is thrown about. A GAN's game can want more:
  ganlab's MLP, at learning rate $10^{-3}$, runs near $10^{-2}$ and draws better digits than at
  $2 \times 10^{-4}$ (docs/recipes.md#the-learning-rate).

``diagnostics.png`` draws the three, and ``diagnostics.json`` keeps the numbers.
"""
import json
from pathlib import Path

import torch

from ganlab.activations import LeakyReLU, ReLU
from ganlab.conditional import with_labels
from ganlab.linear import Linear


class Diagnostics:
    """Measures G and D of ``model`` on the probe ``x`` (real images), ``z`` and labels ``y``."""

    def __init__(self, model, x, z, y=None):
        self.model, self.x, self.z, self.y = model, x, z, y
        self.points = []                    # the numbers, one dict per measurement
        self.last = None                    # the last measurement's values, for the histograms
        self.before = None

    def before_step(self):
        """Keep a copy of every weight matrix, for the update ratio of the step about to be taken."""
        self.before = {name: W.detach().clone() for name, W in self.weights()}

    def after_step(self, step):
        """Measure, now that the step is taken."""
        ratios = {name: ((W.detach() - self.before[name]).norm() / self.before[name].norm()).item()
                  for name, W in self.weights()}
        G, D = self.model.G, self.model.D
        G.eval(), D.eval()
        try:
            acts = {f"G.{k}": v for k, v in hidden_activations(G, self.z, self.y).items()}
            acts.update({f"D.{k}": v for k, v in hidden_activations(D, self.x, self.y).items()})
            grads = self.gradients()
        finally:
            G.train(), D.train()
        self.points.append({
            "step": step,
            "update_ratio": ratios,
            "dead_units": {name: dead_share(a, kind) for name, (a, kind) in acts.items()},
            "activation_std": {name: a.std().item() for name, (a, _) in acts.items()},
            "grad_norm": {name: g.norm().item() for name, g in grads.items()},
        })
        self.last = {"activations": {name: a.flatten().cpu() for name, (a, _) in acts.items()},
                     "grad": {name: g.flatten().cpu() for name, g in grads.items()}}

    def weights(self):
        """(name, W) for every Linear layer's weight matrix of G and D, in order."""
        for net_name, net in (("G", self.model.G), ("D", self.model.D)):
            for i, layer in enumerate(net.layers):
                if isinstance(layer, Linear):                   # spectral norm's too: a Linear
                    yield f"{net_name}.{i}", layer.W

    def gradients(self):
        """∂L_D/∂W for D's matrices (reals vs G's fakes) and ∂L_G/∂W for G's, by autograd,
        for the losses of the game the run plays."""
        G, D, y, game = self.model.G, self.model.D, self.y, self.model.game
        fakes = G(self.z, y)                                # labels are ignored by an unconditional net
        logits_real, logits_fake, logits_gen = D(self.x, y), D(fakes.detach(), y), D(fakes, y)
        d_loss = game.real(logits_real) + game.fake(logits_fake)
        g_loss = game.g(logits_gen)
        weights = dict(self.weights())
        grads = {}
        for net, loss in (("G", g_loss), ("D", d_loss)):
            names = [n for n in weights if n.startswith(net)]
            grads.update(zip(names, torch.autograd.grad(loss, [weights[n] for n in names])))
        return grads

    def save(self, out_dir):
        """``diagnostics.json`` (the numbers, histograms of the last point) and ``diagnostics.png``."""
        if not self.points:
            return None
        out = Path(out_dir)
        (out / "diagnostics.json").write_text(json.dumps({"points": self.points}, indent=1))
        return plot(self.points, self.last, out / "diagnostics.png")


@torch.no_grad()
def hidden_activations(net, x, labels=None):
    """{"i": (output of activation layer i, its kind)} for one pass of ``net`` over ``x``."""
    if net.num_classes:
        x = with_labels(x, labels, net.num_classes)
    acts = {}
    for i, layer in enumerate(net.layers[:-1]):         # the last layer's output is the image or the logit
        x = layer(x)
        if isinstance(layer, (ReLU, LeakyReLU)):
            acts[str(i)] = (x, "relu" if isinstance(layer, ReLU) else "leaky")
    return acts


def dead_share(a, kind):
    """The share of units (columns of ``a``) that are inactive for every row: ≤ 0 after ReLU,
    on the negative slope (< 0) after LeakyReLU."""
    inactive = a <= 0 if kind == "relu" else a < 0
    return inactive.all(dim=0).double().mean().item()


def plot(points, last_values, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    last = {**points[-1], **last_values}
    fig, axes = plt.subplots(2, 3, figsize=(16, 8), constrained_layout=True)
    for row, net in enumerate(("G", "D")):
        ax = axes[row, 0]
        for name, values in last["activations"].items():
            if name.startswith(net):
                ax.hist(values, bins=60, histtype="step",
                        label=f"layer {name[2:]}: {last['dead_units'][name]:.0%} dead units")
        ax.set(title=f"{net}: hidden activations at step {last['step']}", xlabel="value", yscale="log")
        ax.legend(fontsize=8)
        ax = axes[row, 1]
        for name, g in last["grad"].items():
            if name.startswith(net):                      # exact zeros (from inactive units) have no log
                zero = (g == 0).double().mean().item()
                ax.hist(g[g != 0].abs().log10(), bins=60, histtype="step",
                        label=f"W of layer {name[2:]} ({zero:.0%} exactly 0)")
        ax.set(title=f"{net}: weight gradients of {'G' if net == 'G' else 'D'}'s loss at step {last['step']}",
               xlabel="log10 |gradient|")
        ax.legend(fontsize=8)
        ax = axes[row, 2]
        steps = [p["step"] for p in points]
        for name in last["update_ratio"]:
            if name.startswith(net):
                ax.plot(steps, [p["update_ratio"][name] for p in points], marker=".", label=f"W of layer {name[2:]}")
        ax.axhline(1e-3, color="gray", linestyle=":", label="1e-3, the usual rule of thumb")
        ax.set(title=f"{net}: update / weight, ||ΔW|| / ||W||", xlabel="step", yscale="log")
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)

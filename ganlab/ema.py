r"""The averaged generator: an exponential moving average of G's weights, for drawing samples.

$$\theta_{\text{ema}} \leftarrow d\,\theta_{\text{ema}} + (1 - d)\,\theta, \qquad
  d = \min\!\Big(\text{decay},\ \frac{1 + t}{10 + t}\Big)$$

G's weights wobble from step to step as the game goes on; their average wobbles less and
draws cleaner samples (Yazıcı et al. 2019). The warm-up $\frac{1+t}{10+t}$ keeps the early
average from lagging far behind G. Mirrors ``torch.optim.swa_utils.AveragedModel`` with
``get_ema_multi_avg_fn``, plus the warm-up. Batch norm's running statistics are G's own.
"""
import copy

import torch


def averaged_copy(G):
    """A copy of G to average into, only ever drawn from: in evaluation mode for good."""
    return copy.deepcopy(G).eval()


def ema_decay(decay, steps):
    """The averaging decay after ``steps`` steps: ``decay``, warmed up as (1 + t) / (10 + t)."""
    return min(decay, (1 + steps) / (10 + steps))


@torch.no_grad()
def update_average(G_ema, G, decay, steps):
    """θ_ema ← d·θ_ema + (1 - d)·θ for each of G's parameters; G's buffers copied as they are."""
    d = ema_decay(decay, steps)
    for p_ema, p in zip(G_ema.parameters(), G.parameters()):
        p_ema.lerp_(p, 1 - d)                                  # p_ema + (1 - d)(p - p_ema)
    for b_ema, b in zip(G_ema.buffers().values(), G.buffers().values()):
        b_ema.copy_(b)                                         # batch norm's statistics: G's own

r"""Lesson 5 — Binary cross-entropy, naive and stable

Goal: write the loss D is trained with, see where the textbook formula breaks, and fix it.

D outputs a probability p that its input is real; the target y is 1 (real) or 0 (fake):

    BCE(p, y) = -[ y log p + (1 - y) log(1 - p) ]         averaged over the batch

With p = sigmoid(l) for D's logit l, in float32 p rounds to exactly 1 once l > ~17, and
log(1 - p) = log 0 = -inf. torch.nn.BCELoss clamps each log at -100 to stay finite, so
the loss is capped and its gradient is no longer the true one. Rewriting the loss in
terms of the logit avoids forming p at all:

    BCE(sigmoid(l), y) = (1 - y) l - log sigmoid(l)        (torch.nn.BCEWithLogitsLoss)

-log sigmoid(l) = log(1 + e^-l) is the **softplus** of -l, softplus(t) = log(1 + e^t): a
smooth ReLU, close to 0 for t << 0 and close to t for t >> 0. It is computed without
overflow as max(t, 0) + log(1 + e^-|t|). For a fake (y = 0) the loss is l + softplus(-l) =
softplus(l), so a confident mistake of logit 40 costs 40, not infinity. Its gradient is
simply dBCE/dl = sigmoid(l) - y: prediction minus target.

You will see: both forms matching torch, the loss of a confident mistake computed both
ways (the naive one stuck at 100), and a plot of the two losses and gradients.
"""
import matplotlib.pyplot as plt
import torch
from torch import nn

from ganlab.lab.teaching import lesson
from ganlab.activations import sigmoid
from ganlab.losses import bce, bce_with_logits, bce_with_logits_backward

L = lesson.setup(__doc__, number=5)

# %% [markdown]
# ## 1. Both forms against torch, on ordinary logits

# %%
gen = torch.Generator().manual_seed(L.seed)
logits = torch.randn(100, 1, generator=gen) * 3                    # (B, 1), like D's output
targets = (torch.rand(100, 1, generator=gen) > 0.5).float()
L.check("bce matches nn.BCELoss", bce(sigmoid(logits), targets), nn.BCELoss()(torch.sigmoid(logits), targets), 1e-6)
L.check("bce_with_logits matches nn.BCEWithLogitsLoss", bce_with_logits(logits, targets),
        nn.BCEWithLogitsLoss()(logits, targets), 1e-6)
L.check("the two forms agree for moderate logits", bce(sigmoid(logits), targets), bce_with_logits(logits, targets), 1e-5)
lt = logits.clone().requires_grad_(True)
(autograd_grad,) = torch.autograd.grad(nn.BCEWithLogitsLoss()(lt, targets), lt)
L.check("dBCE/dl = (sigmoid(l) - y) / B matches autograd", bce_with_logits_backward(logits, targets), autograd_grad, 1e-8)
# autograd through ganlab's own bce_with_logits, which calls log σ's hand-written derivative
lo = logits.clone().requires_grad_(True)
(ours_grad,) = torch.autograd.grad(bce_with_logits(lo, targets), lo)
L.check("autograd through ganlab's bce_with_logits matches torch's", ours_grad, autograd_grad, 1e-8)
print()

# %% [markdown]
# ## 2. A confident mistake: D says "real" with logit 40 about a fake

# %%
l = torch.tensor([[40.0]])
zero = torch.zeros_like(l)
naive, stable = bce(sigmoid(l), zero).item(), bce_with_logits(l, zero).item()
L.say(f"""
    sigmoid(40) in float32 = {sigmoid(l).item()!r}  (exactly 1: log(1 - p) = log 0)
    naive BCE  = {naive:.4f}   <- the -100 clamp, not the truth
    stable BCE = {stable:.4f}  <- softplus(40) = 40.0000000000000...
""")
L.check("the stable loss of a logit-40 mistake is 40", stable, 40.0, tol=1e-5)
L.check("the naive loss is stuck at the clamp (100), as nn.BCELoss's is", naive,
        nn.BCELoss()(torch.sigmoid(l), zero).item(), tol=1e-5)

# %% [markdown]
# ## 3. The picture: loss and gradient against the logit, target y = 0

# %%
ls = torch.linspace(-30, 120, 601).unsqueeze(1)
ys = torch.zeros_like(ls)
naive_loss = torch.stack([bce(sigmoid(v), torch.zeros_like(v)) for v in ls.split(1)])
stable_loss = torch.stack([bce_with_logits(v, torch.zeros_like(v)) for v in ls.split(1)])
lv = ls.clone().requires_grad_(True)
naive_grad = torch.stack([torch.autograd.grad(bce(sigmoid(v), torch.zeros_like(v)), v)[0]
                          for v in lv.split(1)]).squeeze()                 # autograd through the naive form
fig, axes = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
axes[0].plot(ls, stable_loss, label="stable: (1 - y) l - log sigmoid(l)")
axes[0].plot(ls, naive_loss, "--", label="naive: -log(1 - sigmoid(l)), clamped")
axes[0].set(xlabel="logit l (target y = 0)", ylabel="loss",
            title="The naive loss jumps to its clamp (100)\nonce sigmoid(l) rounds to 1")
axes[0].legend()
axes[1].plot(ls, sigmoid(ls) - ys, label="stable gradient: sigmoid(l) - y")
axes[1].plot(ls, naive_grad, "--", label="naive gradient (autograd), 0 past the clamp")
axes[1].set(xlabel="logit l (target y = 0)", ylabel="dBCE/dl",
            title="The naive gradient vanishes on a confident mistake;\nthe stable one stays at 1")
axes[1].legend()
L.save(fig, "bce_naive_vs_stable.png")
l100 = torch.tensor([[100.0]], requires_grad=True)
(torch_naive,) = torch.autograd.grad(nn.BCELoss()(torch.sigmoid(l100), torch.zeros(1, 1)), l100)
L.check("the naive gradient for a confident mistake (l = 100) is torch's: 0", naive_grad[ls.squeeze() == 100],
        torch_naive, tol=0)
L.check("the stable gradient there is sigmoid(100) - 0 = 1, as torch's", (sigmoid(ls) - ys)[ls == 100],
        torch.sigmoid(torch.tensor(100.0)), tol=1e-7)

# %% [markdown]
# *Loss and gradient of a fake (target 0) against D's logit: the naive loss flattens at the clamp, the stable one keeps growing.*

# %%
L.finish()
r"""Lesson 6 — The discriminator

Goal: build D and train it alone, on a task with a known answer: tell real digits from noise.

D maps an image x (784 pixels) to one logit l; sigmoid(l) is its probability that x is
real. Training D means lowering

    BCE(D(x_real), 1) + BCE(D(x_noise), 0)

with the stable BCE on logits and Adam. Adam is built in lesson 9; until then, read
`opt.step(grads)` as "move each weight a small step against its gradient" (gradient
descent, W <- W - lr * dL/dW, with the gradients of lesson 4), only with a step size
that Adam adapts per weight. Nothing adversarial yet: the "fakes" here are
uniform noise and do not fight back, so D should quickly become certain.

You will see: D's accuracy and its mean outputs D(x) and D(noise) as it trains, the
matching nn.Module discriminator giving the same first-step loss, and a plot of training.
"""
import matplotlib.pyplot as plt
import torch

from ganlab.lab.teaching import lesson
from ganlab.activations import sigmoid
from ganlab.lab.training.data import batches, load_dataset
from ganlab.losses import bce_with_logits
from ganlab.models import Discriminator
from ganlab.optim import Adam
from ganlab.reference.twin import twin_discriminator

L = lesson.setup(__doc__, number=6)
images = load_dataset("mnist-sample", device=L.device).images           # (4000, 784)
D = Discriminator(device=L.device)
opt = Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))

# %% [markdown]
# ## 1. The same loss as the nn twin's

# %%
# The nn twin of D gives the same loss on the same batch, from the same weights.
twin = twin_discriminator().to(L.device)
twin.load_state_dict(D.state_dict())
x0 = images[:100]
noise0 = torch.rand(100, 784, device=L.device) * 2 - 1
ours = bce_with_logits(D(x0), 1.0) + bce_with_logits(D(noise0), 0.0)
theirs = torch.nn.BCELoss()(twin(x0), torch.ones(100, 1, device=L.device)) + \
    torch.nn.BCELoss()(twin(noise0), torch.zeros(100, 1, device=L.device))
L.check("first loss matches the nn.Module discriminator with BCELoss", ours, theirs, tol=1e-5)

# %% [markdown]
# ## 2. D alone: real digits against noise

# %%
steps = 100 if L.quick else 500
history = []
step = 0
while step < steps:
    for x_real in batches(images, 100, seed=L.seed, epoch=step):
        x_noise = torch.rand(100, 784, device=L.device) * 2 - 1        # the "fakes": uniform noise
        logits_real, logits_noise = D(x_real), D(x_noise)               # (100, 1) each
        loss = bce_with_logits(logits_real, 1.0) + bce_with_logits(logits_noise, 0.0)
        opt.step(torch.autograd.grad(loss, D.parameters()))
        with torch.no_grad():
            accuracy = ((logits_real > 0).float().mean() + (logits_noise < 0).float().mean()) / 2
            history.append((loss.item(), sigmoid(logits_real).mean().item(),
                            sigmoid(logits_noise).mean().item(), accuracy.item()))
        step += 1
        if step % 25 == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}  D(x) {history[-1][1]:.3f}  "
                  f"D(noise) {history[-1][2]:.3f}  accuracy {accuracy.item():.0%}")
        if step == steps:
            break
print()

# %% [markdown]
# ## 3. What D learned

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot([h[1] for h in history], label="D(x), real digits")
ax.plot([h[2] for h in history], label="D(noise)")
ax.plot([h[3] for h in history], ":", label="accuracy")
ax.set(xlabel="step", ylim=(0, 1.02), title="D alone learns to tell digits from noise")
ax.legend()
L.save(fig, "discriminator_alone.png")
L.check("D separates digits from noise (accuracy 1)", history[-1][3], 1.0, tol=0.02)

# %% [markdown]
# *D's loss, accuracy and mean outputs while it learns to tell digits from noise.*

# %%
L.finish()
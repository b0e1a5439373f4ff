"""Exercise 4: ``d_loss`` and ``g_loss`` against torch's BCE on logits, against the labels 1 and 0."""
import torch
import torch.nn.functional as F

from ganlab.lab.exercises.checks import DT, randn
from ganlab.lab.exercises.grader import Case, Task


def bce(logits, label):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))


def col(*values):
    return torch.tensor(values, dtype=DT).reshape(-1, 1)


D_CASES = [
    Case("batch of 6, logits ~ N(0, 2²)", dict(logits_real=randn(6, 1, seed=1, scale=2.0), logits_fake=randn(6, 1, seed=2, scale=2.0))),
    Case("D certain, logits ±1000", dict(logits_real=col(1000.0, -1000.0, 40.0), logits_fake=col(-1000.0, 1000.0, -40.0))),
]
G_CASES = [
    Case("batch of 6, logits ~ N(0, 2²)", dict(logits_fake=randn(6, 1, seed=2, scale=2.0))),
    Case("D certain, logits ±1000", dict(logits_fake=col(-1000.0, 1000.0, -40.0))),
]
UNSTABLE = ("log σ(ℓ) computed as log(sigmoid(ℓ)) is -inf once σ(ℓ) rounds to 0: use "
            "log σ(ℓ) = -softplus(-ℓ) and log(1 - σ(ℓ)) = -softplus(ℓ)")

TASKS = [
    Task("d_loss", D_CASES, lambda logits_real, logits_fake: bce(logits_real, 1.0) + bce(logits_fake, 0.0),
         differentiable=True, unstable=UNSTABLE,
         mistakes=[
             ("the labels are swapped: real images are labelled 1, G's fakes 0",
              lambda logits_real, logits_fake: bce(logits_real, 0.0) + bce(logits_fake, 1.0)),
             ("the two BCE terms add up: their sum, not their average",
              lambda logits_real, logits_fake: (bce(logits_real, 1.0) + bce(logits_fake, 0.0)) / 2),
             ("that is V itself; D maximizes V, so its loss is -V",
              lambda logits_real, logits_fake: -(bce(logits_real, 1.0) + bce(logits_fake, 0.0))),
         ]),
    Task("g_loss", G_CASES, lambda logits_fake: bce(logits_fake, 1.0), differentiable=True, unstable=UNSTABLE,
         mistakes=[
             ("that is the saturating loss, mean log(1 - D(G(z))); the non-saturating one is -mean log D(G(z))",
              lambda logits_fake: -bce(logits_fake, 0.0)),
             ("that is D's loss on the fakes (label 0); G trains its fakes against the label 1",
              lambda logits_fake: bce(logits_fake, 0.0)),
             ("wrong sign: G maximizes log D(G(z)), so it minimizes -log D(G(z))",
              lambda logits_fake: -bce(logits_fake, 1.0)),
         ]),
]

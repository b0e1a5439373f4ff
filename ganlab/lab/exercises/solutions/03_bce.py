r"""Exercise 3 — Binary cross-entropy, naive and stable, and its gradient (lesson 5)

Write the bodies of the three functions below, then grade them: run this file, or
`ganlab check 3 <this file>`. Each is checked against torch in float64, including edge
values: probabilities of exactly 0 and 1, and logits of ±1000.
"""
import torch


def bce(p, y):
    r"""BCE = mean over all elements of  -[y log p + (1 - y) log(1 - p)]   (nn.BCELoss)

    p: (N, 1) probabilities in [0, 1] (D's sigmoid outputs); y: (N, 1) targets in [0, 1].
    returns a 0-dim tensor.

    At p = 0 or 1 one log is -inf; torch's BCELoss clamps each log at -100, so do that too.
    Hint: tensor.clamp(min=-100).
    Not allowed: torch.nn.functional.binary_cross_entropy.
    """
    log_p = torch.log(p).clamp(min=-100)
    log_1mp = torch.log(1 - p).clamp(min=-100)
    return -(y * log_p + (1 - y) * log_1mp).mean()


def bce_with_logits(logits, y):
    r"""BCE(σ(ℓ), y) computed from the logit ℓ, finite for any ℓ   (nn.BCEWithLogitsLoss)

    Since log σ(ℓ) = -log(1 + e^{-ℓ}) and log(1 - σ(ℓ)) = -ℓ - log(1 + e^{-ℓ}):
        BCE = mean of  max(ℓ, 0) - ℓ y + log(1 + e^{-|ℓ|})

    logits: (N, 1); y: (N, 1) targets in [0, 1]. returns a 0-dim tensor.

    Hint: torch.log1p(t) is log(1 + t), accurate for small t; e^{-|ℓ|} never overflows.
    Not allowed: torch.nn.functional.binary_cross_entropy_with_logits.
    """
    return (logits.clamp(min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()


def bce_with_logits_grad(logits, y):
    r"""d BCE / d ℓ, by hand: the sigmoid's derivative cancels the log's, leaving

        dBCE/dℓ = (σ(ℓ) - y) / N          N = the number of elements averaged over

    logits: (N, 1); y: (N, 1). returns a tensor shaped like logits.

    Hint: torch.sigmoid is allowed here.
    """
    return (torch.sigmoid(logits) - y) / logits.numel()


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(3, __file__))

r"""Exercise 7 — One full GAN step by hand (lessons 10 and 16)

Write the body of the function below with ganlab's hand-written backward passes (no
autograd), then grade it: run this file, or `ganlab check 7 <this file>`. It runs three
steps of your function on small networks, and the same three steps of an nn.Module GAN
with autograd and torch.optim.Adam; every weight must agree, in float64.

What ganlab gives you (lessons 2 to 9):
    G(z), D(x)                    forward passes; D returns logits (B, 1)
    D.backward(g, param_grads=True, input_grad=True)
                                  given g = dL/d(output), adds dL/dW to each weight's .grad
                                  (unless param_grads=False) and returns dL/d(input)
                                  (None when input_grad=False)
    G.backward(g, input_grad=False)   the same for G
    G.zero_grad(), D.zero_grad()  forget the gradients stored in .grad
    opt_G.step(), opt_D.step()    one Adam step from the gradients in .grad
    bce_with_logits(logits, y), bce_with_logits_backward(logits, y)   BCE and dBCE/dℓ
"""
import torch

from ganlab.losses import bce_with_logits, bce_with_logits_backward


def gan_step(G, D, opt_G, opt_D, x_real, z_d, z_g):
    r"""One round of the game: D's step, then G's step. Returns (d_loss, g_loss).

    D step, G fixed:  L_D = BCE(D(x_real), 1) + BCE(D(G(z_d)), 0)
    G step, D fixed, on fresh noise:  L_G = BCE(D(G(z_g)), 1)     (non-saturating)

    x_real: (B, image); z_d, z_g: (B, latent), the noise of each step.
    returns the two losses as 0-dim tensors.

    Hint: gradients add up in .grad until zeroed; D must not move in G's step; D.backward
    reads the activations of D's last forward pass.
    """
    ones = torch.ones(len(x_real), 1, dtype=x_real.dtype)
    zeros = torch.zeros_like(ones)

    # D step. The fakes are data here: nothing flows back into G. D.backward reads what
    # D's last forward pass kept, so reals and fakes go through D together, once.
    x_fake = G(z_d)                                                      # (B, image)
    logits_real, logits_fake = D(torch.cat([x_real, x_fake])).split(len(x_real))
    d_loss = bce_with_logits(logits_real, ones) + bce_with_logits(logits_fake, zeros)
    grad_logits = torch.cat([bce_with_logits_backward(logits_real, ones),
                             bce_with_logits_backward(logits_fake, zeros)])   # (2B, 1)
    D.zero_grad()
    D.backward(grad_logits, input_grad=False)
    opt_D.step()

    # G step: through the updated D, whose own weights get no gradient
    x_gen = G(z_g)
    logits_gen = D(x_gen)
    g_loss = bce_with_logits(logits_gen, ones)
    grad_x = D.backward(bce_with_logits_backward(logits_gen, ones), param_grads=False)
    G.zero_grad()
    G.backward(grad_x, input_grad=False)
    opt_G.step()
    return d_loss, g_loss


if __name__ == "__main__":             # python this_file.py grades it
    from ganlab.lab.exercises import check_file
    raise SystemExit(check_file(7, __file__))

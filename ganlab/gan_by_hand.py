r"""The same GAN step with every gradient written by hand: no autograd anywhere.

Each layer of G and D has a ``backward`` that turns ∂L/∂(its output) into ∂L/∂(its input)
and fills its parameters' ``.grad`` (lesson 4); the game has each loss's ∂L/∂ℓ beside the
loss itself (``ganlab.objective``). Chained, they give autograd's gradients
(``tests/test_gan.py`` checks it in float64):

- **D step**: ∂L_D/∂ℓ for each batch D judged, back through D to its weights;
- **G step**: ∂L_G/∂ℓ back through D (whose own gradients are not needed) to the images,
  back through the augmentation, then through G to its weights.

The gradient penalties take a gradient of a gradient, which is not written by hand here:
``ganlab.lab.training.config.validate`` refuses them with this backend.
"""
import torch

from ganlab.gan import GAN


class HandWrittenGAN(GAN):
    """``GAN`` whose ``d_step`` and ``g_step`` chain the hand-written backward passes."""

    @torch.no_grad()                # nothing here is for autograd to record
    def play(self, *inputs):
        return super().play(*inputs)

    def d_step(self, x_real, z_d, y_real=None, y_d=None, y_wrong=None):
        # The loss is a sum of means over the batches, so its gradient with respect to all
        # of D's logits is each batch's own gradient, side by side.
        x_fake = self.G(z_d, y_d)                                   # (B, 784)
        batches = [(x_real, y_real), (x_fake, y_d)] + ([(x_real, y_wrong)] if y_wrong is not None else [])
        self.D.zero_grad()
        if self.D.batch_dependent:     # D's answers depend on the batch: one pass each
            seen = self.referee.see(torch.cat([x for x, _ in batches])).split(len(x_real))
            logits = []
            for i, (x, (_, y)) in enumerate(zip(seen, batches)):
                logits.append(self.D(x, y))                         # (B, 1)
                self.D.backward(self.d_loss_grad(i, logits[-1], len(batches)), input_grad=False)
        else:
            logits, _ = self.judge(batches)                         # one forward pass of 2B (or 3B)
            grad_logits = torch.cat([self.d_loss_grad(i, l, len(logits)) for i, l in enumerate(logits)])
            self.D.backward(grad_logits, input_grad=False)          # the images are data: no ∂L/∂x
        stats = self.d_stats(self.d_loss(logits), logits)
        self.opt_D.step()
        return stats

    def g_step(self, z_g, y_g=None):
        x_gen = self.G(z_g, y_g)                                    # (B, 784)
        logits_gen = self.D(self.referee.see(x_gen), y_g)           # (B, 1)
        grad_x = self.D.backward(self.game.g_grad(logits_gen), param_grads=False)
        if self.referee.augment:
            grad_x = self.referee.augment.backward(grad_x)
        self.G.zero_grad()
        self.G.backward(grad_x, input_grad=False)                   # z is noise: no ∂L/∂z
        self.opt_G.step()
        return self.game.g(logits_gen)

    def d_loss_grad(self, i, logits, n_batches):
        """∂(``d_loss``)/∂ℓ for the logits of batch ``i`` of ``n_batches`` (0 = the reals)."""
        if i == 0:
            return self.game.real_grad(logits)
        return self.fake_weights(n_batches)[i - 1] * self.game.fake_grad(logits)

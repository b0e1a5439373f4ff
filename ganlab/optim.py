r"""Optimizers from tensor ops: SGD with momentum, and Adam.

Each one reads ``p.grad`` for every parameter ``p`` (Adam can also be handed the
gradients directly) and updates ``p`` in place under ``torch.no_grad()`` (the update
itself must not be recorded by autograd). The arithmetic follows ``torch.optim.SGD``
and ``torch.optim.Adam`` step for step, so the two agree to float rounding.
"""
import torch


class SGD:
    r"""$v \leftarrow \mu v + g$, $\ \theta \leftarrow \theta - \eta v$ (plain SGD when $\mu = 0$).

    ``lr`` is $\eta$, ``momentum`` is $\mu$; with ``weight_decay`` $\lambda$ the gradient
    becomes $g + \lambda\theta$. Mirrors ``torch.optim.SGD`` (no dampening, no Nesterov).
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity = [None] * len(self.params)

    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                # torch starts the momentum buffer at the first gradient itself
                v = g.clone() if self.velocity[i] is None else self.velocity[i].mul_(self.momentum).add_(g)
                self.velocity[i] = v
                g = v
            p.sub_(self.lr * g)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def state_dict(self):
        return {"velocity": [v for v in self.velocity]}

    def load_state_dict(self, state):
        self.velocity = [None if v is None else v.clone() for v in state["velocity"]]


class Adam:
    r"""Adam: momentum on the gradient and on its square, with bias correction.

    $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$$
    $$\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
      \theta_t = \theta_{t-1} - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}$$

    ``lr`` is $\eta$, ``betas`` is $(\beta_1, \beta_2)$, ``eps`` is $\epsilon$. With
    ``weight_decay`` $\lambda$ the gradient becomes $g + \lambda\theta$ (L2, as in
    ``torch.optim.Adam``, not AdamW). Mirrors ``torch.optim.Adam``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, tuple(betas), eps, weight_decay
        self.t = torch.zeros((), dtype=torch.float64, device=self.params[0].device)   # steps taken
        self.m = [torch.zeros_like(p) for p in self.params]   # first moment, like each p
        self.v = [torch.zeros_like(p) for p in self.params]   # second moment
        self.bias1 = self.bias2_sqrt = None                   # set by count_step, for the step being taken

    def step(self, grads=None):
        """One Adam step: count it, then update every parameter (``grads`` as in ``update``)."""
        self.count_step()
        self.update(grads)

    @torch.no_grad()
    def count_step(self):
        r"""$t \leftarrow t + 1$, and the bias corrections $1-\beta_1^t$ and $\sqrt{1-\beta_2^t}$ for it.

        They are 0-dim tensors on the parameters' device: counting never reads a number back
        to the host, so a GPU never waits for it, and a compiled step (which takes them as
        inputs) is the same graph whatever t is.
        """
        beta1, beta2 = self.betas
        self.t += 1
        dtype = self.params[0].dtype            # t counts in float64; the factors join the update in θ's dtype
        self.bias1 = (1 - beta1 ** self.t).to(dtype)                     # 1 - β1^t
        self.bias2_sqrt = (1 - beta2 ** self.t).sqrt().to(dtype)         # sqrt(1 - β2^t)

    @torch.no_grad()
    def update(self, grads=None):
        """Update every parameter from ``grads`` (one per parameter, in order), or else from
        each ``p.grad``, with the bias corrections of the step counted last."""
        beta1, beta2 = self.betas
        # torch._foreach_op(tensors, ...) applies op to every tensor of a list in one call:
        # the same arithmetic as a Python loop over the parameters, one line per formula,
        # without paying Python's overhead once per tensor (12 tensors in a GAN's D and G).
        params, m, v = self.params, self.m, self.v
        g = [p.grad for p in params] if grads is None else list(grads)
        if self.weight_decay:
            g = torch._foreach_add(g, params, alpha=self.weight_decay)   # g + λθ
        torch._foreach_lerp_(m, g, 1 - beta1)                           # m = β1 m + (1 - β1) g
        torch._foreach_mul_(v, beta2)
        torch._foreach_addcmul_(v, g, g, value=1 - beta2)               # v = β2 v + (1 - β2) g²
        d = torch._foreach_sqrt(v)
        torch._foreach_div_(d, self.bias2_sqrt)
        torch._foreach_add_(d, self.eps)                                # sqrt(v̂) + ε
        # θ -= η m̂ / (sqrt(v̂) + ε) is θ += m / d with d = -(sqrt(v̂) + ε)(1 - β1^t)/η:
        # addcdiv takes its factor only as a Python number, and here 1 - β1^t is a tensor
        torch._foreach_mul_(d, -self.bias1 / self.lr)
        torch._foreach_addcdiv_(params, m, d)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def state_dict(self):
        return {"t": int(self.t), "m": [m.clone() for m in self.m], "v": [v.clone() for v in self.v]}

    def load_state_dict(self, state):
        if len(state["m"]) != len(self.params):
            raise ValueError("optimizer state does not match the model's parameters")
        self.t.fill_(int(state["t"]))
        for own, saved in zip(self.m + self.v, state["m"] + state["v"]):
            own.copy_(saved)

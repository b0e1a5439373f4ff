r"""Optimizers from tensor ops: SGD with momentum, and Adam.

Each one's ``step`` takes the gradients, one per parameter in order (what
``torch.autograd.grad`` returns), or else reads each ``p.grad``, where a hand-written
backward pass leaves it; and it updates every ``p`` in place under ``torch.no_grad()``
(the update itself must not be recorded by autograd). The arithmetic follows ``torch.optim.SGD``
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
    def step(self, grads=None):
        """One step for every parameter, from ``grads`` (one per parameter, in order) or else from each ``p.grad``."""
        grads = [p.grad for p in self.params] if grads is None else list(grads)
        for i, (p, g) in enumerate(zip(self.params, grads)):
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
        self.t = 0                                            # steps taken
        self.m = [torch.zeros_like(p) for p in self.params]   # first moment, like each p
        self.v = [torch.zeros_like(p) for p in self.params]   # second moment

    @torch.no_grad()
    def step(self, grads=None):
        """One Adam step for every parameter, from ``grads`` (one per parameter, in order)
        or else from each ``p.grad``."""
        beta1, beta2 = self.betas
        lr, eps = self.lr, self.eps
        grads = [p.grad for p in self.params] if grads is None else list(grads)
        self.t += 1
        t = self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if self.weight_decay:
                g = g + self.weight_decay * p                 # g + λθ
            m.lerp_(g, 1 - beta1)                             # m = β1 m + (1 - β1) g
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)     # v = β2 v + (1 - β2) g²
            m_hat = m / (1 - beta1 ** t)                      # m̂ = m / (1 - β1^t)
            v_hat = v / (1 - beta2 ** t)                      # v̂ = v / (1 - β2^t)
            p -= lr * m_hat / (v_hat.sqrt() + eps)            # θ = θ - η m̂ / (√v̂ + ε)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def state_dict(self):
        return {"t": int(self.t), "m": [m.clone() for m in self.m], "v": [v.clone() for v in self.v]}

    def load_state_dict(self, state):
        if len(state["m"]) != len(self.params):
            raise ValueError("optimizer state does not match the model's parameters")
        self.t = int(state["t"])
        for own, saved in zip(self.m + self.v, state["m"] + state["v"]):
            own.copy_(saved)

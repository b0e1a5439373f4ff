"""The smallest possible layer interface, shared by every building block.

A layer is called on a batch (``forward``), can pass a gradient back through
itself (``backward``), and lists the tensors it learns (``parameters``). Like an
``nn.Module`` it is in training mode until told otherwise (``eval()``): only the layers
that behave differently while training (dropout, spectral norm's power iteration) read it.
Nothing more: no hooks, no registration, no magic.
"""


class Layer:
    training = True

    def train(self, mode=True):
        """Training mode (``mode=True``) or evaluation mode; returns the layer, as ``nn.Module.train``."""
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_y, param_grads=True, input_grad=True):
        """Return ∂L/∂x given ∂L/∂y; with ``param_grads`` also add ∂L/∂θ to each ``θ.grad``.

        Every layer takes the same arguments. ``input_grad=False`` says nobody needs ∂L/∂x
        (the input is data or noise): a layer may then skip computing it and return None.
        """
        raise NotImplementedError

    def parameters(self):
        return []

    def named_parameters(self):
        """The learned tensors by the names ``torch.nn`` gives them (``"weight"``, ``"bias"``)."""
        return {}

    def buffers(self):
        """State that is saved with the model but not learned by gradient descent, by name."""
        return {}

"""The smallest possible layer interface, shared by every building block.

A layer is called on a batch (``forward``), can pass a gradient back through
itself (``backward``), and lists the tensors it learns (``parameters``).
Nothing more: no hooks, no registration, no magic.
"""


class Layer:
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

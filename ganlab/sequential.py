"""A stack of layers applied one after another: the multilayer perceptron (MLP).

Forward runs the layers in order; backward runs them in reverse, each turning
∂L/∂(its output) into ∂L/∂(its input). ``state_dict`` names parameters the way
``torch.nn.Sequential`` of ``nn.Linear`` does (``"0.weight"``, ``"0.bias"``, ...),
so a ganlab model and its ``nn.Module`` twin exchange weights directly.
"""
import torch

from ganlab.layer import Layer


class Sequential(Layer):
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_y, param_grads=True, input_grad=True):
        """Backpropagate ∂L/∂output to ∂L/∂input, filling each parameter's ``.grad``.

        ``param_grads=False`` passes the gradient through without touching the
        parameters: the generator step needs ∂L/∂x through D, not D's own gradients.
        ``input_grad=False`` stops at the first layer's parameters, skipping ∂L/∂input
        (a large matrix multiply) when the input is data or noise, and returns None.
        """
        first, *rest = self.layers
        for layer in reversed(rest):
            grad_y = layer.backward(grad_y, param_grads)
        return first.backward(grad_y, param_grads, input_grad)

    def train(self, mode=True):
        """Every layer into training (or evaluation) mode, as ``nn.Sequential.train``."""
        self.training = mode
        for layer in self.layers:
            layer.train(mode)
        return self

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def state_dict(self):
        """Parameters (and buffers, such as spectral norm's u and v) by name, as copies."""
        return {name: p.detach().clone() for name, p in self.named_tensors().items()}

    def load_state_dict(self, state):
        """Copy tensors in place; a missing key or a wrong shape raises ``ValueError``."""
        own = self.named_tensors()
        if set(state) != set(own):
            raise ValueError(f"state dict keys {sorted(state)} do not match the model's {sorted(own)}")
        for name, tensor in state.items():
            if tuple(tensor.shape) != tuple(own[name].shape):
                raise ValueError(f"{name}: checkpoint shape {tuple(tensor.shape)} "
                                 f"does not match the model's {tuple(own[name].shape)}")
        with torch.no_grad():
            for name, tensor in state.items():
                own[name].copy_(tensor)

    def named_parameters(self):
        """``{"0.weight": W, "0.bias": b, ...}``: each layer's parameters under its index."""
        return {f"{i}.{name}": p for i, layer in enumerate(self.layers)
                for name, p in layer.named_parameters().items()}

    def buffers(self):
        """Every layer's buffers under its index (``"0.u"``, ``"1.running_mean"``, ...)."""
        return {f"{i}.{name}": t for i, layer in enumerate(self.layers) for name, t in layer.buffers().items()}

    def named_tensors(self):
        """``named_parameters`` and ``buffers``: all a model's state."""
        return self.named_parameters() | self.buffers()

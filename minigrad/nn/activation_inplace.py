"""The in-place activation functions of ``torch.nn.functional``: ``relu_``, ``elu_``,
``leaky_relu_``, ``hardtanh_``, ``celu_``, ``selu_``, ``rrelu_``, ``threshold_``.

Each computes its out-of-place twin and writes the result into the input's memory through
the Tensor in-place machinery (``ops.elementwise_more.inplace`` and so
``Tensor._check_inplace``): the write bumps the memory's version, so a backward that saved
the old values fails loudly instead of using overwritten ones, and with grad mode on a tensor
that requires grad is refused (minigrad does not record in-place ops in the graph, PyTorch
does). Use them under ``no_grad`` or on tensors outside the graph; in a model, the
out-of-place functions (or layers with their ``inplace`` flag, which return a new tensor)
give the same values with gradients.
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops import activation_basic
from ..ops.activation import elu, hardtanh, selu, threshold
from ..ops.activation_more import celu, rrelu
from ..ops.elementwise_more import inplace as _inplace_method
from ..tensor import Tensor


def inplace(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The in-place function ``name``: the Tensor method's machinery, after checking the input
    is a Tensor (a list would fail with an AttributeError not naming the function)."""
    method = _inplace_method(fn, name)

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        return method(input, *args, **kwargs)

    function.__name__ = name
    return function


relu_ = inplace(activation_basic.relu, "relu_")
relu_.__doc__ = "In-place max(x, 0)."
elu_ = inplace(elu, "elu_")
elu_.__doc__ = "In-place elu(input, alpha=1.0)."
leaky_relu_ = inplace(activation_basic.leaky_relu, "leaky_relu_")
leaky_relu_.__doc__ = "In-place leaky_relu(input, negative_slope=0.01)."
hardtanh_ = inplace(hardtanh, "hardtanh_")
hardtanh_.__doc__ = "In-place hardtanh(input, min_val=-1.0, max_val=1.0)."
celu_ = inplace(celu, "celu_")
celu_.__doc__ = "In-place celu(input, alpha=1.0)."
selu_ = inplace(selu, "selu_")
selu_.__doc__ = "In-place selu(input)."
rrelu_ = inplace(rrelu, "rrelu_")
rrelu_.__doc__ = "In-place rrelu(input, lower=1/8, upper=1/3, training=False)."
threshold_ = inplace(threshold, "threshold_")
threshold_.__doc__ = "In-place threshold(input, threshold, value)."

__all__ = ["relu_", "elu_", "leaky_relu_", "hardtanh_", "celu_", "selu_", "rrelu_",
           "threshold_"]

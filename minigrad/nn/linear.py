"""``Linear``: y = x W^T + b, the fully connected layer, and its functional form ``linear``."""
from __future__ import annotations

from typing import Any

from ..creation import empty
from ..errors import ShapeError
from ..ops.broadcast import broadcast_shapes
from ..ops.affine import Affine
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x W^T + b over the last dimension of ``input``; leading dimensions are batch dimensions."""
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if not isinstance(value, Tensor) and not (name == "bias" and value is None):
            raise TypeError(f"linear: expected a Tensor {name}, got {type(value).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: input of shape {tuple(input.shape)} does not match weight of "
                         f"shape {tuple(weight.shape)}: the last input dimension must be "
                         f"in_features={weight.shape[1]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        _check_bias(tuple(bias.shape), tuple(input.shape[:-1]) + (weight.shape[0],))
    if input.dtype == weight.dtype and (bias is None or bias.dtype == input.dtype):
        return Affine.apply(input, weight, bias)  # one op; minigrad/ops/affine.py
    # Mixed dtypes: matmul's promotion rules, then the bias.
    if input.ndim > 2:
        # One 2-D product for every leading dimension: a cheaper backward than a batched matmul.
        lead = input.shape[:-1]
        out = input.reshape(-1, input.shape[-1]) @ weight.T
        out = out.reshape(lead + (weight.shape[0],))
    else:
        out = input @ weight.T
    return out if bias is None else out + bias


def _check_bias(bias: tuple, out: tuple) -> None:
    """A bias other than (out_features,) must still broadcast to the output, as in PyTorch."""
    try:
        fits = broadcast_shapes("linear", bias, out) == out
    except ShapeError:
        fits = False
    if not fits:
        raise ShapeError(f"linear: bias of shape {bias} does not broadcast to the output shape "
                         f"{out}")


class Linear(Module):
    """Fully connected layer; weights start as PyTorch's do (Kaiming uniform with a = sqrt(5))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {value!r}")
        dtype = parameter_dtype(dtype, "Linear")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)) for both weight and bias."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"Linear: expected a Tensor input, got {type(input).__name__}")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ShapeError(f"Linear expected input with last dimension {self.in_features} "
                             f"(in_features), got input of shape {tuple(input.shape)}")
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

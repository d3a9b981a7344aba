"""``Bilinear``: y = x1^T A x2 + b for every output feature, and its functional form ``bilinear``
(a learned interaction between two inputs, e.g. in relation and attention scorers)."""
from __future__ import annotations

import math
from typing import Any

from ..creation import empty
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o], with W of shape
    (out, in1, in2). Computed as one product x1 @ W (all outputs at once) and a
    multiply-and-sum with x2, so gradients of any order come from matmul, mul and sum."""
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear: expected {name} to be a Tensor, got {type(t).__name__}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-D (out_features, in1_features, "
                           f"in2_features), got shape {tuple(weight.shape)}")
    if input1.ndim != input2.ndim or input1.ndim == 0:
        raise RuntimeError(f"bilinear: input dimensions do not match: got input1 of shape "
                           f"{tuple(input1.shape)} and input2 of shape {tuple(input2.shape)}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear: input batch dimensions do not match: got input1 of shape "
                           f"{tuple(input1.shape)} and input2 of shape {tuple(input2.shape)}")
    out_f, in1, in2 = weight.shape
    for name, t, size in (("input1", input1, in1), ("input2", input2, in2)):
        if t.shape[-1] != size:
            raise RuntimeError(f"bilinear: {name} size does not match weight size: got "
                               f"{t.shape[-1]} but expected {size} (input of shape "
                               f"{tuple(t.shape)}, weight of shape {tuple(weight.shape)})")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_f):
        raise RuntimeError(f"bilinear: bias size does not match weight size: got bias of shape "
                           f"{tuple(bias.shape)} but expected ({out_f},)")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (B, in1) @ (in1, out*in2) -> (B, out, in2): x1^T W_o for every o, then dot with x2.
    left = (x1 @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    out = (left * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_f)


class Bilinear(Module):
    """y = x1^T A x2 + b; weight (out, in1, in2) and bias start as PyTorch's,
    U(+-1/sqrt(in1_features))."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        for name, value in (("in1_features", in1_features), ("in2_features", in2_features),
                            ("out_features", out_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Bilinear: {name} must be a non-negative int, got {value!r}")
        dtype = parameter_dtype(dtype, "Bilinear")
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, dtype=dtype,
                                      device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's init: U(-b, b) for weight and bias with b = 1/sqrt(in1_features)."""
        if self.in1_features <= 0:
            raise ValueError(f"Bilinear: in1_features must be > 0, got "
                             f"(in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")

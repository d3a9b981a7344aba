"""``RMSNorm``: root-mean-square normalisation with a learned elementwise scale (LLaMA, T5);
the arithmetic is ``minigrad/ops/rms_norm.py``."""
from __future__ import annotations

from typing import Any

from ..creation import ones
from ..ops.layer_norm import as_shape
from ..ops.rms_norm import rms_norm
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype


class RMSNorm(Module):
    """Divide each sample's last ``normalized_shape`` dims by their root mean square, then
    multiply by ``weight`` (ones at start) when ``elementwise_affine``; no centring, no bias."""

    def __init__(self, normalized_shape: Any, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        self.normalized_shape = as_shape(normalized_shape, "RMSNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = parameter_dtype(dtype, "RMSNorm")
        self.register_parameter("weight", Parameter(ones(self.normalized_shape, dtype=dtype,
                                                         device=device))
                                if elementwise_affine else None)

    def reset_parameters(self) -> None:
        """Weight back to 1: the plain normalisation."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")

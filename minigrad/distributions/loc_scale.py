"""``LocScale``: the base of the symmetric location-scale families on the real line (Normal,
Laplace, Cauchy): X = loc + scale * Z for a fixed standard Z that peaks at 0.

What they share is the parameter handling: ``loc`` and ``scale`` (numbers or Tensors) broadcast
to one shape, which is the batch shape; the support is the real line; draws are
reparameterised; the mode is ``loc``. Each family keeps its own formulas.
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LocScale"]


class LocScale(Distribution):
    """Parameters ``loc`` (real) and ``scale`` (positive), broadcast together."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(tuple(self.loc.shape), validate_args=validate_args)

    @property
    def mode(self) -> Tensor:
        return self.loc

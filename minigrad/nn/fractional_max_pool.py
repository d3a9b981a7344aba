"""Fractional max pooling layers, ``FractionalMaxPool2d`` and ``FractionalMaxPool3d``: max
pooling that shrinks by a non-integer ratio (windows at pseudo-random starts). The op is in
``minigrad/ops/fractional_max_pool.py``; a fixed ``_random_samples`` is a buffer, as in
PyTorch, so a layer built with one pools the same way every call."""
from __future__ import annotations

from typing import Any

from ..ops.fractional_max_pool import fractional_max_pool
from ..tensor import Tensor
from .module import Module


class _FractionalMaxPoolNd(Module):
    """The arguments FractionalMaxPool2d and 3d share, checked as PyTorch does."""

    dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None):
        super().__init__()
        name, dims = type(self).__name__, self.dims

        def spread(value: Any) -> tuple:
            return tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims

        self.kernel_size = spread(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = spread(output_size) if output_size is not None else None
        self.output_ratio = spread(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             "ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{name}: only one of output_size and output_ratio may be "
                             "specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"{name}: output_ratio must be between 0 and 1 (got "
                             f"{output_ratio})")

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        values, indices = fractional_max_pool(input, self.kernel_size, self.output_size,
                                              self.output_ratio, self._random_samples,
                                              self.dims, type(self).__name__)
        return (values, indices) if self.return_indices else values


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Max over kh x kw windows at pseudo-random starts (Graham's fractional max pooling),
    giving ``output_size`` or input size * ``output_ratio``; fresh starts every call unless
    ``_random_samples`` fixes them."""

    dims = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """The volumetric form of FractionalMaxPool2d."""

    dims = 3

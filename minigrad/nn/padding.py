"""Padding layers, PyTorch's names: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``,
``ReflectionPad1d/2d/3d``, ``ReplicationPad1d/2d/3d``, ``CircularPad1d/2d/3d``.

Each is ``F.pad`` with its padding fixed at construction (the index rules and their
gradients are in ``minigrad/ops/padding.py``). ``padding`` is an int (the same on every
side) or a tuple of 2, 4 or 6 ints ordered (left, right[, top, bottom[, front, back]]),
i.e. from the last dimension backwards, as ``F.pad`` takes it.
"""
from __future__ import annotations

from typing import Any

from ..ops.padding import pad
from ..tensor import Tensor
from .module import Module


def _padding_tuple(padding: Any, dims: int, layer: str) -> tuple:
    """An int repeats on all 2 * dims sides; a tuple must already list every side."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * dims)
    if isinstance(padding, (tuple, list)) and len(padding) == 2 * dims and all(
            isinstance(p, int) and not isinstance(p, bool) for p in padding):
        return tuple(padding)
    raise ValueError(f"{layer}: padding must be an int or a tuple of {2 * dims} ints, "
                     f"got {padding!r}")


class _PadNd(Module):
    """Shared body: which ``mode`` and how many padded dimensions; subclasses name them."""

    mode = "constant"
    dims = 1

    def __init__(self, padding: Any):
        super().__init__()
        self.padding = _padding_tuple(padding, self.dims, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``."""
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``."""
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``."""
    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros."""

    def __init__(self, padding: Any):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros (the classic 'same' padding by hand)."""

    def __init__(self, padding: Any):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros."""

    def __init__(self, padding: Any):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror (N, C, W) or (C, W) inputs at their edges, edges not repeated; padding < W."""
    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirror (N, C, H, W) or (C, H, W) inputs at their edges (fewer border artefacts than
    zeros in image-to-image networks)."""
    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirror (N, C, D, H, W) or (C, D, H, W) inputs at their edges."""
    mode, dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Repeat the edge value of (N, C, W) or (C, W) inputs."""
    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of (N, C, H, W) or (C, H, W) inputs."""
    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of (N, C, D, H, W) or (C, D, H, W) inputs."""
    mode, dims = "replicate", 3


class _CircularPadNd(_PadNd):
    """Wrap around (periodic boundaries); checks the input's rank first, as PyTorch does."""
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor input, got "
                            f"{type(input).__name__}")
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"{type(self).__name__}: expected {self.dims + 1}D or "
                             f"{self.dims + 2}D input (got {input.ndim}D input of shape "
                             f"{tuple(input.shape)})")
        return pad(input, self.padding, self.mode)


class CircularPad1d(_CircularPadNd):
    """Wrap (N, C, W) or (C, W) inputs around their last dimension."""
    dims = 1


class CircularPad2d(_CircularPadNd):
    """Wrap (N, C, H, W) or (C, H, W) inputs around (a torus)."""
    dims = 2


class CircularPad3d(_CircularPadNd):
    """Wrap (N, C, D, H, W) or (C, D, H, W) inputs around their last three dimensions."""
    dims = 3

"""``affine_grid``: the sampling grid of a batch of affine maps (spatial transformer networks).

Each output pixel has normalised coordinates in [-1, 1] (x across the width first, then y,
then z for volumes); the grid holds where each pixel is sent by ``theta``:
grid[n, ..., :] = theta[n] @ (x, y, [z,] 1). With ``align_corners=True`` -1 and 1 are the
centres of the corner pixels; otherwise they are the outer edges of the image, so pixel
centres sit at (2 i + 1) / size - 1. ``grid_sample`` reads an image at these positions.

The base coordinates are constants, so the grid is one batched matmul with theta: linear
in theta, differentiable to any order.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Sequence

from .. import dtypes
from ..tensor import Tensor

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def _steps(xp: Any, n: int, align_corners: bool, dtype: Any) -> Any:
    """The normalised centres of ``n`` pixels: linspace(-1, 1, n), pulled in by (n - 1) / n
    without align_corners; a single pixel sits at 0 (PyTorch's rule since 1.3)."""
    if n <= 1:
        return xp.zeros(max(n, 0), dtype=dtype)
    line = xp.linspace(-1.0, 1.0, n, dtype=dtype)
    return line if align_corners else line * dtype.type((n - 1) / n)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """PyTorch's ``F.affine_grid``: a (N, H, W, 2) grid from (N, 2, 3) ``theta`` and a 4-D
    ``size`` (N, C, H, W), or a (N, D, H, W, 3) grid from (N, 3, 4) ``theta`` and a 5-D size,
    for ``grid_sample``: the spatial transformer's warp as a differentiable function of theta."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid: expected theta to be a Tensor, got {type(theta).__name__}")
    if not dtypes.is_floating(theta.dtype):
        raise ValueError(f"affine_grid: expected theta to have floating point type, but got "
                         f"{theta.dtype}")
    size = tuple(size)
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size):
        raise TypeError(f"affine_grid: size must be a sequence of ints, got {size!r}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    dims = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (dims, dims + 1):
        raise ValueError(f"affine_grid: expected a batch of {dims}D affine matrices of shape "
                         f"Nx{dims}x{dims + 1} for size {size}. Got {tuple(theta.shape)}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", UserWarning,
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"affine_grid: expected non-zero, positive output size. Got {size}")
    if size[0] != theta.shape[0]:
        raise RuntimeError(f"affine_grid: size {size} asks for a batch of {size[0]} but theta of "
                         f"shape {tuple(theta.shape)} holds {theta.shape[0]} matrices")
    xp, dtype = theta.xp, theta.dtype
    # coordinate k (x, y, z) runs along spatial dim dims - 1 - k (W, H, D)
    axes = [_steps(xp, spatial[dims - 1 - k], bool(align_corners), dtype) for k in range(dims)]
    base = xp.ones(spatial + (dims + 1,), dtype=dtype)
    for k, line in enumerate(axes):
        shape = [1] * dims
        shape[dims - 1 - k] = line.shape[0]
        base[..., k] = line.reshape(shape)
    points = int(base.size // (dims + 1))
    base_t = Tensor._make(base.reshape(1, points, dims + 1), theta.device)
    grid = base_t @ theta.transpose(1, 2)
    return grid.reshape((theta.shape[0],) + spatial + (dims,))

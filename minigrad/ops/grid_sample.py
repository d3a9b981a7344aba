"""``grid_sample``: read an image at arbitrary (learned) positions, differentiably in both the
image and the positions (spatial transformer networks, optical-flow warps, deformable ops).

``grid`` (N, *out, D) holds normalised positions in [-1, 1], x (across the width) first; the
result (N, C, *out) is the input interpolated there. Per spatial axis a position goes through
three maps, as in PyTorch:

1. unnormalise to pixel units: -1/1 are the corner pixels' centres (``align_corners``) or the
   image's outer edges (then pixel i's centre is at (2 i + 1) / size - 1);
2. pad: 'zeros' leaves it (taps outside read 0), 'border' clamps it into [0, size - 1],
   'reflection' mirrors it at the edges (the centres or the outer edges) and then clamps;
3. interpolate: 'bilinear' (trilinear for 5-D) weighs the 2^D neighbouring pixels by the
   fractional parts, 'nearest' reads the pixel rounded half to even, 'bicubic' weighs the
   4 x 4 neighbours with Keys' cubic (a = -0.75), padding each tap's integer position.

Maps 1 and 2 are piecewise linear, so they are built as ``c * slope + offset`` with slope 0 or
+-1 and offset constants; the weights are tensor expressions of the fractional parts and the
pixels are read with one gather per tap over the whole batch (``GetItem``, whose backward
scatter-adds). Gradients w.r.t. the input and the grid, and double backward, come from these
tensor ops.
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..backend import float_errors_ignored
from ..tensor import Tensor
from .affine_grid import _ALIGN_WARNING
from .comparison import where
from .shape import GetItem

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
CUBIC_A = -0.75


class _NoGradientTo(Function):
    """``out`` unchanged, with ``source`` in its graph at zero gradient: 'nearest' output does
    not depend on the grid, yet PyTorch gives the grid a gradient of zeros, not none."""

    @staticmethod
    def forward(ctx, out, source):
        ctx.source_shape, ctx.source_dtype = source.shape, source.dtype
        return out.array

    @staticmethod
    def backward(ctx, grad):
        zeros = grad.xp.zeros(ctx.source_shape, dtype=ctx.source_dtype)
        return grad, Tensor._make(zeros, grad.device)


def _const(array: Any, like: Tensor) -> Tensor:
    return Tensor._make(array, like.device)


def _unnormalise(g: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] to pixel units (see the module docstring, map 1)."""
    if align_corners:
        return g * ((size - 1) / 2.0) + (size - 1) / 2.0
    return g * (size / 2.0) + (size - 1) / 2.0


def _reflect_array(xp: Any, a: Any, twice_low: int, twice_high: int) -> tuple[Any, Any]:
    """PyTorch's reflect_coordinates on an array: (mirrored value, slope +-1) for a
    mirror between low and high (given doubled so that half-pixel edges stay integers)."""
    if twice_low == twice_high:
        return xp.zeros_like(a), xp.zeros_like(a)
    low, span = twice_low / 2.0, (twice_high - twice_low) / 2.0
    shifted = a - low
    sign = xp.where(shifted < 0, -1.0, 1.0).astype(a.dtype)
    dist = xp.abs(shifted)
    flips = xp.floor(dist / span)
    extra = dist - flips * span  # fmod(dist, span) for dist >= 0
    even = flips % 2 == 0
    value = xp.where(even, extra + low, span - extra + low).astype(a.dtype)
    slope = xp.where(even, sign, -sign).astype(a.dtype)
    return value, slope


def _pad_coordinate(c: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Map 2 on a differentiable coordinate: ``c * slope + (value - a * slope)``, exact for
    these piecewise-linear maps; outside the clamp the slope is 0 and the value the bound."""
    if padding_mode == "zeros":
        return c
    xp, a = c.xp, c.array
    value, slope = a, xp.ones_like(a)
    if padding_mode == "reflection":
        bounds = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        value, slope = _reflect_array(xp, a, *bounds)
    inside = (value > 0) & (value < size - 1)
    slope = xp.where(inside, slope, 0).astype(a.dtype)
    value = xp.clip(value, 0, size - 1).astype(a.dtype)
    linear = c * _const(slope, c) + _const((value - a * slope).astype(a.dtype), c)
    return where(_const(inside, c), linear, _const(value, c))


def _pad_index(xp: Any, i: Any, size: int, padding_mode: str, align_corners: bool) -> Any:
    """Map 2 on an integer tap position (bicubic pads each of its 16 taps, not the point)."""
    if padding_mode == "zeros":
        return i
    a = i.astype(dtypes.float64)
    if padding_mode == "reflection":
        bounds = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        a, _ = _reflect_array(xp, a, *bounds)
    return xp.clip(a, 0, size - 1).astype(dtypes.int64)  # truncation, as PyTorch's cast


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for fraction t."""
    a = CUBIC_A

    def near(x: Tensor) -> Tensor:  # |x| <= 1
        return ((x * (a + 2.0) - (a + 3.0)) * x) * x + 1.0

    def far(x: Tensor) -> Tensor:  # 1 < |x| < 2
        return ((x * a - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a

    return [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]


class _Reader:
    """Gathers ``input`` (N, C, *sizes) at integer tap positions, for every point at once."""

    def __init__(self, input: Tensor, points: int):  # noqa: A002
        n, c = input.shape[:2]
        self.sizes = tuple(input.shape[2:])
        total = 1
        for size in self.sizes:
            total *= size
        self.flat = input.reshape(n, c, total)
        xp = input.xp
        self.batch = xp.arange(n).reshape(n, 1, 1)
        self.channel = xp.arange(c).reshape(1, c, 1)
        self.n, self.points = n, points

    def read(self, taps: list, weight: Tensor | None, like: Tensor) -> Tensor:
        """sum-able term: input at the tap (one int array per spatial dim, shape (N, points))
        times ``weight`` (N, points), zero where the tap falls outside the image."""
        xp = like.xp
        inside = None
        flat = 0
        for i, size in zip(taps, self.sizes):
            ok = (i >= 0) & (i < size)
            inside = ok if inside is None else inside & ok
            flat = flat * size + xp.clip(i, 0, size - 1)
        values = GetItem.apply(self.flat, (self.batch, self.channel,
                                           flat.reshape(self.n, 1, self.points)))
        if weight is None:
            mask = inside.astype(like.dtype).reshape(self.n, 1, self.points)
            return values * _const(mask, like)
        weight = where(_const(inside, like), weight, _const(xp.zeros((), like.dtype), like))
        return values * weight.reshape(self.n, 1, self.points)


def _check(input: Any, grid: Any, mode: str, padding_mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"grid_sample: expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"grid_sample: expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: {padding_mode!r}")
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sample: expected {name} to be a Tensor, got "
                            f"{type(t).__name__}")
    shapes = f"input with sizes {tuple(input.shape)} and grid with sizes {tuple(grid.shape)}"
    if input.device != grid.device:
        raise RuntimeError(f"grid_sample: expected input and grid to be on same device, but "
                           f"input is on {input.device} and grid is on {grid.device}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sample: expected input and grid to have same dtype, but input "
                           f"has {input.dtype} and grid has {grid.dtype}")
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"grid_sample: expected floating-point input and grid, got "
                           f"{input.dtype}")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sample: expected 4D or 5D input and grid with same number of "
                           f"dimensions, but got {shapes}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sample: expected grid to have size {input.ndim - 2} in last "
                           f"dimension, but got grid with sizes {tuple(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sample: expected grid and input to have same batch size, but "
                           f"got {shapes}")
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"grid_sample: expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {tuple(input.shape)} with "
                               f"dimension {d} being empty")
    if mode == "bicubic" and input.ndim != 4:
        raise RuntimeError(f"grid_sample: bicubic interpolation only supports 4D input, got "
                           f"input of shape {tuple(input.shape)}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """PyTorch's ``F.grid_sample`` for (N, C, H, W) input with a (N, Ho, Wo, 2) grid, or
    (N, C, D, H, W) with (N, Do, Ho, Wo, 3) ('bilinear' is then trilinear): the image read at
    the grid's positions, differentiable w.r.t. both (to any order)."""
    _check(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    with float_errors_ignored():  # inf/nan positions: their taps fall outside and read 0
        return _sample(input, grid, mode, padding_mode, bool(align_corners))


def _sample(input: Tensor, grid: Tensor, mode: str, padding_mode: str,  # noqa: A002
            align_corners: bool) -> Tensor:
    n, dims = input.shape[0], input.ndim - 2
    sizes = tuple(input.shape[2:])
    out_spatial = tuple(grid.shape[1:-1])
    points = 1
    for s in out_spatial:
        points *= s
    xp = input.xp
    flat_grid = grid.reshape(n, points, dims)
    # coordinate k of the grid runs along spatial dim dims - 1 - k (x: W, y: H, z: D)
    coords = [_unnormalise(flat_grid[:, :, dims - 1 - d], sizes[d], align_corners)
              for d in range(dims)]
    reader = _Reader(input, points)
    if mode == "bicubic":
        lows = [xp.floor(c.array).astype(dtypes.int64) for c in coords]
        weights = [_cubic_weights(c - _const(xp.floor(c.array), c)) for c in coords]
        out = None
        for offsets in itertools.product(range(4), repeat=dims):
            taps = [_pad_index(xp, low + k - 1, size, padding_mode, align_corners)
                    for low, k, size in zip(lows, offsets, sizes)]
            w = weights[0][offsets[0]]
            for d in range(1, dims):
                w = w * weights[d][offsets[d]]
            term = reader.read(taps, w, input)
            out = term if out is None else out + term
    else:
        coords = [_pad_coordinate(c, size, padding_mode, align_corners)
                  for c, size in zip(coords, sizes)]
        if mode == "nearest":
            taps = [xp.rint(c.array).astype(dtypes.int64) for c in coords]
            out = reader.read(taps, None, input)
            if grid.requires_grad:
                out = _NoGradientTo.apply(out, grid)
        else:
            lows = [xp.floor(c.array) for c in coords]
            fracs = [c - _const(low, c) for c, low in zip(coords, lows)]
            lows = [low.astype(dtypes.int64) for low in lows]
            out = None
            for corner in itertools.product((0, 1), repeat=dims):
                w = None
                for frac, k in zip(fracs, corner):
                    wd = frac if k else 1.0 - frac
                    w = wd if w is None else w * wd
                term = reader.read([low + k for low, k in zip(lows, corner)], w, input)
                out = term if out is None else out + term
    return out.reshape((n, input.shape[1]) + out_spatial)

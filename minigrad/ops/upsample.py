"""Resizing (PyTorch's ``F.interpolate``): nearest, nearest-exact, (bi/tri)linear, bicubic and
area modes, over 1, 2 or 3 spatial dims.

Nearest and (bi)linear resizing are separable: each output row reads one or two input rows,
with fixed weights, and each output column likewise. So a resize is one ``Resample`` per
spatial axis: ``out[..., j, ...] = sum over taps t of w_t[j] * x[..., i_t[j], ...]``, where
nearest has one tap of weight 1, linear two (the neighbours below and above the source
position) and bicubic four (Keys' cubic convolution, PyTorch's bicubic). Source positions
follow PyTorch's rules exactly, including that a given
``scale_factor`` (not in/out) sets the spacing, in float32 for nearest, so that non-integer
factors pick the same pixels.

Backward is the adjoint: each input row collects the gradients of the outputs that read it,
times their weights. That is again a gather along the axis, with the taps transposed (tap m
of input row i: the m-th output reading row i), so backward is ``Resample`` itself: no
element-by-element scatter-add, and gradients of any order come for free. Area mode is
adaptive average pooling, as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..errors import ShapeError
from ..tensor import Tensor
from .pooling import adaptive_avg_pool
from .pooling3d import adaptive_avg_pool3d_op

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}  # the input ndim each needs


def _along(axis: int, array: Any) -> tuple:
    """An index that picks ``array``'s positions along ``axis``."""
    return (slice(None),) * axis + (array,)


class Resample(Function):
    """Gather along one axis: out = sum over taps (index, weight, empty) of weight * x[index],
    where ``empty`` (or None) lists output rows this tap must leave at exactly 0 (padding)."""

    @staticmethod
    def forward(ctx, x, axis, taps, in_size):
        ctx.axis, ctx.taps, ctx.in_size = axis, taps, in_size
        xp, out = x.xp, None
        for index, weight, empty in taps:
            part = xp.take(x.array, index, axis=axis)  # a fresh array: safe to scale in place
            if weight is not None:
                part *= weight.reshape(weight.shape + (1,) * (x.ndim - axis - 1))
            if empty is not None:  # set, not multiplied by 0, so inf and NaN do not leak
                part[_along(axis, empty)] = 0
            if out is None:
                out = part
            else:
                out += part
        return out

    @staticmethod
    def backward(ctx, grad):
        # The adjoint of a gather is the gather along the transposed taps (each input row
        # collects the outputs that read it), so backward of any order is this same op.
        adjoint = _transpose_taps(grad.xp, ctx.taps, ctx.in_size, grad.dtype)
        return Resample.apply(grad, ctx.axis, adjoint, grad.shape[ctx.axis]), None, None, None


def _transpose_taps(xp: Any, taps: tuple, in_size: int, dtype: Any) -> tuple:
    """Taps of the adjoint: tap m of input row i is the m-th output (in order) that reads row
    i with a nonzero weight. Rows read fewer times than the most-read row leave the rest of
    their taps empty. Zero weights are dropped, since each tap costs a gather over the whole
    axis (so, unlike PyTorch, an infinite gradient is not turned into NaN through them)."""
    out_size = taps[0][0].shape[0]
    index = xp.concatenate([t[0] for t in taps])
    weight = xp.concatenate([xp.ones(out_size, dtype=dtype) if w is None else w.astype(dtype)
                             for _, w, _ in taps])
    reader = xp.concatenate([xp.arange(out_size)] * len(taps))
    for k, (_, _, empty) in enumerate(taps):  # padding is no reading
        if empty is not None:
            weight[k * out_size + empty] = 0
    keep = weight != 0
    index, weight, reader = index[keep], weight[keep], reader[keep]
    order = xp.argsort(index, kind="stable")  # by input row, then by output (stable)
    index, weight, reader = index[order], weight[order], reader[order]
    counts = xp.bincount(index, minlength=in_size)
    rank = xp.arange(index.shape[0]) - (xp.cumsum(counts) - counts)[index]
    width = int(counts.max())
    t_index = xp.zeros((width, in_size), dtype=xp.int64)
    t_weight = xp.zeros((width, in_size), dtype=dtype)
    t_index[rank, index], t_weight[rank, index] = reader, weight
    result = []
    for m in range(width):
        empty = xp.nonzero(counts <= m)[0]
        w = t_weight[m]
        result.append((t_index[m], None if bool((w == 1).all()) else w,
                       empty if empty.shape[0] else None))
    return tuple(result)  # never empty: every output has a nonzero weight


# --- where each output position reads (PyTorch's index and weight rules) ---------------------
def _nearest_taps(xp: Any, in_size: int, out_size: int, scale: float | None,
                  exact: bool, shortcuts: bool) -> tuple:
    """PyTorch's nearest: src = min(floor(dst * s), in - 1) in float32 arithmetic, with
    s = 1/scale_factor when one was given, else in/out; 'nearest-exact' reads (dst + 0.5) * s.
    With ``shortcuts`` (PyTorch's 2-D 'nearest'; its 1-D kernel has none), sizes equal or
    doubled read dst and dst // 2 whatever the scale factor."""
    dst = xp.arange(out_size)
    if shortcuts and out_size == in_size:
        return ((dst, None, None),)
    if shortcuts and out_size == 2 * in_size:
        return ((dst // 2, None, None),)
    s = xp.float32(1.0 / scale) if scale is not None and scale > 0 else \
        xp.float32(in_size) / xp.float32(out_size)
    if exact:
        src = ((dst + 0.5) * float(s)).astype(xp.float32)
    else:
        src = dst.astype(xp.float32) * s
    index = xp.minimum(xp.floor(src).astype(xp.int64), in_size - 1)
    return ((index, None, None),)


def _source_positions(xp: Any, in_size: int, out_size: int, scale: float | None,
                      align_corners: bool, dtype: Any) -> Any:
    """Where each output position reads the input, in the input's dtype (PyTorch's rule for
    linear and cubic): dst * (in-1)/(out-1) with align_corners, else (dst + 0.5) * s - 0.5
    with s = 1/scale_factor if given, else in/out."""
    dst = xp.arange(out_size, dtype=dtype)
    if align_corners:
        s = dtype.type(in_size - 1) / dtype.type(out_size - 1) if out_size > 1 else dtype.type(0)
        return dst * s
    s = dtype.type(1.0 / scale) if scale is not None and scale > 0 else \
        dtype.type(in_size) / dtype.type(out_size)
    return (dst + 0.5) * s - 0.5


def _linear_taps(xp: Any, in_size: int, out_size: int, scale: float | None,
                 align_corners: bool, dtype: Any) -> tuple:
    """PyTorch's linear weights, computed in the input's dtype: the source position
    (``_source_positions``, clamped at 0 without align_corners) reads floor(src) and the next
    row. As in PyTorch, an axis whose size does not change is left as it is, whatever the
    scale."""
    if in_size == out_size:
        scale = None
    src = _source_positions(xp, in_size, out_size, scale, align_corners, dtype)
    if not align_corners:
        src = xp.maximum(src, 0)
    low = xp.minimum(xp.floor(src).astype(xp.int64), in_size - 1)
    lam = xp.clip(src - low, 0, 1).astype(dtype)
    high = low + (low < in_size - 1)
    return ((low, (1 - lam).astype(dtype), None), (high, lam, None))


def _cubic_taps(xp: Any, in_size: int, out_size: int, scale: float | None,
                align_corners: bool, dtype: Any) -> tuple:
    """PyTorch's bicubic weights (Keys' cubic convolution, A = -0.75), in the input's dtype:
    the source position is as linear's but not clamped at 0; it reads the four rows
    floor(src) - 1 .. floor(src) + 2, clamped to the input (edge rows repeat)."""
    src = _source_positions(xp, in_size, out_size, scale, align_corners, dtype)
    low = xp.minimum(xp.floor(src).astype(xp.int64), in_size - 1)
    t = xp.clip(src - low, 0, 1).astype(dtype)
    a = -0.75

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return tuple((xp.clip(low - 1 + k, 0, in_size - 1), w.astype(dtype), None)
                 for k, w in enumerate(weights))


def _is_identity(xp: Any, taps: tuple, in_size: int, out_size: int) -> bool:
    """Every output row is its own input row, whole (e.g. equal sizes without a scale)."""
    if in_size != out_size:
        return False
    index, weight, _ = taps[0]
    rest_zero = all(bool((w == 0).all()) for _, w, _ in taps[1:])
    return bool((index == xp.arange(in_size)).all()) and rest_zero and \
        (weight is None or bool((weight == 1).all()))


# --- argument handling ------------------------------------------------------------------------
def _per_dim(value: Any, dims: int, name: str, input: Tensor, op: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != dims:
            raise ValueError(f"{op}: input and output must have the same number of spatial "
                             f"dimensions, but got an input of shape {tuple(input.shape)} "
                             f"({dims} spatial) and {name}={value!r}")
        return tuple(value)
    return (value,) * dims


def _output_sizes(input: Tensor, size: Any, scale_factor: Any, recompute_scale_factor: Any,
                  op: str) -> tuple:
    """(output sizes, scale factors handed to the index rules or None), as PyTorch."""
    dims = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an explicit "
                             f"size")
        sizes = _per_dim(size, dims, "size", input, op)
        if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise ShapeError(f"{op}: size must be positive ints, got {size!r}")
        return sizes, (None,) * dims
    factors = _per_dim(scale_factor, dims, "scale_factor", input, op)
    if not all(isinstance(f, (int, float)) and not isinstance(f, bool) and f > 0
               for f in factors):
        raise ShapeError(f"{op}: scale_factor must be positive numbers, got {scale_factor!r}")
    factors = tuple(float(f) for f in factors)
    sizes = tuple(math.floor(float(n) * f) for n, f in zip(input.shape[2:], factors))
    if min(sizes) <= 0:
        raise ShapeError(f"{op}: scale_factor={scale_factor!r} makes an empty output from an "
                         f"input of shape {tuple(input.shape)} (output size {sizes})")
    return sizes, ((None,) * dims if recompute_scale_factor else factors)


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """PyTorch's ``F.interpolate`` for (N, C, L), (N, C, H, W) and (N, C, D, H, W) inputs:
    resize by ``size`` or ``scale_factor`` with 'nearest', 'nearest-exact', 'linear' (3-D),
    'bilinear' or 'bicubic' (4-D), 'trilinear' (5-D) or 'area'. Differentiable to any order."""
    return resize(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                  antialias, "interpolate")


def resize(input: Tensor, size: Any, scale_factor: Any, mode: str, align_corners: Any,
           recompute_scale_factor: Any, antialias: bool, op: str) -> Tensor:
    """``interpolate`` with ``op`` naming the caller in errors (``Upsample`` from the layer)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if mode not in MODES:  # PyTorch's 'bicubic', 'trilinear', or an unknown name
        raise NotImplementedError(f"{op}: mode={mode!r} is not supported by minigrad "
                                  f"(supported: {', '.join(MODES)})")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D "
                         f"(N, C, D, H, W) input, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(f"{op}: align_corners option can only be set with the interpolating "
                         f"modes: linear | bilinear | bicubic | trilinear (got mode={mode!r})")
    if mode in _DIMS and input.ndim != _DIMS[mode]:
        raise ValueError(f"{op}: mode={mode!r} needs a {_DIMS[mode]}-D input, "
                         f"got shape {tuple(input.shape)}")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported by minigrad")
    sizes, scales = _output_sizes(input, size, scale_factor, recompute_scale_factor, op)
    if min(input.shape[2:]) == 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} has an empty spatial "
                         "dimension")
    if mode == "area" and input.ndim == 5:
        return adaptive_avg_pool3d_op(input, sizes, op)
    if mode == "area":
        plane = input if input.ndim == 4 else input.unsqueeze(2)
        out = adaptive_avg_pool(plane, sizes if input.ndim == 4 else (1,) + sizes, op)
        return out if input.ndim == 4 else out.squeeze(2)
    out, xp = input, input.xp
    # The last axis first, as PyTorch combines them: its gather (the slowest, element by
    # element) then runs before the other axes grow the array.
    for axis, in_size, out_size, scale in reversed(list(zip(range(2, input.ndim),
                                                            input.shape[2:], sizes, scales))):
        if mode.startswith("nearest"):
            taps = _nearest_taps(xp, in_size, out_size, scale, mode == "nearest-exact",
                                 mode == "nearest" and input.ndim == 4)
        elif mode == "bicubic":
            taps = _cubic_taps(xp, in_size, out_size, scale, bool(align_corners), input.dtype)
        else:
            taps = _linear_taps(xp, in_size, out_size, scale, bool(align_corners), input.dtype)
        if _is_identity(xp, taps, in_size, out_size):
            continue  # this axis keeps every row in place
        out = Resample.apply(out, axis, taps, in_size)
    return out if out is not input else input.clone()

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

Backward is the adjoint: a scatter-add of each output's gradient, times its weight, into
the input row it read (several outputs read the same input row when upsampling). The
scatter's adjoint is the gather again, so each is the other's backward and gradients of
any order come for free. Area mode is adaptive average pooling, as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..tensor import Tensor
from .pooling import adaptive_avg_pool
from .pooling3d import adaptive_avg_pool3d_op

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}  # the input ndim each needs


def _along(axis: int, array: Any) -> tuple:
    """An index that picks ``array``'s positions along ``axis`` (for scatter-add)."""
    return (slice(None),) * axis + (array,)


class Resample(Function):
    """Gather along one axis: out = sum over taps (index, weight) of weight * x[index]."""

    @staticmethod
    def forward(ctx, x, axis, taps, in_size):
        ctx.axis, ctx.taps, ctx.in_size = axis, taps, in_size
        out = None
        for index, weight in taps:
            part = x.xp.take(x.array, index, axis=axis)  # a fresh array: safe to scale in place
            if weight is not None:
                part *= weight.reshape(weight.shape + (1,) * (x.ndim - axis - 1))
            if out is None:
                out = part
            else:
                out += part
        return out

    @staticmethod
    def backward(ctx, grad):
        return ResampleAdjoint.apply(grad, ctx.axis, ctx.taps, ctx.in_size), None, None, None


class ResampleAdjoint(Function):
    """Scatter-add along one axis, the adjoint of Resample: each gradient, times its
    weight, is added to the input position it was read from (repeats accumulate)."""

    @staticmethod
    def forward(ctx, grad, axis, taps, in_size):
        ctx.axis, ctx.taps, ctx.in_size = axis, taps, in_size
        g = grad.array
        shape = g.shape[:axis] + (in_size,) + g.shape[axis + 1:]
        out = grad.xp.zeros(shape, dtype=g.dtype)
        for index, weight in taps:
            values = g if weight is None else \
                g * weight.reshape(weight.shape + (1,) * (g.ndim - axis - 1))
            grad.backend.scatter_add(out, _along(axis, index), values)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Resample.apply(gg, ctx.axis, ctx.taps, ctx.in_size), None, None, None


# --- where each output position reads (PyTorch's index and weight rules) ---------------------
def _nearest_taps(xp: Any, in_size: int, out_size: int, scale: float | None,
                  exact: bool, shortcuts: bool) -> tuple:
    """PyTorch's nearest: src = min(floor(dst * s), in - 1) in float32 arithmetic, with
    s = 1/scale_factor when one was given, else in/out; 'nearest-exact' reads (dst + 0.5) * s.
    With ``shortcuts`` (PyTorch's 2-D 'nearest'; its 1-D kernel has none), sizes equal or
    doubled read dst and dst // 2 whatever the scale factor."""
    dst = xp.arange(out_size)
    if shortcuts and out_size == in_size:
        return ((dst, None),)
    if shortcuts and out_size == 2 * in_size:
        return ((dst // 2, None),)
    s = xp.float32(1.0 / scale) if scale is not None and scale > 0 else \
        xp.float32(in_size) / xp.float32(out_size)
    if exact:
        src = ((dst + 0.5) * float(s)).astype(xp.float32)
    else:
        src = dst.astype(xp.float32) * s
    index = xp.minimum(xp.floor(src).astype(xp.int64), in_size - 1)
    return ((index, None),)


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
    return ((low, (1 - lam).astype(dtype)), (high, lam))


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
    return tuple((xp.clip(low - 1 + k, 0, in_size - 1), w.astype(dtype))
                 for k, w in enumerate(weights))


def _is_identity(xp: Any, taps: tuple, in_size: int, out_size: int) -> bool:
    """Every output row is its own input row, whole (e.g. equal sizes without a scale)."""
    if in_size != out_size:
        return False
    index, weight = taps[0]
    rest_zero = all(bool((w == 0).all()) for _, w in taps[1:])
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
            raise ValueError(f"{op}: size must be positive ints, got {size!r}")
        return sizes, (None,) * dims
    factors = _per_dim(scale_factor, dims, "scale_factor", input, op)
    if not all(isinstance(f, (int, float)) and not isinstance(f, bool) and f > 0
               for f in factors):
        raise ValueError(f"{op}: scale_factor must be positive numbers, got {scale_factor!r}")
    factors = tuple(float(f) for f in factors)
    sizes = tuple(math.floor(float(n) * f) for n, f in zip(input.shape[2:], factors))
    if min(sizes) <= 0:
        raise ValueError(f"{op}: scale_factor={scale_factor!r} makes an empty output from an "
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
        raise ValueError(f"{op}: input of shape {tuple(input.shape)} has an empty spatial "
                         "dimension")
    if mode == "area" and input.ndim == 5:
        return adaptive_avg_pool3d_op(input, sizes, op)
    if mode == "area":
        plane = input if input.ndim == 4 else input.unsqueeze(2)
        out = adaptive_avg_pool(plane, sizes if input.ndim == 4 else (1,) + sizes, op)
        return out if input.ndim == 4 else out.squeeze(2)
    out, xp = input, input.xp
    for axis, in_size, out_size, scale in zip(range(2, input.ndim), input.shape[2:], sizes,
                                              scales):
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

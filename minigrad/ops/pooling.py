"""2-D pooling (PyTorch's ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d``, NCHW).

A pooling window is kh*kw kernel offsets. For each offset (i, j), the elements it
picks across all windows form one strided slice of the padded input,
``x[:, :, i*d::s, j*d::s]``, so a pool is a loop over the kh*kw offsets (four for
the usual 2x2), each one vectorised over the whole batch: never a loop over pixels.
When windows tile exactly (kernel == stride, no padding) the slices do not overlap
and backward writes instead of accumulating. Slices keep the input's memory order,
so a channels-last activation from a convolution stays channels-last.

Max pooling remembers, per output, which offset won (the first maximum, as PyTorch).
Its backward scatters the gradient there; the scatter's backward gathers from
there. Average pooling's backward is its adjoint (spread, then divide). Each op and
its backward are a pair of array-level Functions whose backwards call each other,
so both pools support gradients of any order. Adaptive average pooling with equal
windows is a box mean (separable strided sums) paired with its adjoint (a spread) in
the same way; with unequal windows it is two small averaging matrices (tensor ops),
so it is differentiable to any order too.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..autograd.function import Function
from ..errors import ArgumentError, ShapeError
from .convolution import as_pair
from .layout import is_channels_last
from ..tensor import Tensor


class PoolGeometry(NamedTuple):
    """The shapes one pooling needs in forward and backward."""

    in_size: tuple      # (H, W)
    kernel: tuple       # (kh, kw)
    stride: tuple       # (sh, sw)
    padding: tuple      # (ph, pw), on both sides
    dilation: tuple     # (dh, dw)
    out_size: tuple     # (Ho, Wo)
    padded: tuple       # (Hp, Wp): input + padding + the ceil_mode overhang

    def offsets(self, channels_last: bool) -> list:
        """For each kernel offset, the index of the padded (work-layout) input it reads."""
        (kh, kw), (sh, sw), (dh, dw), (ho, wo) = self.kernel, self.stride, self.dilation, \
            self.out_size
        lead = (slice(None),) if channels_last else (slice(None), slice(None))
        return [lead + (slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                        slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
                for i in range(kh) for j in range(kw)]

    @property
    def tiles(self) -> bool:
        """Windows never overlap, so each input element is read by at most one offset."""
        return all(s >= d * (k - 1) + 1 for s, d, k in zip(self.stride, self.dilation, self.kernel))

    def interior(self, channels_last: bool) -> tuple:
        """Where the real input sits inside the padded (work-layout) array."""
        (h, w), (ph, pw) = self.in_size, self.padding
        lead = (slice(None),) if channels_last else (slice(None), slice(None))
        return lead + (slice(ph, ph + h), slice(pw, pw + w))

    @property
    def is_padded(self) -> bool:
        return self.padded != self.in_size


# --- the work layout: the input's own memory order ----------------------------------------------
# Channels-last activations (a convolution's output) are handled as (N, H, W, C) arrays and
# the rest as (N, C, H, W), so that every array an op touches is contiguous in the order it is
# walked: NumPy's masked copies (copyto with where=) are ~30x slower on transposed views.
def _to_work(array: Any, channels_last: bool) -> Any:
    return array.transpose(0, 2, 3, 1) if channels_last else array


def _from_work(array: Any, channels_last: bool) -> Any:
    return array.transpose(0, 3, 1, 2) if channels_last else array


def _full(xp: Any, n: int, c: int, plane: tuple, value: Any, dtype: Any,
          channels_last: bool) -> Any:
    """A work-layout array of ``n`` x ``c`` planes of size ``plane``, filled with ``value``."""
    shape = (n,) + plane + (c,) if channels_last else (n, c) + plane
    return xp.full(shape, value, dtype=dtype)


def _scatter_target(xp: Any, n: int, c: int, geo: PoolGeometry, dtype: Any,
                    channels_last: bool) -> Any:
    """Zeros the shape of the padded input, for a backward to scatter into. When the windows
    tile a block exactly (kernel == stride, no dilation) each element of that block is written
    exactly once, so only the uncovered remainder is zeroed."""
    if geo.dilation != (1, 1) or geo.stride != geo.kernel:
        return _full(xp, n, c, geo.padded, 0, dtype, channels_last)
    out = xp.empty((n,) + geo.padded + (c,) if channels_last else (n, c) + geo.padded, dtype)
    lead = (slice(None),) if channels_last else (slice(None), slice(None))
    (ho, wo), (kh, kw) = geo.out_size, geo.kernel
    out[lead + (slice(ho * kh, None),)] = 0
    out[lead + (slice(None), slice(wo * kw, None))] = 0
    return out


def _pad(x: Any, geo: PoolGeometry, value: float, xp: Any, channels_last: bool) -> Any:
    """(N, C, H, W) ``x`` in work layout inside a border of ``value`` (no copy without one)."""
    work = _to_work(x, channels_last)
    if not geo.is_padded:
        return work
    out = _full(xp, x.shape[0], x.shape[1], geo.padded, value, x.dtype, channels_last)
    out[geo.interior(channels_last)] = work
    return out


def _index_dtype(geo: PoolGeometry, xp: Any) -> Any:
    count = geo.kernel[0] * geo.kernel[1]
    return xp.uint8 if count <= 255 else xp.int32


# --- max pooling ------------------------------------------------------------------------------
class MaxPool(Function):
    """Max over each window; remembers the winning offset (first maximum) for backward."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, geo, return_indices):
        xp, cl = x.xp, is_channels_last(x.array)
        track = return_indices or any(ctx.needs_input_grad)
        fused = x.backend.kernel("max_pool_forward")
        if fused is not None:  # one GPU kernel doing what the loop below does
            work = xp.ascontiguousarray(_to_work(x.array, cl))
            out, which = fused(work, geo, cl, _index_dtype(geo, xp))
        else:
            out, which = _max_pool_offsets(x, geo, cl, track)
        ctx.geo, ctx.channels_last = geo, cl
        ctx.save_for_backward(Tensor._make(which, x.device) if track else None)
        out = _from_work(out, cl)
        if return_indices:
            indices = _flat_indices(_from_work(which, cl), geo, xp)
            return out, Tensor._make(indices, x.device)
        return out

    @staticmethod
    def backward(ctx, grad, *_):
        (which,) = ctx.saved_tensors
        return MaxPoolScatter.apply(grad, which.array, ctx.geo, ctx.channels_last), None, None


def _max_pool_offsets(x: Tensor, geo: PoolGeometry, cl: bool, track: bool) -> tuple:
    """The max over each window as a running max over the kernel offsets, and (if ``track``)
    the offset that won, in the work layout."""
    xp = x.xp
    padded = _pad(x.array, geo, -math.inf, xp, cl)
    windows = geo.offsets(cl)
    out = xp.empty(padded[windows[0]].shape, dtype=padded.dtype)
    which = xp.zeros(out.shape, dtype=_index_dtype(geo, xp)) if track else None
    with_nan = []  # the blocks whose maxima hold a NaN

    def part(s):  # one block of the batch
        o, better = out[s], xp.empty(out[s].shape, dtype=xp.bool_) if track else None
        for k, window in enumerate(windows):
            picked = padded[window][s]
            if k == 0:
                o[...] = picked
                continue
            if track:  # which < k so far: max(which, k * (picked > out)) records a winner
                xp.greater(picked, o, out=better)
                xp.maximum(which[s], better.view(xp.uint8) * which.dtype.type(k),
                           out=which[s])
            xp.maximum(o, picked, out=o)
        if track and xp.isnan(o.sum()):  # (NaN if any max is: one pass, o still in cache)
            with_nan.append(s)
    x.backend.parallel_for(part, out.shape[0], padded.size)
    for s in with_nan:
        _nan_winners(padded, windows, which, s, xp)
    return out, which


def _nan_winners(padded: Any, windows: list, which: Any, s: slice, xp: Any) -> None:
    """Point ``which`` at each window's last NaN, where it has one. PyTorch's running max takes
    a value that is greater or NaN, so a NaN is never beaten and a later NaN replaces it; the
    comparison above (greater) never picks a NaN, though the max it keeps does propagate it."""
    for k, window in enumerate(windows):
        which[s][xp.isnan(padded[window][s])] = k


class MaxPoolScatter(Function):
    """Max pooling's backward: each output gradient goes to its window's winning element."""

    @staticmethod
    def forward(ctx, grad, which, geo, channels_last):
        ctx.which, ctx.geo, ctx.channels_last = which, geo, channels_last
        xp, cl = grad.xp, channels_last
        g = _to_work(grad.array, cl)
        fused = grad.backend.kernel("max_pool_backward")
        if fused is not None:  # one GPU kernel: each input element gathers what it won
            return _from_work(fused(xp.ascontiguousarray(g), which, geo, cl), cl)
        n, c = grad.shape[:2]
        out = _scatter_target(xp, n, c, geo, g.dtype, cl)
        windows = geo.offsets(cl)

        def part(s):  # one block of the batch
            mask = xp.empty(which[s].shape, dtype=xp.bool_)
            scratch = None if geo.tiles else xp.empty(g[s].shape, dtype=g.dtype)
            for k, window in enumerate(windows):
                xp.equal(which[s], k, out=mask)
                if geo.tiles:
                    _keep_where(mask, g[s], out[window][s], xp)
                else:
                    out[window][s] += _keep_where(mask, g[s], scratch, xp)
        grad.backend.parallel_for(part, n, out.size)
        return _from_work(out[geo.interior(cl)] if geo.is_padded else out, cl)

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolGather.apply(gg, ctx.which, ctx.geo, ctx.channels_last), None, None, None


class MaxPoolGather(Function):
    """The adjoint of MaxPoolScatter: read each window's winning element (double backward)."""

    @staticmethod
    def forward(ctx, gg, which, geo, channels_last):
        ctx.which, ctx.geo, ctx.channels_last = which, geo, channels_last
        xp, cl = gg.xp, channels_last
        padded = _pad(gg.array, geo, 0.0, xp, cl)
        out, part = xp.zeros(which.shape, dtype=gg.dtype), xp.empty(which.shape, dtype=gg.dtype)
        mask = xp.empty(which.shape, dtype=xp.bool_)
        for k, window in enumerate(geo.offsets(cl)):
            xp.equal(which, k, out=mask)
            out += _keep_where(mask, padded[window], part, xp)
        return _from_work(out, cl)

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.which, ctx.geo, ctx.channels_last), None, None, \
            None


def _keep_where(mask: Any, values: Any, out: Any, xp: Any) -> Any:
    """``out = values`` where ``mask``, exactly 0 elsewhere (inf and NaN included); ``mask``
    (bool) is used up.

    Done on the bits (AND with all-ones or zero): a masked copy branches on every element
    and runs ~10x slower on the random masks that max pooling makes."""
    ints = xp.dtype(f"i{values.dtype.itemsize}")
    all_bits = mask.view(xp.int8)
    xp.negative(all_bits, out=all_bits)  # True -> -1 (every bit set), False -> 0
    xp.bitwise_and(values.view(ints), all_bits, out=out.view(ints))
    return out


def _flat_indices(which: Any, geo: PoolGeometry, xp: Any) -> Any:
    """PyTorch's ``return_indices``: each winner's position as h * W + w in its input plane."""
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = geo.kernel, geo.stride, geo.dilation, geo.padding
    ho, wo = geo.out_size
    k = which.astype(xp.int64)
    rows = xp.arange(ho, dtype=xp.int64).reshape(ho, 1) * sh - ph + (k // kw) * dh
    cols = xp.arange(wo, dtype=xp.int64) * sw - pw + (k % kw) * dw
    return rows * geo.in_size[1] + cols


# --- average pooling --------------------------------------------------------------------------
def _divisor(geo: PoolGeometry, count_include_pad: bool, divisor_override: int | None,
             dtype: Any, xp: Any) -> Any:
    """What each window's sum is divided by: a number when all windows agree, else (Ho, Wo).

    PyTorch's rule: windows are clipped to the padded extent (the ceil_mode overhang never
    counts); with count_include_pad=False they are clipped to the real input instead."""
    if divisor_override:
        return float(divisor_override)
    overhang = any(p != s + 2 * q for p, s, q in zip(geo.padded, geo.in_size, geo.padding))
    if not overhang and (count_include_pad or geo.padding == (0, 0)):
        return float(geo.kernel[0] * geo.kernel[1])
    counts = []
    for n_out, size, k, s, p in zip(geo.out_size, geo.in_size, geo.kernel, geo.stride,
                                    geo.padding):
        start = xp.arange(n_out) * s - p
        end = xp.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, size)
        counts.append(end - start)
    return (counts[0].reshape(-1, 1) * counts[1]).astype(dtype)


class AvgPool(Function):
    """Mean over each window (sum of the kernel-offset slices, divided by the window count)."""

    @staticmethod
    def forward(ctx, x, geo, divisor):
        xp, cl = x.xp, is_channels_last(x.array)
        padded = _pad(x.array, geo, 0.0, xp, cl)
        out = None
        for window in geo.offsets(cl):
            if out is None:
                out = padded[window].copy()
            else:
                out += padded[window]
        ctx.geo, ctx.divisor, ctx.channels_last = geo, divisor, cl
        return _from_work(_divide(out, divisor, cl), cl)

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolScatter.apply(grad, ctx.geo, ctx.divisor, ctx.channels_last), None, None


class AvgPoolScatter(Function):
    """The adjoint of AvgPool: divide, then spread each gradient over its window."""

    @staticmethod
    def forward(ctx, grad, geo, divisor, channels_last):
        ctx.geo, ctx.divisor, ctx.channels_last = geo, divisor, channels_last
        xp, cl = grad.xp, channels_last
        g = _divide(_to_work(grad.array, cl).copy(), divisor, cl)
        n, c = grad.shape[:2]
        out = _scatter_target(xp, n, c, geo, g.dtype, cl)
        for window in geo.offsets(cl):
            if geo.tiles:
                out[window] = g
            else:
                out[window] += g
        return _from_work(out[geo.interior(cl)] if geo.is_padded else out, cl)

    @staticmethod
    def backward(ctx, gg):
        return AvgPool.apply(gg, ctx.geo, ctx.divisor), None, None, None


def _divide(total: Any, divisor: Any, channels_last: bool) -> Any:
    """In place. A Python-float divisor is weak, so float32 stays float32; a (Ho, Wo) divisor
    is lined up with the work layout's plane axes."""
    if isinstance(divisor, float):
        total *= 1.0 / divisor
    else:
        total /= divisor.reshape(divisor.shape + (1,)) if channels_last else divisor
    return total


# --- argument handling ------------------------------------------------------------------------
def pool_geometry(input_shape: tuple, kernel_size: Any, stride: Any, padding: Any,
                  dilation: Any, ceil_mode: bool, op: str) -> PoolGeometry:
    """Check pooling arguments against the input and work out the output (PyTorch's rules)."""
    kernel = as_pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or stride == [] or stride == () else \
        as_pair(stride, "stride", op)
    padding, dilation = as_pair(padding, "padding", op), as_pair(dilation, "dilation", op)
    for name, value in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(value) <= 0:
            raise ArgumentError(f"{op}: {name} must be positive, got {value}")
    if min(padding) < 0:
        raise ArgumentError(f"{op}: padding must be non-negative, got {padding}")
    spans = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(2 * p > s for p, s in zip(padding, spans)):
        raise ArgumentError(f"{op}: padding should be at most half of the (dilated) kernel size, "
                         f"got padding={padding}, kernel_size={kernel}, dilation={dilation}")
    sizes, out, padded = input_shape[-2:], [], []
    for size, span, s, p in zip(sizes, spans, stride, padding):
        room = size + 2 * p - span
        n = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (n - 1) * s >= size + p:  # the last window must start inside
            n -= 1
        out.append(n)
        padded.append(max(size + 2 * p, (n - 1) * s + span))
    if min(out) <= 0:
        raise ShapeError(f"{op}: input of shape {tuple(input_shape)} is too small for "
                         f"kernel_size={kernel} (dilation {dilation}) with padding={padding}: "
                         f"the output would be {out[0]} x {out[1]}")
    return PoolGeometry(tuple(sizes), kernel, stride, padding, dilation, tuple(out), tuple(padded))


def check_pool_input(input: Any, op: str, spatial: int) -> None:
    """What every pool asks of its input: a floating Tensor with ``spatial`` dims after
    (N,) C, so 1-D pools can word the error in their own terms."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{op}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D "
                         f"(batched) input, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")


def _as_batch(input: Tensor, op: str) -> tuple[Tensor, bool]:
    check_pool_input(input, op, 2)
    return (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)


def max_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool, return_indices: bool, op: str) -> Any:
    """``max_pool2d`` with ``op`` naming the caller in errors (``MaxPool2d`` from the layer)."""
    x, unbatched = _as_batch(input, op)
    geo = pool_geometry(x.shape, kernel_size, stride, padding, dilation, ceil_mode, op)
    result = MaxPool.apply(x, geo, bool(return_indices))
    if unbatched:
        result = tuple(r.squeeze(0) for r in result) if return_indices else result.squeeze(0)
    return result


def avg_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
             count_include_pad: bool, divisor_override: int | None, op: str) -> Tensor:
    """``avg_pool2d`` with ``op`` naming the caller in errors (``AvgPool2d`` from the layer)."""
    x, unbatched = _as_batch(input, op)
    geo = pool_geometry(x.shape, kernel_size, stride, padding, 1, ceil_mode, op)
    if divisor_override is not None and (not isinstance(divisor_override, int) or
                                         isinstance(divisor_override, bool) or
                                         divisor_override <= 0):
        raise ArgumentError(f"{op}: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    divisor = _divisor(geo, count_include_pad, divisor_override, x.dtype, x.xp)
    out = AvgPool.apply(x, geo, divisor)
    return out.squeeze(0) if unbatched else out


def _averaging_matrix(n_in: int, n_out: int, like: Tensor) -> Tensor:
    """(n_out, n_in): row i averages PyTorch's adaptive window [floor(i*n/m), ceil((i+1)*n/m))."""
    xp = like.xp
    i = xp.arange(n_out).reshape(-1, 1)
    start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
    j = xp.arange(n_in)
    weights = ((j >= start) & (j < end)) / (end - start)
    return Tensor._make(weights.astype(like.dtype), like.device)


class BoxMean(Function):
    """Mean over the kh x kw tiles of each plane (adaptive pooling with equal windows). A box
    sum is separable: kw strided adds along W, then kh along H (kh + kw array operations,
    not kh * kw); a whole plane is one reduction."""

    @staticmethod
    def forward(ctx, x, kh, kw):
        ctx.kh, ctx.kw = kh, kw
        a = x.array
        if (kh, kw) == a.shape[2:]:  # global average pooling
            return a.mean(axis=(2, 3), keepdims=True)
        rows = a[..., 0::kw].copy()
        for j in range(1, kw):
            rows += a[..., j::kw]
        total = rows[:, :, 0::kh].copy()
        for i in range(1, kh):
            total += rows[:, :, i::kh]
        total *= 1.0 / (kh * kw)  # a weak Python float: float32 stays float32
        return total

    @staticmethod
    def backward(ctx, grad):
        return BoxSpread.apply(grad, ctx.kh, ctx.kw), None, None


class BoxSpread(Function):
    """The adjoint of BoxMean: each gradient, divided by the tile size, copied over its tile."""

    @staticmethod
    def forward(ctx, grad, kh, kw):
        ctx.kh, ctx.kw = kh, kw
        g = grad.array * (1.0 / (kh * kw))
        if g.shape[2:] == (1, 1):  # global pooling: one broadcasting write beats repeat
            out = grad.xp.empty(g.shape[:2] + (kh, kw), dtype=g.dtype)
            out[...] = g
            return out
        return g.repeat(kh, axis=2).repeat(kw, axis=3)

    @staticmethod
    def backward(ctx, gg):
        return BoxMean.apply(gg, ctx.kh, ctx.kw), None, None


def adaptive_avg_pool(input: Tensor, output_size: Any, op: str) -> Tensor:
    """``adaptive_avg_pool2d`` with ``op`` naming the caller in errors."""
    x, unbatched = _as_batch(input, op)
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        sizes = tuple(s if s is not None else x.shape[2 + i] for i, s in enumerate(output_size))
    else:
        sizes = output_size
    ho, wo = as_pair(sizes, "output_size", op)
    if ho <= 0 or wo <= 0:
        raise ArgumentError(f"{op}: output_size must be positive, got {output_size!r}")
    n, c, h, w = x.shape
    if h == 0 or w == 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} has an empty plane")
    if h % ho == 0 and w % wo == 0:  # equal windows tiling the plane
        out = BoxMean.apply(x, h // ho, w // wo)
    else:
        out = _averaging_matrix(h, ho, x) @ x @ _averaging_matrix(w, wo, x).transpose(0, 1)
    return out.squeeze(0) if unbatched else out


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """PyTorch's ``F.max_pool2d``: the largest value of each window (padding counts as -inf);
    the gradient goes to the first maximum of each window. Any order of gradients."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    "max_pool2d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """PyTorch's ``F.avg_pool2d``: the mean of each window (zero padding counted unless
    ``count_include_pad=False``). Any order of gradients."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, "avg_pool2d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """PyTorch's ``F.adaptive_avg_pool2d``: average over windows chosen to give ``output_size``
    (an int, or a pair whose None entries keep the input's size). Any order of gradients."""
    return adaptive_avg_pool(input, output_size, "adaptive_avg_pool2d")

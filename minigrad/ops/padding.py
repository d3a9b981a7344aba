"""PyTorch's ``F.pad`` in all four modes: 'constant', 'reflect', 'replicate', 'circular'.

Every mode is a rule for *which input position feeds each output position*. Along one
padded dimension of size n, output position j reads input position i = j - before, moved
back inside [0, n) by the mode:

- reflect:   mirror about the edge elements, without repeating them (-1 -> 1, n -> n - 2);
- replicate: clamp to the nearest edge (-1 -> 0, n -> n - 1);
- circular:  wrap around (-1 -> n - 1, n -> 0).

So each padded dimension is a gather, whose backward is the scatter-add that sums the
gradient of every copy back into the element it was copied from, and whose double backward
is the gather again. The output is the input's kept block with a few border runs of
consecutive source positions beside it (reflect: the mirrored start and end), so the gather
is one slice copy plus one per run (``EdgePad``) and the scatter one slice copy plus one
slice-add per run (``EdgePadAdjoint``): an index array would be copied and added one element
at a time (about 5x slower). A
negative padding simply starts (or ends) the index range inside the input: it crops.
'constant' has nothing to gather: a positive width is ``numpy.pad``'s job (backward: the
slice that was the input) and a negative one a slice.

Which dimensions a non-constant mode may pad follows PyTorch: 2 numbers pad the last
dimension of a 2-D or 3-D input, 4 the last two of a 3-D or 4-D input, 6 the last three of
a 4-D or 5-D input (one optional batch dimension in front of the channels).
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from ..autograd.function import Function
from ..tensor import Tensor
from .shape import Clone, GetItem, Pad

MODES = ("constant", "reflect", "replicate", "circular")


def _widths(x: Tensor, pad: Sequence[int], mode: str) -> list:
    """(before, after) per dimension of ``x``, after PyTorch's checks on ``pad`` itself."""
    if not isinstance(x, Tensor):
        raise TypeError(f"pad: expected a Tensor input, got {type(x).__name__}")
    if mode not in MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r} (expected one of "
                                  f"{', '.join(repr(m) for m in MODES)})")
    try:
        pad = [int(p) for p in pad]
    except (TypeError, ValueError):
        raise TypeError(f"pad: padding must be a sequence of ints, got {pad!r}") from None
    if len(pad) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2, got {tuple(pad)}")
    if len(pad) > 2 * x.ndim:
        raise RuntimeError(f"pad: padding length should be at most twice the input dimension, "
                           f"got padding {tuple(pad)} for an input of shape {tuple(x.shape)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def _check_non_constant(x: Tensor, widths: list, npad: int, mode: str) -> None:
    """PyTorch's rules for reflect/replicate/circular: dims allowed, sizes large enough."""
    shape = tuple(x.shape)
    dims = npad // 2
    if npad not in (2, 4, 6) or x.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"pad: padding of length {npad} is not supported for a {x.ndim}-D input of shape "
            f"{shape} in mode {mode!r}; non-constant padding takes 2 numbers for a 2-D or 3-D "
            f"input, 4 for a 3-D or 4-D input, 6 for a 4-D or 5-D input")
    if any(s == 0 for s in shape[1:]) or (x.ndim == dims + 1 and shape[0] == 0):
        raise RuntimeError(f"pad: mode {mode!r} needs non-empty dimensions (except the batch "
                           f"dimension), got an input of shape {shape}")
    for axis in range(x.ndim - dims, x.ndim):
        (lo, hi), n = widths[axis], shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: reflect padding ({lo}, {hi}) must be less than the size "
                               f"{n} of dimension {axis} of the input of shape {shape}")
        if mode == "circular" and (abs(lo) > n or abs(hi) > n):
            raise RuntimeError(f"pad: circular padding ({lo}, {hi}) wraps around more than once "
                               f"along dimension {axis} of size {n} (input of shape {shape})")
        if n + lo + hi < (0 if mode == "circular" else 1):
            raise RuntimeError(f"pad: padding ({lo}, {hi}) leaves {n + lo + hi} elements of "
                               f"dimension {axis} of size {n} (input of shape {shape})")


def source_index(n: int, lo: int, hi: int, mode: str) -> list:
    """For each output position along one dimension, the input position it copies."""
    index = []
    for i in range(-lo, n + hi):
        if mode == "reflect":
            i = (n - 1) - abs((n - 1) - abs(i))  # mirror at the start, then at the end
        elif mode == "replicate":
            i = min(max(i, 0), n - 1)
        else:
            i = i % n
        index.append(i)
    return index


def index_runs(index: list) -> list:
    """Split source positions into runs ``(first, step, length)`` with step -1, 0 or 1."""
    runs, j = [], 0
    while j < len(index):
        step = index[j + 1] - index[j] if j + 1 < len(index) else 1
        step = step if step in (-1, 0, 1) else 1
        length = 1
        while j + length < len(index) and index[j + length] - index[j + length - 1] == step:
            length += 1
        runs.append((index[j], step, length))
        j += length
    return runs


# A short mirrored run is copied (added) one position at a time: along the last axis a reversed
# slice of a few elements goes a few elements per NumPy inner loop, 3-4x slower (measured).
_SHORT_MIRROR = 8


def _plan(n: int, lo: int, hi: int, mode: str) -> tuple:
    """Along one dimension: the block the input keeps as is, ``(output start, input start,
    length)``, and the border runs outside it, ``(output start, first, step, length)``. The
    block is one plain slice copy each way; only the borders are gathered and scatter-added
    (adding the whole gradient slice by slice was ~3x slower than copying it)."""
    index = source_index(n, lo, hi, mode)
    o0 = max(lo, 0)
    size = max(min(lo + n, len(index)) - o0, 0)
    borders = []
    for start, part in ((0, index[:o0]), (o0 + size, index[o0 + size:])):
        for first, step, length in index_runs(part):
            if step == -1 and length <= _SHORT_MIRROR:  # one position at a time (see above)
                borders += [(start + k, first - k, 1, 1) for k in range(length)]
            else:
                borders.append((start, first, step, length))
            start += length
    return (o0, o0 - lo, size), borders


def _run_source(first: int, step: int, length: int) -> slice:
    """The slice of a run's source positions (a step-0 run reads one position)."""
    if step == 0:
        return slice(first, first + 1)
    stop = first + step * length
    return slice(first, stop if stop >= 0 else None, step)


class EdgePad(Function):
    """Output along ``axis``: the kept block of the input, with each border run's source slice
    beside it (a step-0 run repeats one slice ``length`` times), in one fresh array."""

    @staticmethod
    def forward(ctx, x, axis, plan):
        ctx.shape, ctx.axis, ctx.plan = x.shape, axis, plan
        (o0, i0, size), borders = plan
        shape = list(x.shape)
        shape[axis] = size + sum(run[3] for run in borders)
        out, pre = x.xp.empty(tuple(shape), dtype=x.dtype), (slice(None),) * axis
        out[pre + (slice(o0, o0 + size),)] = x.array[pre + (slice(i0, i0 + size),)]
        for start, first, step, length in borders:
            out[pre + (slice(start, start + length),)] = x.array[pre + (_run_source(
                first, step, length),)]
        return out

    @staticmethod
    def backward(ctx, grad):
        return EdgePadAdjoint.apply(grad, ctx.shape, ctx.axis, ctx.plan), None, None


class EdgePadAdjoint(Function):
    """The scatter-add back: the kept block's gradient copied, each border run's gradient
    slice added onto its source slice, zeros where the input was cropped away."""

    @staticmethod
    def forward(ctx, grad, shape, axis, plan):
        ctx.axis, ctx.plan = axis, plan
        (o0, i0, size), borders = plan
        out, pre = grad.xp.empty(shape, dtype=grad.dtype), (slice(None),) * axis
        out[pre + (slice(i0, i0 + size),)] = grad.array[pre + (slice(o0, o0 + size),)]
        out[pre + (slice(0, i0),)] = 0
        out[pre + (slice(i0 + size, None),)] = 0
        for start, first, step, length in borders:
            piece = grad.array[pre + (slice(start, start + length),)]
            if step == 0:
                piece = piece.sum(axis=axis, keepdims=True)
            out[pre + (_run_source(first, step, length),)] += piece
        return out

    @staticmethod
    def backward(ctx, grad):
        return EdgePad.apply(grad, ctx.axis, ctx.plan), None, None, None


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's F.pad: ``pad`` lists (before, after) pairs from the last dimension backwards;
    negative numbers crop. Non-constant modes take no ``value``."""
    widths = _widths(x, pad, mode)
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()  # a one-element tensor is a number to PyTorch too
    if value is not None and not isinstance(value, numbers.Number):
        raise TypeError(f"pad: value must be a number, got {type(value).__name__} ({value!r})")
    if mode == "constant":
        return _constant(x, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take a value argument, got "
                           f"value={value!r}")
    _check_non_constant(x, widths, len(pad), mode)
    out = x
    for axis, (lo, hi) in enumerate(widths):
        if lo or hi:
            out = EdgePad.apply(out, axis, _plan(x.shape[axis], lo, hi, mode))
    return Clone.apply(x) if out is x else out  # a new tensor even with nothing to pad


def _constant(x: Tensor, widths: list, value: float) -> Tensor:
    """Crop the negative widths (a slice), then pad the positive ones with ``value``."""
    shape = tuple(x.shape)
    for axis, ((lo, hi), n) in enumerate(zip(widths, shape)):
        if n + min(lo, 0) + min(hi, 0) < 0:
            raise RuntimeError(f"pad: padding ({lo}, {hi}) would crop more than the {n} elements "
                               f"of dimension {axis} (input of shape {shape})")
    if not widths:  # a 0-d input and an empty ``pad``: nothing to do (NumPy's pad rejects it)
        return Clone.apply(x)
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        crop = []
        for (lo, hi), n in zip(widths, shape):
            start = max(-lo, 0)
            crop.append(slice(start, max(start, n + min(hi, 0))))
        x = GetItem.apply(x, tuple(crop))
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    return Pad.apply(x, tuple(widths), value)

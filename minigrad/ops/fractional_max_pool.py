"""Fractional max pooling (Graham, 2014; PyTorch's ``fractional_max_pool2d`` / ``3d``): max
pooling whose windows (of a fixed ``kernel_size``) start at pseudo-random positions, so the
output can shrink the input by a non-integer ratio.

Per (sample, channel) and spatial dim, one number u in [0, 1) fixes the window starts by
PyTorch's rule, computed in the input's dtype: with alpha = (in - k) / (out - 1), window i
starts at int((i + u) * alpha) - int(u * alpha), and the last one at in - k. The u's come
from ``_random_samples`` (shape (N, C, dims)) or are drawn with minigrad's generator; PyTorch
reads them in the order W, H for 2-D and D, H, W for 3-D.

A box window is separable, so the pool is one gather-and-max per spatial dim (last dim
first), built from ``gather`` and ``max(dim)``: differentiable to any order. Each stage keeps
its first maximum (or its last nan), so the winner is the first maximum in row-major order
(or the last nan), PyTorch's rule; the winners' flat indices ride along as a position array
gathered the same way.
"""
from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from .indexing import gather


def _tuple(value: Any, dims: int, name: str, op: str, kind: type) -> tuple:
    kinds = (int,) if kind is int else (int, float)
    if isinstance(value, kinds) and not isinstance(value, bool):
        return (value,) * dims
    if isinstance(value, (tuple, list)) and len(value) == dims and \
            all(isinstance(v, kinds) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise TypeError(f"{op}: {name} must be a number or a tuple of {dims}, got {value!r}")


def _starts(xp: Any, samples: Any, in_size: int, out_size: int, kernel: int) -> Any:
    """(N, C, out) window starts from (N, C) samples, in the samples' dtype (PyTorch's
    ``generate_intervals``; C's int cast truncates toward zero, as astype does)."""
    starts = xp.full(samples.shape + (out_size,), in_size - kernel, dtype=xp.int64)
    if out_size > 1:
        dtype = samples.dtype.type
        alpha = dtype(in_size - kernel) / dtype(out_size - 1)
        i = xp.arange(out_size - 1, dtype=samples.dtype)
        u = samples[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(xp.int64) - (u * alpha).astype(xp.int64)
    return starts


def fractional_max_pool(input: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any,
                        random_samples: Any, dims: int, op: str) -> tuple:
    """(values, flat indices) of fractional max pooling over ``dims`` spatial dims, for
    (N, C, *S) or unbatched (C, *S) ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D input, "
                           f"got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    unbatched = input.ndim == dims + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c, sizes = x.shape[0], x.shape[1], tuple(x.shape[2:])
    kernel = _tuple(kernel_size, dims, "kernel_size", op, int)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratios = _tuple(output_ratio, dims, "output_ratio", op, float)
        if not all(0 < r < 1 for r in ratios):
            raise ValueError(f"{op}: output_ratio must be between 0 and 1 (got {output_ratio})")
        out = tuple(int(s * r) for s, r in zip(sizes, ratios))
    else:
        out = _tuple(output_size, dims, "output_size", op, int)
    names = ("time", "height", "width")[3 - dims:]
    room = 0 if dims == 2 else 1  # PyTorch's 3-D check is strict: out + k - 1 < in
    for name, k, o, s in zip(names, kernel, out, sizes):
        if k <= 0 or o <= 0:
            raise RuntimeError(f"{op}: kernel_size {kernel} and output size {out} must be "
                               f"positive")
        if o + k - 1 + room > s:
            raise RuntimeError(f"{op}: pool {name} {k} too large relative to input {name} "
                               f"{s} for output {name} {o} (input shape {tuple(input.shape)})")
    xp = x.xp
    if random_samples is None:
        samples = x.backend.rng.random((n, c, dims)).astype(x.dtype)
    else:
        if not isinstance(random_samples, Tensor):
            raise TypeError(f"{op}: _random_samples must be a Tensor, got "
                            f"{type(random_samples).__name__}")
        if random_samples.dtype != x.dtype:
            raise RuntimeError(f"{op}: Expect _random_samples to have the same dtype as input "
                               f"({x.dtype}), got {random_samples.dtype}")
        if random_samples.ndim != 3 or random_samples.shape[0] < n or \
                tuple(random_samples.shape[1:]) != (c, dims):
            raise RuntimeError(f"{op}: expected _random_samples of shape {(n, c, dims)}, got "
                               f"{tuple(random_samples.shape)}")
        samples = random_samples.array[:n]
    # PyTorch's sample order: (W, H) in 2-D, (D, H, W) in 3-D
    which = (1, 0) if dims == 2 else (0, 1, 2)
    position = xp.broadcast_to(xp.arange(math.prod(sizes), dtype=xp.int64).reshape(sizes),
                               x.shape)
    value = x
    for d in reversed(range(dims)):
        axis = 2 + d
        starts = _starts(xp, samples[:, :, which[d]], sizes[d], out[d], kernel[d])
        windows = (starts[..., None] + xp.arange(kernel[d])).reshape(n, c, -1)
        shape = list(value.shape)
        shape[axis] = out[d] * kernel[d]
        index = xp.ascontiguousarray(xp.broadcast_to(
            windows.reshape((n, c) + (1,) * d + (-1,) + (1,) * (dims - d - 1)), shape))
        split = tuple(shape[:axis]) + (out[d], kernel[d]) + tuple(shape[axis + 1:])
        grouped = gather(value, axis, Tensor._make(index, x.device)).reshape(split)
        value, pick = grouped.max(dim=axis + 1)
        pick = pick.array
        nan = xp.isnan(value.array)
        if nan.any():  # PyTorch's winner among nans is the last one; max(dim) takes the first
            last = kernel[d] - 1 - xp.flip(xp.isnan(grouped.array), axis=axis + 1) \
                .argmax(axis=axis + 1)
            pick = xp.where(nan, last, pick)
            value = gather(grouped, axis + 1, Tensor._make(xp.expand_dims(pick, axis + 1),
                                                           x.device)).squeeze(axis + 1)
        position = xp.take_along_axis(position, index, axis=axis).reshape(split)
        position = xp.take_along_axis(position, xp.expand_dims(pick, axis + 1),
                                      axis=axis + 1).squeeze(axis + 1)
    indices = Tensor._make(position, x.device)
    if unbatched:
        return value.squeeze(0), indices.squeeze(0)
    return value, indices


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple:
    """PyTorch's ``F.fractional_max_pool2d_with_indices``: always (values, indices)."""
    return fractional_max_pool(input, kernel_size, output_size, output_ratio, _random_samples,
                               2, "fractional_max_pool2d")


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """PyTorch's ``F.fractional_max_pool2d``: max over kernel_size windows at pseudo-random
    starts, giving ``output_size`` (or input size * ``output_ratio``). Any order of gradients."""
    result = fractional_max_pool(input, kernel_size, output_size, output_ratio, _random_samples,
                                 2, "fractional_max_pool2d")
    return result if return_indices else result[0]


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple:
    """PyTorch's ``F.fractional_max_pool3d_with_indices``: always (values, indices)."""
    return fractional_max_pool(input, kernel_size, output_size, output_ratio, _random_samples,
                               3, "fractional_max_pool3d")


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """PyTorch's ``F.fractional_max_pool3d``: the volumetric form of fractional_max_pool2d."""
    result = fractional_max_pool(input, kernel_size, output_size, output_ratio, _random_samples,
                                 3, "fractional_max_pool3d")
    return result if return_indices else result[0]

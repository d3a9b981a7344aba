"""3-D (volumetric) pooling: PyTorch's ``max_pool3d``, ``avg_pool3d`` and ``adaptive_avg_pool3d``
over (N, C, D, H, W) or unbatched (C, D, H, W) inputs.

A box window is separable: the max (or sum) over a d x h x w box is the max (sum) along depth
of the maxima (sums) over each h x w plane. So a 3-D pool is the 2-D pool of
``minigrad/ops/pooling.py`` over every depth slice (an (N, C*D, H, W) batch of planes), then
the same 2-D pool with a (kd, 1) kernel along depth (an (N, C, D, Ho*Wo) view). Padding,
dilation and ceil_mode act per dimension, so they split the same way; so do average pooling's
window counts (a clipped box is a box: its size is the product of its sides). Taking the
first maximum in each stage picks the first maximum in (d, h, w) order, PyTorch's rule, so
the indices and the gradient's target match PyTorch's. Both stages support gradients of any
order, hence so does the 3-D pool; the fast 2-D path is reused unchanged.
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .pooling import adaptive_avg_pool, avg_pool, max_pool


def as_triple(value: Any, name: str, op: str) -> tuple:
    """An int or three ints -> (d, h, w) (PyTorch's ``_triple``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * 3
    if isinstance(value, (tuple, list)) and len(value) == 3 and \
            all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    if isinstance(value, (tuple, list)) and len(value) == 1:
        return as_triple(value[0], name, op)
    raise TypeError(f"{op}: {name} must be an int or a tuple of three ints, got {value!r}")


def check_input3d(input: Any, op: str) -> tuple[Tensor, bool]:
    """A floating 4-D (C, D, H, W) or 5-D (N, C, D, H, W) Tensor with a non-empty volume, as
    a batch (and whether it was unbatched)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{op}: expected a 4-D (unbatched) or 5-D (batched) input, got shape "
                           f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if min(input.shape[-4:]) == 0:
        raise RuntimeError(f"{op}: expected an input with non-zero channels and volume, got "
                           f"shape {tuple(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)


def window3d(shape: tuple, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool, op: str) -> tuple:
    """Check 3-D window arguments as PyTorch does (``pool3d_shape_check``): positive kernel,
    stride and dilation, padding at most half the (undilated) kernel, a non-empty output.
    Returns (kernel, stride, padding, dilation, output size) as triples."""
    k = as_triple(kernel_size, "kernel_size", op)
    s = k if stride is None or stride == [] or stride == () else as_triple(stride, "stride", op)
    p, d = as_triple(padding, "padding", op), as_triple(dilation, "dilation", op)
    for name, value in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if min(value) <= 0:
            raise RuntimeError(f"{op}: {name} must be positive, got {value}")
    if min(p) < 0 or any(2 * pi > ki for pi, ki in zip(p, k)):
        raise RuntimeError(f"{op}: pad should be smaller than or equal to half of kernel size, "
                           f"but got kernel_size={k}, padding={p}")
    out = []
    for size, ki, si, pi, di in zip(shape[-3:], k, s, p, d):
        room = size + 2 * pi - di * (ki - 1) - 1
        n = (-(-room // si) if ceil_mode else room // si) + 1
        if ceil_mode and (n - 1) * si >= size + pi:  # the last window must start inside
            n -= 1
        out.append(n)
    if min(out) <= 0:
        raise RuntimeError(f"{op}: input of shape {tuple(shape)} is too small for "
                           f"kernel_size={k} (dilation {d}) with padding={p}: the output would "
                           f"be {out[0]}x{out[1]}x{out[2]}")
    return k, s, p, d, tuple(out)


def _planes(x: Tensor) -> Tensor:
    """(N, C, D, H, W) as an (N, C*D, H, W) batch of planes for the 2-D pools."""
    n, c, d, h, w = x.shape
    return x.reshape(n, c * d, h, w)


def _depth_rows(y: Tensor, n: int, c: int, d: int) -> Tensor:
    """The 2-D stage's (N, C*D, Ho, Wo) result as (N, C, D, Ho*Wo): depth is now a row axis."""
    return y.reshape(n, c, d, y.shape[-2] * y.shape[-1])


def volume_indices(plane_index: Tensor, depth_index: Tensor, shape: tuple,
                   plane_out: tuple) -> Tensor:
    """Flat d * H * W + h * W + w indices of the winners from the two stages' indices: the
    depth stage's index is d * (Ho*Wo) + j, and the plane stage's index at (d, j) is h*W + w."""
    n, c, _, h, w = shape
    xp = plane_index.xp
    rows = plane_index.array.reshape(n, c, shape[2], -1)
    depth = depth_index.array // (plane_out[0] * plane_out[1])
    flat = depth * (h * w) + xp.take_along_axis(rows, depth, axis=2)
    return Tensor._make(flat.reshape(depth.shape[:3] + plane_out), plane_index.device)


def max_pool3d_op(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                  ceil_mode: bool, return_indices: bool, op: str) -> Any:
    """``max_pool3d`` with ``op`` naming the caller in errors (``MaxPool3d`` from the layer)."""
    x, unbatched = check_input3d(input, op)
    k, s, p, d, out = window3d(x.shape, kernel_size, stride, padding, dilation, ceil_mode, op)
    n, c, depth = x.shape[:3]
    planes = max_pool(_planes(x), k[1:], s[1:], p[1:], d[1:], ceil_mode, return_indices, op)
    plane, plane_index = planes if return_indices else (planes, None)
    pooled = max_pool(_depth_rows(plane, n, c, depth), (k[0], 1), (s[0], 1), (p[0], 0),
                      (d[0], 1), ceil_mode, return_indices, op)
    value, depth_index = pooled if return_indices else (pooled, None)
    value = value.reshape(n, c, *out)
    result = (value, volume_indices(plane_index, depth_index, x.shape, out[1:])) \
        if return_indices else value
    if unbatched:
        result = tuple(r.squeeze(0) for r in result) if return_indices else result.squeeze(0)
    return result


def avg_pool3d_op(input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                  count_include_pad: bool, divisor_override: int | None, op: str) -> Tensor:
    """``avg_pool3d`` with ``op`` naming the caller in errors (``AvgPool3d`` from the layer).
    With ``divisor_override`` both stages sum (override 1) and the total is divided once."""
    x, unbatched = check_input3d(input, op)
    k, s, p, _, out = window3d(x.shape, kernel_size, stride, padding, 1, ceil_mode, op)
    if divisor_override is not None and (not isinstance(divisor_override, int) or
                                         isinstance(divisor_override, bool) or
                                         divisor_override <= 0):
        raise RuntimeError(f"{op}: divisor must be not zero (divisor_override must be a "
                           f"positive int), got {divisor_override!r}")
    stage = None if divisor_override is None else 1
    n, c, depth = x.shape[:3]
    plane = avg_pool(_planes(x), k[1:], s[1:], p[1:], ceil_mode, count_include_pad, stage, op)
    value = avg_pool(_depth_rows(plane, n, c, depth), (k[0], 1), (s[0], 1), (p[0], 0),
                     ceil_mode, count_include_pad, stage, op).reshape(n, c, *out)
    if divisor_override is not None:
        value = value / float(divisor_override)
    return value.squeeze(0) if unbatched else value


def adaptive_sizes3d(input: Tensor, output_size: Any, op: str) -> tuple:
    """An int, or three entries whose None keeps the input's size -> positive (Do, Ho, Wo)."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 3:
        output_size = tuple(n if s is None else s for s, n in zip(output_size, input.shape[-3:]))
    sizes = as_triple(output_size, "output_size", op)
    if min(sizes) <= 0:
        raise RuntimeError(f"{op}: output_size must be positive, got {output_size!r}")
    return sizes


def adaptive_avg_pool3d_op(input: Tensor, output_size: Any, op: str) -> Tensor:
    """``adaptive_avg_pool3d`` with ``op`` naming the caller in errors."""
    x, unbatched = check_input3d(input, op)
    do, ho, wo = adaptive_sizes3d(x, output_size, op)
    n, c, depth, h, w = x.shape
    if (do, ho, wo) == (1, 1, 1):  # global: one mean over each (D, H*W) plane
        value = adaptive_avg_pool(x.reshape(n, c, depth, h * w), 1, op).reshape(n, c, 1, 1, 1)
        return value.squeeze(0) if unbatched else value
    plane = adaptive_avg_pool(_planes(x), (ho, wo), op)
    value = adaptive_avg_pool(_depth_rows(plane, n, c, depth), (do, ho * wo), op)
    value = value.reshape(n, c, do, ho, wo)
    return value.squeeze(0) if unbatched else value


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """PyTorch's ``F.max_pool3d``: the largest value of each d x h x w window (padding counts
    as -inf); the gradient goes to the first maximum. Any order of gradients."""
    return max_pool3d_op(input, kernel_size, stride, padding, dilation, ceil_mode,
                         return_indices, "max_pool3d")


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """PyTorch's ``F.avg_pool3d``: the mean of each d x h x w window (zero padding counted
    unless ``count_include_pad=False``). Any order of gradients."""
    return avg_pool3d_op(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override, "avg_pool3d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """PyTorch's ``F.adaptive_avg_pool3d``: average over windows chosen to give
    ``output_size`` (an int, or a triple whose None entries keep the input's size)."""
    return adaptive_avg_pool3d_op(input, output_size, "adaptive_avg_pool3d")

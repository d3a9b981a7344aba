"""Max unpooling (PyTorch's ``max_unpool1d`` / ``max_unpool2d``): the partial inverse of max
pooling, which puts each pooled value back where ``max_pool(return_indices=True)`` found it
and zeros everywhere else (decoders of SegNet-style networks).

The indices are flat positions in each output plane (h * W + w, or l in 1-D), so for any
number of spatial dims the op is a scatter into (N * C, plane) rows. Backward gathers the
gradient at the same positions, written with the differentiable ``gather`` (whose backward
is a scatter-add), so unpooling has gradients of any order.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..tensor import Tensor
from .indexing import gather


class MaxUnpool(Function):
    """(R, L) values scattered into zero (R, plane) rows at their (R, L) flat indices."""

    @staticmethod
    def forward(ctx, x, index, plane):
        xp = x.xp
        rows = x.shape[0]
        out = xp.zeros((rows, plane), dtype=x.dtype)
        out[xp.arange(rows).reshape(-1, 1), index.array] = x.array
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx, grad):
        return gather(grad, 1, ctx.index), None, None


def _output_size(input: Tensor, kernel: tuple, stride: tuple, padding: tuple,
                 output_size: Any, op: str) -> tuple:
    """PyTorch's ``_unpool_output_size``: (in - 1) * stride - 2 * padding + kernel per spatial
    dim, or ``output_size`` (its last dims) when it is within one stride of that."""
    spatial = len(kernel)
    default = [(input.shape[input.ndim - spatial + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(spatial)]
    if output_size is None:
        return tuple(default)
    sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size]
    if len(sizes) == spatial + 2:
        sizes = sizes[2:]
    if len(sizes) != spatial:
        raise ValueError(f"{op}: output_size should be a sequence containing {spatial} or "
                         f"{spatial + 2} elements, but it has a length of '{len(sizes)}'")
    for d in range(spatial):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < int(sizes[d]) < high:
            raise ValueError(f'{op}: invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f"between {low} and {high})")
    return tuple(int(s) for s in sizes)


def max_unpool(input: Tensor, indices: Tensor, kernel: tuple, stride: tuple, padding: tuple,
               output_size: Any, op: str) -> Tensor:
    """Unpool (N, C, *in) or unbatched (C, *in) ``input`` over ``len(kernel)`` spatial dims,
    with ``op`` naming the caller in errors."""
    spatial = len(kernel)
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{op}: expected input and indices tensors, got "
                        f"{type(input).__name__} and {type(indices).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D "
                           f"input, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if indices.dtype != "int64":
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input "
                           f"tensor ({tuple(input.shape)}) but got indices tensor with shape: "
                           f"{tuple(indices.shape)}")
    if input.device != indices.device:
        raise RuntimeError(f"{op}: input is on {input.device} but indices are on "
                           f"{indices.device}")
    for name, values in (("kernel_size", kernel), ("stride", stride)):
        if min(values) <= 0:
            raise ValueError(f"{op}: {name} must be positive, got {values}")
    size = _output_size(input, kernel, stride, padding, output_size, op)
    if min(size) <= 0:
        raise ValueError(f"{op}: the output size {size} is empty for an input of shape "
                         f"{tuple(input.shape)}")
    plane = 1
    for s in size:
        plane *= s
    idx = indices.array
    if idx.size and bool(((idx < 0) | (idx >= plane)).any()):
        bad = int(indices.backend.to_numpy(idx[(idx < 0) | (idx >= plane)])[0])
        raise RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are of "
                           f"size {'x'.join(str(s) for s in size)})")
    lead = tuple(input.shape[:input.ndim - spatial])
    rows = 1
    for s in lead:
        rows *= s
    flat_index = Tensor._make(idx.reshape(rows, -1), input.device)
    out = MaxUnpool.apply(input.reshape(rows, -1), flat_index, plane)
    return out.reshape(lead + size)

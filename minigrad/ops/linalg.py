"""Matrix products: ``a @ b`` for 1-D, 2-D and batched (broadcast) operands."""
from __future__ import annotations

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .broadcast import broadcast_shapes, sum_to_shape


class MatMul(Function):
    """Backward promotes 1-D operands to matrices, as forward does, so one rule covers all cases:
    dA = dC @ B^T and dB = A^T @ dC, summed over broadcast batch dimensions."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.matmul(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        batch = broadcast_shapes("matmul", a2.shape[:-2], b2.shape[:-2])
        grad = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to_shape(grad @ b2.transpose(-1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = sum_to_shape(a2.transpose(-1, -2) @ grad, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with PyTorch's dtype rule and a shape error that names both shapes."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected two tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned "
                         f"({k_a} != {k_b})")
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
    if a.dtype != b.dtype:  # PyTorch's rule: float32 @ int64 stays float32
        dtype = dtypes.result_type(a.dtype, b.dtype)
        a, b = a.to(dtype), b.to(dtype)
    return MatMul.apply(a, b)

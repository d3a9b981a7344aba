"""PyTorch's functional spellings of things minigrad already has as methods or under another
name (torch.clone, torch.detach, torch.concat/concatenate, torch.ger, torch.mv), and its dtype
queries (result_type, promote_types, can_cast, is_floating_point).

Grouped because none adds math: each forwards to the op that owns it, so code written against
``torch.*`` runs unchanged on ``minigrad.*``.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from .. import dtypes
from ..tensor import Tensor
from .elementwise import _tensor_input
from .linalg import matmul, outer
from .shape import cat


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A copy with its own memory; the gradient flows back to ``input``."""
    return _tensor_input(input, "clone").clone()


def detach(input: Tensor) -> Tensor:  # noqa: A002
    """The same values outside the autograd graph."""
    return _tensor_input(input, "detach").detach()


def concat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """PyTorch's alias of cat."""
    return cat(tensors, dim)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """PyTorch's NumPy-style alias of cat (the dimension is called ``axis``)."""
    return cat(tensors, axis)


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """PyTorch's old name for outer."""
    return outer(input, vec2)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """Matrix x vector: (n, m) @ (m,) -> (n,), refusing other shapes (matmul would broadcast)."""
    for name, t, nd in (("input", input, 2), ("vec", vec, 1)):
        if not isinstance(t, Tensor):
            raise TypeError(f"mv: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim != nd:
            raise RuntimeError(f"mv: expected {name} to be {nd}-D, got shape {tuple(t.shape)}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: shapes {tuple(input.shape)} and {tuple(vec.shape)} cannot be "
                           f"multiplied ({input.shape[1]} != {vec.shape[0]})")
    if input.dtype != vec.dtype:
        raise RuntimeError(f"mv: expected both operands to have the same dtype, got "
                           f"{input.dtype} and {vec.dtype}")
    return matmul(input, vec)


# --- dtype queries --------------------------------------------------------------------------
def result_type(tensor1: Any, tensor2: Any) -> Any:
    """The dtype an arithmetic op on these two operands (tensors or numbers) gives."""
    t1, t2 = isinstance(tensor1, Tensor), isinstance(tensor2, Tensor)
    if t1 and t2:
        return dtypes.result_type(tensor1.dtype, tensor2.dtype, tensor1.ndim == 0,
                                  tensor2.ndim == 0)
    if t1 or t2:
        tensor, scalar = (tensor1, tensor2) if t1 else (tensor2, tensor1)
        return dtypes.scalar_result_type(tensor.dtype, _number(scalar))
    a, b = _number(tensor1), _number(tensor2)  # two numbers: bool < int < default float
    kinds = [bool if isinstance(v, bool) else int if isinstance(v, numbers.Integral) else float
             for v in (a, b)]
    if float in kinds:
        return dtypes.get_default_dtype()
    return dtypes.int64 if int in kinds else dtypes.bool


def promote_types(type1: Any, type2: Any) -> Any:
    """The smallest dtype both dtypes convert to without losing their category (PyTorch's
    rule: int64 with float16 gives float16)."""
    return dtypes.result_type(dtypes.as_dtype(type1), dtypes.as_dtype(type2))


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's type promotion allows the cast: never down a category (float to
    int, int to bool); any width within one."""
    a, b = dtypes.as_dtype(from_), dtypes.as_dtype(to)
    return dtypes._category(a) <= dtypes._category(b)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """Whether the tensor holds floating-point numbers."""
    return dtypes.is_floating(_tensor_input(input, "is_floating_point").dtype)


def _number(value: Any) -> Any:
    if not isinstance(value, numbers.Number):
        raise TypeError(f"result_type: expected Tensors or numbers, got {type(value).__name__}")
    return value

"""PyTorch's ``*_copy`` functions: each view op (``t``, ``expand``, ``unfold``...) followed by a
copy, so the result owns its memory and writing to it never reaches the input.

They exist in PyTorch for code that must not alias (functionalized graphs, exports); each is
the view op and a differentiable ``clone``, so gradients (and double backward) come from
those. ``view_copy`` with a dtype is a dtype view and, like it, not differentiable.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from .dims import normalize_dim
from .dtype_view import _is_dtype, view_dtype
from .elementwise import _tensor_input
from .shape import Clone


def _copied(out: Any) -> Any:
    if isinstance(out, (tuple, list)):
        return tuple(Clone.apply(piece) for piece in out)
    return Clone.apply(out)


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of the tensor (what ``alias`` then copy gives), gradient passing through."""
    return Clone.apply(_tensor_input(input, "alias_copy"))


def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """A copy cut off from the graph."""
    return Clone.apply(_tensor_input(input, "detach_copy").detach())


def as_strided_copy(input: Tensor, size: Sequence[int], stride: Sequence[int],  # noqa: A002
                    storage_offset: int | None = None) -> Tensor:
    return _tensor_input(input, "as_strided_copy").as_strided(size, stride, storage_offset)


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
                  dim2: int = 1) -> Tensor:
    return _copied(_tensor_input(input, "diagonal_copy").diagonal(offset, dim1, dim2))


def expand_copy(input: Tensor, size: Sequence[int], *,  # noqa: A002
                implicit: bool = False) -> Tensor:
    """``implicit`` is accepted, as PyTorch's internal flag, and changes nothing."""
    return _copied(_tensor_input(input, "expand_copy").expand(*size))


def permute_copy(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    return _copied(_tensor_input(input, "permute_copy").permute(*dims))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    return _copied(_tensor_input(input, "select_copy").select(dim, index))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
               end: int | None = None, step: int = 1) -> Tensor:
    """``input`` sliced ``start:end:step`` along ``dim`` (step must be positive), copied."""
    _tensor_input(input, "slice_copy")
    if step <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got {step}")
    axis = normalize_dim(dim, input.shape, "slice_copy")
    return _copied(input[(slice(None),) * axis + (slice(start, end, step),)])


def split_copy(input: Tensor, split_size: Any, dim: int = 0) -> tuple:  # noqa: A002
    return _copied(_tensor_input(input, "split_copy").split(split_size, dim))


def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int],  # noqa: A002
                          dim: int = 0) -> tuple:
    return _copied(_tensor_input(input, "split_with_sizes_copy").split_with_sizes(split_sizes,
                                                                                   dim))


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    x = _tensor_input(input, "squeeze_copy")
    return _copied(x.squeeze() if dim is None else x.squeeze(dim))


def t_copy(input: Tensor) -> Tensor:  # noqa: A002
    return _copied(_tensor_input(input, "t_copy").t())


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    return _copied(_tensor_input(input, "transpose_copy").transpose(dim0, dim1))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    return _copied(_tensor_input(input, "unbind_copy").unbind(dim))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    return _copied(_tensor_input(input, "unfold_copy").unfold(dimension, size, step))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    return _copied(_tensor_input(input, "unsqueeze_copy").unsqueeze(dim))


def view_copy(input: Tensor, size_or_dtype: Any) -> Tensor:  # noqa: A002
    """A copy of ``input.view(dtype)``, or of ``input.reshape(size)``: as in PyTorch, any
    layout can be copied into the new shape, even one that ``view`` would refuse."""
    x = _tensor_input(input, "view_copy")
    if _is_dtype(size_or_dtype):
        return _copied(view_dtype(x, size_or_dtype))
    return _copied(x.reshape(size_or_dtype))

"""``Tensor.view``: the same memory seen with another shape, or read as another dtype.

``view(shape)`` is ``reshape``: a view wherever the memory's layout allows one, and a copy
where it does not. PyTorch refuses the second case ("use .reshape(...) instead"); minigrad
does not, on purpose: its ops keep layouts PyTorch's do not (a convolution's output is
channels-last in memory), so refusing would break ``x.view(x.size(0), -1)`` after a
convolution, the most common use of ``view``, where PyTorch's contiguous output allows it.
The price: a write to the result of ``x.t().view(6)`` does not reach ``x``.

``view(dtype)`` reinterprets the bytes (``float32 -> int32`` gives the IEEE bit patterns). With
a different element size only the last dimension changes size, so PyTorch asks for what keeps
that exact: a tensor with dimensions, a last dimension of stride 1, and, when the elements grow,
a last size, storage offset and other strides that the size ratio divides. As in PyTorch a dtype
view is not differentiable (its result never requires grad): bit patterns have no gradient.
"""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..tensor import _TYPE_NAMES, Tensor
from .aliases import storage_offset, stride
from .shape import reshape


def view(self: Tensor, *shape: Any, **kwargs: Any) -> Tensor:
    """``view(2, 3)`` / ``view((2, 3))`` / ``view(size=...)`` reshape; ``view(dtype)`` or
    ``view(dtype=...)`` reinterprets the memory as another dtype."""
    if set(kwargs) == {"dtype"} and not shape:
        return view_dtype(self, kwargs["dtype"])
    if len(shape) == 1 and not kwargs and _is_dtype(shape[0]):
        return view_dtype(self, shape[0])
    if any(_is_dtype(s) for s in shape):
        raise TypeError(f"view: expected a shape or one dtype, got {shape!r}")
    return reshape(self, *shape, **kwargs)


def _is_dtype(obj: Any) -> bool:
    if isinstance(obj, (int, tuple, list)) or hasattr(obj, "__index__"):
        return False
    try:
        dtypes.as_dtype(obj)
    except TypeError:
        return False
    return True


def view_dtype(self: Tensor, dtype: Any) -> Tensor:
    """The tensor's memory read as ``dtype`` (no copy, no gradient), PyTorch's rules."""
    new = dtypes.as_dtype(dtype)
    old = self.dtype
    array = self.array
    if new.itemsize != old.itemsize:
        _check_resizable_view(self, new)
        if self.numel() == 0:  # nothing to reinterpret: only the last size changes
            last = self.shape[-1] * old.itemsize // new.itemsize
            return Tensor._make(self.xp.empty(self.shape[:-1] + (last,), dtype=new), self.device)
    out = array.view(new)
    return Tensor._make(out, self.device)


def _check_resizable_view(self: Tensor, new: Any) -> None:
    old = self.dtype
    what = f"to view {_name(old)} as {_name(new)} (different element sizes)"
    if self.ndim == 0:
        raise RuntimeError(f"view: self.dim() cannot be 0 {what}")
    if stride(self, -1) != 1:
        raise RuntimeError(f"view: self.stride(-1) must be 1 {what}, but got {stride(self, -1)}")
    if new.itemsize > old.itemsize:
        ratio = new.itemsize // old.itemsize
        if self.shape[-1] % ratio:
            raise RuntimeError(f"view: self.size(-1) must be divisible by {ratio} {what}, but "
                               f"got {self.shape[-1]}")
        offset = storage_offset(self)
        if offset % ratio:
            raise RuntimeError(f"view: self.storage_offset() must be divisible by {ratio} "
                               f"{what}, but got {offset}")
        for d in range(self.ndim - 1):
            if stride(self, d) % ratio:
                raise RuntimeError(f"view: self.stride({d}) must be divisible by {ratio} "
                                   f"{what}, but got {stride(self, d)}")


def _name(dtype: Any) -> str:
    """PyTorch's scalar-type name, as its error messages spell it."""
    return _TYPE_NAMES.get(dtype.name, dtype.name)

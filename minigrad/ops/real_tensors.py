"""What PyTorch's complex-number functions mean for real tensors (minigrad has no others).

Generic code calls them on any tensor (``x.conj()`` in a linear-algebra formula, ``x.real`` in
a plotting helper), so they are here with PyTorch's real-tensor results: ``real``, ``conj``,
``conj_physical``, ``resolve_conj`` and ``resolve_neg`` give the tensor itself, ``imag`` is an
error, ``isreal`` is all True, ``is_conj``/``is_neg`` are False, and ``angle`` is 0 for x >= 0
and pi for x < 0 (nan stays nan) with a zero gradient, as a piecewise-constant function has.
"""
from __future__ import annotations

import math

from .. import dtypes
from ..autograd.function import Function
from ..backend import float_errors_ignored
from ..tensor import Tensor
from .elementwise import _float_input, _tensor_input


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """Whether each element is real: always, for minigrad's dtypes (a bool tensor of True)."""
    _tensor_input(input, "isreal")
    return Tensor._make(input.xp.ones(input.shape, dtype=dtypes.bool), input.device)


def real(input: Tensor) -> Tensor:  # noqa: A002
    """The real part: the tensor itself."""
    return _tensor_input(input, "real")


def imag(input: Tensor) -> Tensor:  # noqa: A002
    """The imaginary part: not defined for real dtypes, as in PyTorch."""
    _tensor_input(input, "imag")
    raise RuntimeError(f"imag: not implemented for tensors with non-complex dtypes (got "
                       f"{input.dtype}); minigrad has no complex dtypes")


def conj(input: Tensor) -> Tensor:  # noqa: A002
    """The complex conjugate: the tensor itself for a real tensor."""
    return _tensor_input(input, "conj")


def conj_physical(input: Tensor) -> Tensor:  # noqa: A002
    """The conjugate written out (a copy in PyTorch's complex case): the tensor itself."""
    return _tensor_input(input, "conj_physical")


def resolve_conj(input: Tensor) -> Tensor:  # noqa: A002
    """A lazily conjugated view made concrete: nothing to resolve, the tensor itself."""
    return _tensor_input(input, "resolve_conj")


def resolve_neg(input: Tensor) -> Tensor:  # noqa: A002
    """A lazily negated view made concrete: nothing to resolve, the tensor itself."""
    return _tensor_input(input, "resolve_neg")


def is_conj(input: Tensor) -> bool:  # noqa: A002
    """Whether the tensor is a lazily conjugated view: never, in minigrad."""
    _tensor_input(input, "is_conj")
    return False


def is_neg(input: Tensor) -> bool:  # noqa: A002
    """Whether the tensor is a lazily negated view: never, in minigrad."""
    _tensor_input(input, "is_neg")
    return False


def conj_physical_(self: Tensor) -> Tensor:
    """In-place conjugate: nothing to change in a real tensor."""
    _tensor_input(self, "conj_physical_")
    return self


class Angle(Function):
    """The argument of a real number: 0 or pi, a step function, so its gradient is zero."""

    @staticmethod
    def forward(ctx, x):
        a = x.array
        with float_errors_ignored():
            out = x.xp.where(a < 0, math.pi, 0.0).astype(a.dtype)
            return x.xp.where(a != a, a, out)  # nan stays nan

    @staticmethod
    def backward(ctx, grad):
        return Tensor._make(grad.xp.zeros_like(grad.array), grad.device)


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """The argument of each element (radians): pi for negatives, else 0; integers and bools
    give the default float dtype."""
    x = _float_input(input, "angle")
    return Angle.apply(x)

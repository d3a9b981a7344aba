"""torch.gradient: derivatives of sampled data by finite differences, along one or more dims.

Second-order central differences inside, first- or second-order one-sided differences at the
two ends (``edge_order``); the samples are evenly spaced (a number per dim) or at given
coordinates (a 1-D tensor per dim, using the three-point formulas for uneven steps, as NumPy's
gradient). Built from narrow/mul/add/cat, so it is differentiable in the input (the spacing is
a constant, as in PyTorch's use).
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..errors import ArgumentError
from ..tensor import Tensor
from .dims import normalize_dim
from .elementwise import _tensor_input
from .shape import cat


def _along(values: Any, dim: int, ndim: int, like: Tensor) -> Tensor:
    """A 1-D coefficient array shaped to broadcast along ``dim``, in ``like``'s dtype."""
    shape = [1] * ndim
    shape[dim] = int(values.shape[0])
    return Tensor._make(values.astype(like.dtype).reshape(shape), like.device)


def _uniform(f: Tensor, dim: int, h: float, edge_order: int) -> Tensor:
    n = f.shape[dim]
    part = lambda start, length: f.narrow(dim, start, length)  # noqa: E731
    inner = (part(2, n - 2) - part(0, n - 2)) / (2.0 * h)
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / h
        last = (part(n - 1, 1) - part(n - 2, 1)) / h
    else:
        first = (part(0, 1) * -1.5 + part(1, 1) * 2.0 - part(2, 1) * 0.5) / h
        last = (part(n - 3, 1) * 0.5 - part(n - 2, 1) * 2.0 + part(n - 1, 1) * 1.5) / h
    return cat([first, inner, last], dim)


def _coordinates(f: Tensor, dim: int, x: Any, edge_order: int) -> Tensor:
    """Three-point differences for uneven steps; ``x`` is a float64 array of coordinates."""
    n = f.shape[dim]
    part = lambda start, length: f.narrow(dim, start, length)  # noqa: E731
    coef = lambda values: _along(values, dim, f.ndim, f)  # noqa: E731
    dx = x[1:] - x[:-1]
    hl, hr = dx[:-1], dx[1:]
    a = -hr / (hl * (hl + hr))
    b = (hr - hl) / (hl * hr)
    c = hl / (hr * (hl + hr))
    inner = part(0, n - 2) * coef(a) + part(1, n - 2) * coef(b) + part(2, n - 2) * coef(c)
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / coef(dx[:1])
        last = (part(n - 1, 1) - part(n - 2, 1)) / coef(dx[-1:])
    else:
        d1, d2 = dx[:1], dx[1:2]
        first = (part(0, 1) * coef(-(2 * d1 + d2) / (d1 * (d1 + d2)))
                 + part(1, 1) * coef((d1 + d2) / (d1 * d2))
                 + part(2, 1) * coef(-d1 / (d2 * (d1 + d2))))
        d1, d2 = dx[-2:-1], dx[-1:]
        last = (part(n - 3, 1) * coef(d2 / (d1 * (d1 + d2)))
                + part(n - 2, 1) * coef(-(d2 + d1) / (d1 * d2))
                + part(n - 1, 1) * coef((2 * d2 + d1) / (d2 * (d1 + d2))))
    return cat([first, inner, last], dim)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,  # noqa: A002
             edge_order: int = 1) -> tuple:
    """d input / d x_dim for each requested dim, as a tuple (torch.gradient)."""
    f = _tensor_input(input, "gradient")
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ArgumentError(f"torch.gradient only supports edge_order=1 and edge_order=2, got "
                            f"{edge_order!r}")
    if f.ndim == 0:
        raise RuntimeError("torch.gradient expected a tensor with at least one dimension")
    if dim is None:
        dims = list(range(f.ndim))
    else:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        dims = [normalize_dim(d, f.shape, "gradient") for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"gradient: dim {list(dim)} appears multiple times in the list "
                               f"of dims")
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or "
                               f"it's spacing and dim arguments to have the same length, but got "
                               f"a spacing argument of length {len(spacing)} and a dim argument of "
                               f"length {len(dims)}")
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    if not dtypes.is_floating(f.dtype):
        f = f.to(dtypes.get_default_dtype())
    outputs = []
    for d, h in zip(dims, spacings):
        n = f.shape[d]
        if n < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least "
                               f"edge_order+1 (got size {n} in dim {d} of shape "
                               f"{tuple(f.shape)}, edge_order={edge_order})")
        if isinstance(h, Tensor):
            if h.ndim != 1:
                raise RuntimeError(f"torch.gradient expected each element of spacing to have one "
                                   f"dimension, but got an element with {h.ndim} dimensions")
            if h.shape[0] != n or h.shape[0] != n:
                raise RuntimeError(f"torch.gradient expected each tensor in spacing to have the "
                                   f"size of its dim ({n} in dim {d}), got shape "
                                   f"{tuple(h.shape)}")
            outputs.append(_coordinates(f, d, h.array.astype(dtypes.float64), edge_order))
        elif isinstance(h, numbers.Real) and not isinstance(h, bool):
            outputs.append(_uniform(f, d, float(h), edge_order))
        else:
            raise TypeError(f"gradient: spacing must be a number, a list of numbers or a list "
                            f"of 1-D tensors, got {type(h).__name__}")
    return tuple(outputs)

"""``pdist``: the p-norm distance between every pair of rows of an (N, M) matrix, as a
condensed vector of the N (N - 1) / 2 pairs i < j in row-major order (SciPy's layout, the
upper triangle of ``cdist(x, x)`` without its zero diagonal, each pair once).

The pairs are read with one gather of the row indices (``triu_indices``), and the distances
are ``norm`` of the differences, so the gradients (and double backward) are those of
``norm``, as in ``cdist``.
"""
from __future__ import annotations

import numbers

from .. import dtypes
from ..tensor import Tensor
from .reduction import norm
from .shape import GetItem


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """Distances between all pairs of rows of ``input`` (N, M): shape (N (N - 1) / 2,), for
    clustering and for spreading embeddings apart without an N x N matrix of duplicates."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pdist: expected a Tensor input, got {type(input).__name__}")
    if input.ndim != 2:
        raise RuntimeError(f"pdist: only supports 2D tensors, got: {input.ndim}D (shape "
                           f"{tuple(input.shape)})")
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"pdist: only supports floating-point dtypes, got {input.dtype}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or p < 0:
        raise RuntimeError(f"pdist: only supports non-negative p values, got {p!r}")
    n = input.shape[0]
    rows, cols = input.xp.triu_indices(n, 1)
    return norm(GetItem.apply(input, (rows,)) - GetItem.apply(input, (cols,)), float(p), dim=-1)

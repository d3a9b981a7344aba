"""torch.linalg functions that are compositions of differentiable ops: vecdot, multi_dot,
cond and diagonal (their gradients come from the ops they are made of)."""
from __future__ import annotations

import math
from typing import Any, Sequence

from ..tensor import Tensor
from .linalg import matmul
from .linalg_decomp import _check, inv, matrix_norm, svdvals


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of x and y (broadcast together) along ``dim`` (real inputs)."""
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linalg.vecdot: {name} must be a Tensor, got {type(t).__name__}")
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but x has "
                           f"dtype {x.dtype} and y has dtype {y.dtype} instead.")
    return (x * y).sum(dim)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices (the first may be a row vector, the last a column
    vector, given 1-D), multiplied in the cheapest order: the classic dynamic program over
    the chain's dimensions."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"linalg.multi_dot: expected at least 2 tensors but got "
                           f"{len(tensors)}")
    for i, t in enumerate(tensors):
        want = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if not isinstance(t, Tensor) or t.ndim not in want:
            raise RuntimeError(f"linalg.multi_dot: tensor {i} must be "
                               f"{'1D or 2D' if len(want) == 2 else '2D'}, got "
                               f"{getattr(t, 'shape', type(t).__name__)}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"linalg.multi_dot: tensors {i} and {i + 1} with shapes "
                               f"{tuple(tensors[i].shape)} and {tuple(tensors[i + 1].shape)} "
                               f"cannot be multiplied")
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    n = len(mats)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    out = product(0, n - 1)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def cond(A: Tensor, p: Any = None) -> Tensor:
    """The condition number ||A|| ||A^-1|| in norm ``p``: None / 2 / -2 from the singular
    values (any m x n), 'fro', 'nuc', 1, -1, inf, -inf through the inverse (square)."""
    op = "linalg.cond"
    if p in (None, 2, -2):
        _check(op, A, square=False)
        S = svdvals(A)
        return S[..., 0] / S[..., -1] if p in (None, 2) else S[..., -1] / S[..., 0]
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"{op}: got an invalid norm type: {p!r}")
    _check(op, A)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: torch.diagonal with the last two dims as the default."""
    from .indexing import diagonal as _diagonal
    return _diagonal(A, offset, dim1, dim2)

"""torch.linalg functions that are compositions of differentiable ops: vecdot, multi_dot,
cond, diagonal, vander, tensorinv and tensorsolve (their gradients come from the ops they are
made of)."""
from __future__ import annotations

import math
from typing import Any, Sequence

from ..tensor import Tensor
from .linalg import matmul
from .linalg_decomp import _check, inv, matrix_norm, solve, svdvals


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


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of x (..., n): (..., n, N) with columns x^0, x^1, ..., x^(N-1)
    (increasing powers, unlike numpy.vander), N = n by default. Built as a running product,
    as torch does, so the gradient is exact at x = 0; integers come back as int64."""
    from .reduction import cumprod
    from .shape import cat
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander: expected a Tensor, got {type(x).__name__}")
    if x.ndim < 1:
        raise RuntimeError(f"linalg.vander: x must have at least one dimension, got shape "
                           f"{tuple(x.shape)}")
    n = x.shape[-1] if N is None else N
    if not isinstance(n, int) or isinstance(n, bool) or n <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {n!r} (x of shape "
                           f"{tuple(x.shape)})")
    shape = tuple(x.shape) + (n - 1,)
    powers = cumprod(x.unsqueeze(-1).expand(shape), -1)
    ones = powers.new_ones(tuple(x.shape) + (1,))
    return cat([ones, powers], -1)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of A seen as a linear map from its last dims (A.shape[ind:]) to its first
    ind dims: tensordot(tensorinv(A, ind), A, ind) is the identity. Result shape
    A.shape[ind:] + A.shape[:ind]; a singular map raises as linalg.inv does."""
    op = "linalg.tensorinv"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if not isinstance(ind, int) or isinstance(ind, bool) or ind <= 0:
        raise RuntimeError(f"{op}: Expected a strictly positive integer for 'ind', but got "
                           f"{ind!r}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"{op}: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got {cols} "
                           f"!= {rows} (shape {tuple(A.shape)}, ind={ind})")
    out = inv(A.reshape((rows, rows)))
    return out.reshape(tuple(A.shape[ind:]) + tuple(A.shape[:ind]))


def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None) -> Tensor:
    """The X with tensordot(A, X, X.ndim) = B: A's dims past B.ndim (after moving ``dims``
    of A to the end) are X's shape. Solved as one square system on the flattened A."""
    op = "linalg.tensorsolve"
    for name, t in (("A", A), ("B", B)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    if dims is not None:
        from .rearrange import movedim
        dims = [dims] if isinstance(dims, int) else list(dims)
        A = movedim(A, dims, list(range(A.ndim - len(dims), A.ndim)))
    if B.ndim > A.ndim:
        raise RuntimeError(f"{op}: B (shape {tuple(B.shape)}) has more dimensions than A "
                           f"(shape {tuple(A.shape)})")
    result_shape = tuple(A.shape[B.ndim:])
    cols, rows = math.prod(result_shape), math.prod(A.shape[:B.ndim])
    if cols != B.numel() or rows != cols:
        raise RuntimeError(f"{op}: Expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]) == "
                           f"other.numel(), but got {cols}, {rows} and {B.numel()} (A of shape "
                           f"{tuple(A.shape)}, B of shape {tuple(B.shape)})")
    X = solve(A.reshape((cols, cols)), B.reshape((cols,)))
    return X.reshape(result_shape)

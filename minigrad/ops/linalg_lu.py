"""LU decomposition with partial pivoting, A = P L U: linalg.lu, linalg.lu_factor and
lu_factor_ex (packed LU and LAPACK's 1-based int32 pivots), lu_unpack and linalg.lu_solve.

NumPy has no LU, so ``_lu_arrays`` runs Doolittle elimination with row pivoting: a Python
loop over the columns, each step vectorised over every batch matrix (pick the row with the
largest |entry| in the column, first one on ties as LAPACK's idamax, swap, eliminate). The
gradient is torch's (linalg_lu_backward) for square, wide and tall A, written with tensor ops
(solve_triangular), so it differentiates again. lu_solve and lu_unpack are compositions of
differentiable ops, so LU and B both get gradients.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .indexing import tril, triu
from .linalg import matmul
from .linalg_decomp import _check, _mT
from .linalg_triangular import solve_triangular
from .shape import cat


def _lu_arrays(a: Any, xp: Any) -> tuple:
    """(P, L, U, pivots) of each matrix in ``a`` (..., m, n): A = P L U, L m x k unit lower,
    U k x n upper, k = min(m, n); pivots are 1-based int32 row swaps, as LAPACK's getrf."""
    m, n = a.shape[-2], a.shape[-1]
    k, batch = min(m, n), a.shape[:-2]
    w = a.reshape((math.prod(batch), m, n)).copy()
    nb = w.shape[0]
    rows = xp.arange(nb)
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    pivots = xp.zeros((nb, k), dtype=dtypes.int32)
    for j in range(k):
        p = xp.argmax(xp.abs(w[:, j:, j]), axis=-1) + j
        pivots[:, j] = p + 1
        row_j, row_p = w[:, j, :].copy(), w[rows, p, :]
        w[:, j, :] = row_p
        w[rows, p, :] = row_j
        perm_j, perm_p = perm[:, j].copy(), perm[rows, p]
        perm[:, j] = perm_p
        perm[rows, p] = perm_j
        pivot = w[:, j, j]
        col = w[:, j + 1:, j] / xp.where(pivot == 0, 1, pivot)[:, None]
        w[:, j + 1:, j] = col
        w[:, j + 1:, j + 1:] -= col[:, :, None] * w[:, j, None, j + 1:]
    L = xp.tril(w[:, :, :k], -1) + xp.eye(m, k, dtype=w.dtype)
    U = xp.triu(w[:, :k, :])
    return (_perm_matrix(perm, w.dtype, xp).reshape(batch + (m, m)), L.reshape(batch + (m, k)),
            U.reshape(batch + (k, n)), pivots.reshape(batch + (k,)))


def _perm_matrix(perm: Any, dtype: Any, xp: Any) -> Any:
    """P with P[perm[i], i] = 1, so that (P^T A)[i] = A[perm[i]]; perm is (batch, m)."""
    nb, m = perm.shape
    P = xp.zeros((nb, m, m), dtype=dtype)
    P[xp.arange(nb)[:, None], perm, xp.arange(m)[None, :]] = 1
    return P


class LU(Function):
    """A = P L U from precomputed ``factors``. torch's gradient, with k = min(m, n):
    square: gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T;
    wide and tall: the square formula on the k x k block plus the rest (see backward)."""

    @staticmethod
    def forward(ctx, A, factors):
        ctx.save_for_backward(A)
        ctx.factors = factors
        return factors

    @staticmethod
    def backward(ctx, gP, gL, gU):
        (A,) = ctx.saved_tensors
        if gL is None and gU is None:  # P is piecewise constant
            return A * 0, None
        P, L, U = LU.apply(A, ctx.factors)
        P = P.detach()
        m, n = A.shape[-2], A.shape[-1]
        k = min(m, n)
        if m == n:
            gA = None
            if gL is not None:
                gA = tril(matmul(_mT(L), gL), -1)
            if gU is not None:
                term = triu(matmul(gU, _mT(U)))
                gA = term if gA is None else gA + term
            gA = solve_triangular(_mT(U), gA, upper=False, left=False)
            gA = solve_triangular(_mT(L), gA, upper=True, unitriangular=True)
        elif m < n:  # wide: L is m x m, U = [U1 U2]
            U1 = U[..., :, :k]
            gA = matmul(_mT(L), gL) if gL is not None else None
            if gU is not None:
                term = matmul(triu(gU), _mT(U))
                gA = -term if gA is None else gA - term
            gA = solve_triangular(_mT(U1), tril(gA, -1), upper=False, left=False)
            if gU is not None:
                gA = cat([gA + triu(gU[..., :, :k]), gU[..., :, k:]], -1)
            gA = solve_triangular(_mT(L), gA, upper=True, unitriangular=True)
            if gU is None:
                gA = cat([gA, A.new_zeros(tuple(A.shape[:-1]) + (n - k,))], -1)
        else:  # tall: L = [L1; L2], U is n x n
            L1 = L[..., :k, :]
            gL = tril(gL, -1) if gL is not None else None  # L's fixed entries pass nothing
            gA = matmul(gU, _mT(U)) if gU is not None else None
            if gL is not None:
                term = matmul(_mT(L), gL)
                gA = -term if gA is None else gA - term
            gA = solve_triangular(_mT(L1), triu(gA), upper=True, unitriangular=True)
            if gL is not None:
                gA = cat([gA + gL[..., :k, :], gL[..., k:, :]], -2)
            gA = solve_triangular(_mT(U), gA, upper=False, left=False)
            if gL is None:
                gA = cat([gA, A.new_zeros(tuple(A.shape[:-2]) + (m - k, n))], -2)
        return matmul(P, gA), None


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


def _lu(op: str, A: Tensor, pivot: bool) -> tuple:
    _check(op, A, square=False)
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")
    P, L, U, piv = _lu_arrays(A.array, A.xp)
    P, L, U = LU.apply(A, (P, L, U))
    return P, L, U, Tensor._make(piv, A.device)


def lu(A: Tensor, *, pivot: bool = True) -> LUResult:
    """A = P L U with partial pivoting: P a permutation, L unit lower triangular (m x k), U
    upper triangular (k x n), k = min(m, n). Differentiable in L and U (P carries none)."""
    P, L, U, _ = _lu("linalg.lu", A, pivot)
    return LUResult(P, L, U)


def _pack(L: Tensor, U: Tensor) -> Tensor:
    """L's strict lower part and U in one m x n matrix, as LAPACK stores them."""
    m, k, n = L.shape[-2], L.shape[-1], U.shape[-1]
    low = tril(L, -1)
    if m > k:
        return low + cat([U, U.new_zeros(tuple(U.shape[:-2]) + (m - k, n))], -2)
    if n > k:
        low = cat([low, L.new_zeros(tuple(L.shape[:-2]) + (m, n - k))], -1)
    return low + U


class LUFactorExResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


def _info(U: Tensor) -> Any:
    """LAPACK's info per matrix: 1 + the first i with U[i, i] == 0, else 0 (int32)."""
    xp = U.xp
    zero = U.array.diagonal(0, -2, -1) == 0
    first = xp.argmax(zero, axis=-1) + 1 if zero.shape[-1] else xp.zeros(zero.shape[:-1])
    return xp.where(zero.any(axis=-1), first, 0).astype(dtypes.int32)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False
                 ) -> LUFactorExResult:
    """lu_factor that reports singular inputs in ``info`` (LAPACK's: 1 + the first zero
    pivot) instead of raising, unless ``check_errors``."""
    _, L, U, piv = _lu("linalg.lu_factor_ex", A, pivot)
    info = _info(U)
    if check_errors:
        _raise_if_singular("linalg.lu_factor_ex", info)
    return LUFactorExResult(_pack(L, U), piv, Tensor._make(info, A.device))


def _raise_if_singular(op: str, info: Any) -> None:
    from .linalg_decomp import LinAlgError
    flat = info.reshape(-1)
    if flat.size and bool((flat > 0).any()):
        b = int((flat > 0).argmax())
        i = int(flat[b]) - 1
        where = f"(Batch element {b}): " if info.ndim else ""
        raise LinAlgError(f"{op}: {where}U[{i},{i}] is zero and using it on lu_solve would "
                          "result in a division by zero. If you still want to perform the "
                          "factorization, consider calling linalg.lu(A, pivot) or "
                          "linalg.lu_factor_ex(A, pivot)")


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """The compact LU: L (below the diagonal, unit diagonal implied) and U packed in one
    matrix, with LAPACK's 1-based int32 row swaps, the input lu_solve / lu_unpack take.
    A singular input raises LinAlgError, as in torch (lu_factor_ex reports it instead)."""
    _, L, U, piv = _lu("linalg.lu_factor", A, pivot)
    _raise_if_singular("linalg.lu_factor", _info(U))
    return LUFactorResult(_pack(L, U), piv)


def _check_pivots(op: str, LU_data: Tensor, pivots: Any) -> None:
    if not isinstance(pivots, Tensor) or pivots.dtype != dtypes.int32:
        raise RuntimeError(f"{op}: LU_pivots is expected to be an int32 Tensor, got "
                           f"{getattr(pivots, 'dtype', type(pivots).__name__)}")
    k = min(LU_data.shape[-2], LU_data.shape[-1])
    if tuple(pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
        raise RuntimeError(f"{op}: LU_pivots of shape {tuple(pivots.shape)} does not match "
                           f"LU_data of shape {tuple(LU_data.shape)} (expected "
                           f"{tuple(LU_data.shape[:-2]) + (k,)})")
    p = pivots.array
    if p.size and bool(((p < 1) | (p > LU_data.shape[-2])).any()):
        raise RuntimeError(f"{op}: pivots must be in [1, {LU_data.shape[-2]}] (1-based)")


def _pivots_to_perm(pivots: Any, m: int, xp: Any) -> Any:
    """Replay the row swaps on 0..m-1 for every batch element: (batch, m)."""
    k = pivots.shape[-1]
    piv = pivots.reshape((math.prod(pivots.shape[:-1]), k)).astype(dtypes.int64) - 1
    nb = piv.shape[0]
    rows = xp.arange(nb)
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    for j in range(k):
        p = piv[:, j]
        perm_j, perm_p = perm[:, j].copy(), perm[rows, p]
        perm[:, j] = perm_p
        perm[rows, p] = perm_j
    return perm


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> LUResult:
    """(P, L, U) from lu_factor's packed form; L and U are differentiable in LU_data. What is
    not unpacked comes back as an empty tensor, as in torch."""
    op = "lu_unpack"
    _check(op, LU_data, square=False)
    _check_pivots(op, LU_data, LU_pivots)
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k, xp = min(m, n), LU_data.xp
    empty = Tensor._make(xp.zeros((0,), dtype=LU_data.dtype), LU_data.device)
    if unpack_data:
        L = tril(LU_data[..., :, :k], -1) + Tensor._make(xp.eye(m, k, dtype=LU_data.dtype),
                                                         LU_data.device)
        U = triu(LU_data[..., :k, :])
    else:
        L = U = empty
    if unpack_pivots:
        perm = _pivots_to_perm(LU_pivots.array, m, xp)
        P = _perm_matrix(perm, LU_data.dtype, xp).reshape(tuple(LU_data.shape[:-2]) + (m, m))
        P = Tensor._make(P, LU_data.device)
    else:
        P = empty
    return LUResult(P, L, U)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
             adjoint: bool = False) -> Tensor:
    """Solve A X = B (A^T X = B with ``adjoint``; X A = B with ``left=False``) from A's
    lu_factor, reusing one factorization for many right-hand sides."""
    op = "linalg.lu_solve"
    _check(op, LU)
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}: expected B to be a Tensor, got {type(B).__name__}")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return _mT(lu_solve(LU, pivots, _mT(B), left=True, adjoint=not adjoint))
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:  # A^T = U^T L^T P^T
        Y = solve_triangular(_mT(U), B, upper=False)
        Y = solve_triangular(_mT(L), Y, upper=True, unitriangular=True)
        return matmul(P, Y)
    Y = solve_triangular(L, matmul(_mT(P), B), upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)

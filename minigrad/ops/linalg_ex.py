"""torch.linalg's ``_ex`` forms: inv_ex, cholesky_ex and solve_ex, which report a singular /
not positive-definite matrix in an int32 ``info`` (A's batch shape) instead of raising, so
one bad matrix in a batch does not stop the rest.

``info`` comes from the factorization the result is built on, so the two always agree:
inv_ex and solve_ex take the LU with partial pivoting of ops/linalg_lu.py (info = 1 + the
first exactly-zero pivot of U, LAPACK getrf's), cholesky_ex a left-looking Cholesky written
here (LAPACK potf2's: info = the order of the first leading minor whose pivot is not > 0,
nan included). Matrices that pass go through differentiable ops (LU + triangular solves, or
the Cholesky gradient), so gradients and double backward come for free; a matrix that fails
is swapped for the identity before them, so it passes no gradient. Its result is
unspecified in torch (LAPACK's partial work: inf/nan for an LU); here an inverse / solution
of a failed matrix is all nan, and a failed Cholesky factor holds potf2's partial work (the
first info-1 columns are the leading minor's factor, the failing pivot on the diagonal, the
rest of A's triangle untouched), which is what torch gives on the CPU for small matrices.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .comparison import where
from .elementwise import scalar_like
from .indexing import tril
from .linalg import matmul
from .linalg_decomp import Inv, LinAlgError, _check, _eye_like, _mT, _phi
from .linalg_lu import LU, _lu_arrays
from .linalg_triangular import solve_triangular


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


def _batch_message(info: Any) -> tuple[str, int] | None:
    """("(Batch element b): " or "", info value) of the first failed matrix, or None."""
    flat = info.reshape(-1)
    if not flat.size or not bool((flat > 0).any()):
        return None
    b = int((flat > 0).argmax())
    return (f"(Batch element {b}): " if info.ndim else ""), int(flat[b])


def _mask(ok: Any, like: Tensor, trailing: int) -> Tensor:
    """The per-matrix ``ok`` flags as a bool Tensor broadcastable over ``like``."""
    xp = like.xp
    return Tensor._make(xp.asarray(ok).reshape(ok.shape + (1,) * trailing), like.device)


def _safe(A: Tensor, ok: Any) -> Tensor:
    """A with every failed matrix replaced by the identity (so no op below can fail on it and
    no gradient reaches it)."""
    if bool(ok.all()):
        return A
    return where(_mask(ok, A, 2), A, _eye_like(A, A.shape[-1]))


# --- LU-based: inv_ex, solve_ex ----------------------------------------------------------------
def _lu_ex(A: Tensor) -> tuple:
    """(P, L, U) of A (differentiable, failed matrices factored as the identity) and info."""
    xp = A.xp
    n, batch = A.shape[-1], tuple(A.shape[:-2])
    P, L, U, _ = _lu_arrays(A.array, xp)
    zero = U.diagonal(0, -2, -1) == 0
    if n:
        info = xp.where(zero.any(axis=-1), xp.argmax(zero, axis=-1) + 1, 0)
    else:
        info = xp.zeros(batch, dtype=dtypes.int32)
    info = xp.asarray(info, dtype=dtypes.int32).reshape(batch)
    ok = info == 0
    if not bool(ok.all()):  # the identity's factors stand in for a failed matrix's
        eye = xp.eye(n, dtype=A.dtype)
        bad = ~ok[..., None, None]
        P, L, U = (xp.where(bad, eye, F) for F in (P, L, U))
    P, L, U = LU.apply(_safe(A, ok), (P, L, U))
    return P.detach(), L, U, info, ok


def _lu_solve(P: Tensor, L: Tensor, U: Tensor, B: Tensor, left: bool) -> Tensor:
    """A X = B (X A = B when not ``left``) with A = P L U; B a batch of matrices."""
    if left:
        Y = solve_triangular(L, matmul(_mT(P), B), upper=False, unitriangular=True)
        return solve_triangular(U, Y, upper=True)
    Y = solve_triangular(U, B, upper=True, left=False)
    Y = solve_triangular(L, Y, upper=False, left=False, unitriangular=True)
    return matmul(Y, _mT(P))


def _nan_where_failed(X: Tensor, ok: Any, trailing: int) -> Tensor:
    if bool(ok.all()):
        return X
    return where(_mask(ok, X, trailing), X, scalar_like(math.nan, X))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:
    """The inverse of each square matrix, with ``info`` (1 + the first zero pivot of its LU,
    0 when invertible) in place of linalg.inv's error; ``check_errors`` raises it instead.
    A singular matrix's inverse is all nan."""
    op = "linalg.inv_ex"
    _check(op, A)
    P, L, U, info, ok = _lu_ex(A)
    if check_errors and (failed := _batch_message(info)) is not None:
        where_, i = failed
        raise LinAlgError(f"{op}: {where_}The diagonal element {i} is zero, the inversion "
                          f"could not be completed because the input matrix is singular.")
    eye = _eye_like(A, A.shape[-1])
    X = _lu_solve(P, L, U, eye.expand(tuple(A.shape)), left=True)
    return InvExResult(_nan_where_failed(X, ok, 2), Tensor._make(info, A.device))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False
             ) -> SolveExResult:
    """linalg.solve (A X = B, or X A = B with ``left=False``; B may be a vector or batch of
    vectors with ``left``, as there) with ``info`` (A's batch shape: 1 + the first zero
    pivot of A's LU, 0 when A is invertible) in place of the error; ``check_errors`` raises
    it instead. The solution for a singular A is all nan."""
    op = "linalg.solve_ex"
    _check(op, A)
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}: expected B to be a Tensor, got {type(B).__name__}")
    if B.dtype != A.dtype:
        raise RuntimeError(f"{op}: expected A and B to have the same dtype, got {A.dtype} and "
                           f"{B.dtype}")
    n = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    B2 = B.unsqueeze(-1) if vector else B  # as torch, also with left=False (n = 1 only)
    if B2.ndim < 2 or B2.shape[-2 if left else -1] != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: incompatible shapes of A and B for the equation {eq} "
                           f"({tuple(A.shape)} and {tuple(B.shape)})")
    P, L, U, info, ok = _lu_ex(A)
    if check_errors and _batch_message(info) is not None:
        raise LinAlgError(f"torch.{op}: The solver failed because the input matrix is "
                          f"singular.")
    X = _lu_solve(P, L, U, B2, left)
    if vector:
        X = X.squeeze(-1)
    return SolveExResult(_nan_where_failed(X, ok, 1 if vector else 2),
                         Tensor._make(info, A.device))


# --- cholesky_ex ---------------------------------------------------------------------------
def _cholesky_arrays(a: Any, xp: Any) -> tuple:
    """LAPACK potf2 (lower, left-looking) on each matrix of ``a`` (..., n, n), reading its
    lower triangle: (L with the partial work of a failed matrix, info int32)."""
    n, batch = a.shape[-1], a.shape[:-2]
    w = xp.tril(a.reshape((math.prod(batch), n, n)))
    info = xp.zeros(w.shape[0], dtype=dtypes.int32)
    alive = xp.ones(w.shape[0], dtype=bool)
    for j in range(n):
        row = w[:, j, :j]
        pivot = w[:, j, j] - (row * row).sum(axis=-1)
        bad = alive & ~(pivot > 0)
        info = xp.where(bad, j + 1, info).astype(dtypes.int32)
        alive = alive & ~bad
        root = xp.sqrt(xp.where(alive, pivot, 1))
        w[:, j, j] = xp.where(alive, root, xp.where(bad, pivot, w[:, j, j]))
        if j + 1 < n:
            done = (w[:, j + 1:, :j] @ row[:, :, None])[:, :, 0]
            col = (w[:, j + 1:, j] - done) / root[:, None]
            w[:, j + 1:, j] = xp.where(alive[:, None], col, w[:, j + 1:, j])
        if not bool(alive.any()):
            break
    return w.reshape(a.shape), info.reshape(batch)


class _CholeskyFromFactor(Function):
    """Cholesky with its factor computed beforehand; the gradient is linalg_decomp.Cholesky's
    (Murray's formula), written with this op again so it differentiates twice."""

    @staticmethod
    def forward(ctx, A, factor):
        ctx.save_for_backward(A)
        ctx.factor = factor
        return factor

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        L = _CholeskyFromFactor.apply(A, ctx.factor)
        Linv = Inv.apply(L)
        gA = matmul(matmul(_mT(Linv), _phi(matmul(_mT(L), tril(grad)))), Linv)
        return 0.5 * (gA + _mT(gA)), None


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False
                ) -> CholeskyExResult:
    """The Cholesky factor of each symmetric positive-definite matrix (lower, or upper =
    L^T reading A's upper triangle, as torch), with ``info`` (the order of the first leading
    minor that is not positive-definite, 0 on success) in place of linalg.cholesky's error;
    ``check_errors`` raises it instead."""
    op = "linalg.cholesky_ex"
    _check(op, A)
    src = _mT(A) if upper else A  # upper reads A's upper triangle: the lower one of A^T
    xp = A.xp
    factor, info = _cholesky_arrays(src.array, xp)
    if check_errors and (failed := _batch_message(info)) is not None:
        where_, i = failed
        raise LinAlgError(f"{op}: {where_}The factorization could not be completed because "
                          f"the input is not positive-definite (the leading minor of order "
                          f"{i} is not positive-definite).")
    ok = info == 0
    if bool(ok.all()):
        L = _CholeskyFromFactor.apply(src, factor)
    else:
        eye = xp.eye(A.shape[-1], dtype=A.dtype)
        safe = _CholeskyFromFactor.apply(_safe(src, ok), xp.where(ok[..., None, None], factor,
                                                                  eye))
        L = where(_mask(ok, safe, 2), safe, Tensor._make(factor, A.device))
    return CholeskyExResult(_mT(L) if upper else L, Tensor._make(info, A.device))

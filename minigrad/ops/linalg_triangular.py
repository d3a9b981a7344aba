"""Solving with triangular and Cholesky factors: linalg.solve_triangular, triangular_solve
(torch's older signature), cholesky_solve and cholesky_inverse.

solve_triangular is ``linalg_decomp.Solve`` on the triangle of A (tril/triu, unit diagonal
if asked), so its gradient is torch's: -A^-T G X^T masked to the triangle that was read.
cholesky_solve and cholesky_inverse read only the factor's triangle in the forward, and
their backwards are torch's formulas, which treat the factor as a full matrix; backwards are
tensor ops (double backward).
"""
from __future__ import annotations

from typing import NamedTuple

from ..autograd.function import Function
from ..tensor import Tensor
from .broadcast import broadcast_shapes
from .indexing import tril, triu
from .linalg import matmul
from .linalg_decomp import Solve, _check, _eye_like, _mT


def _batch_pair(op: str, A: Tensor, B: Tensor) -> tuple:
    """A (..., n, n) and B (..., n, k) expanded to a common batch shape."""
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}: expected B to be a Tensor, got {type(B).__name__}")
    if B.ndim < 2:
        raise RuntimeError(f"{op}: expected B to have at least 2 dimensions, got shape "
                           f"{tuple(B.shape)}")
    if B.dtype != A.dtype:
        raise RuntimeError(f"{op}: expected A and B to have the same dtype, got {A.dtype} and "
                           f"{B.dtype}")
    if B.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"{op}: incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]}; "
                           f"shapes {tuple(A.shape)} and {tuple(B.shape)})")
    batch = broadcast_shapes(op, tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    return (A.expand(batch + tuple(A.shape[-2:])), B.expand(batch + tuple(B.shape[-2:])))


def _triangle(A: Tensor, upper: bool, unitriangular: bool) -> Tensor:
    if unitriangular:
        return (triu(A, 1) if upper else tril(A, -1)) + _eye_like(A, A.shape[-1])
    return triu(A) if upper else tril(A)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """The X with A X = B (``left=False``: X A = B) for triangular A: only the ``upper`` /
    lower triangle of A is read, and its diagonal taken as ones with ``unitriangular``."""
    op = "linalg.solve_triangular"
    _check(op, A)
    if not left:
        if not isinstance(B, Tensor):
            raise TypeError(f"{op}: expected B to be a Tensor, got {type(B).__name__}")
        return _mT(solve_triangular(_mT(A), _mT(B), upper=not upper, left=True,
                                    unitriangular=unitriangular))
    A, B = _batch_pair(op, A, B)
    return Solve.apply(_triangle(A, upper, unitriangular), B)


class TriangularSolveResult(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> TriangularSolveResult:
    """torch.triangular_solve (deprecated there for linalg.solve_triangular): solves
    A X = b (A^T X = b with ``transpose``) and returns (X, a copy of A)."""
    _check("triangular_solve", A)
    T = _mT(A) if transpose else A
    X = solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolveResult(X, A.clone())


def _tri_solve_arrays(L, B, upper: bool, xp):
    """(L L^T)^-1 B (U^T U with ``upper``) from the factor's triangle, on arrays."""
    T = xp.triu(L) if upper else xp.tril(L)
    A = xp.swapaxes(T, -1, -2) @ T if upper else T @ xp.swapaxes(T, -1, -2)
    return xp.linalg.solve(A, B)


class CholeskySolve(Function):
    """X = A^-1 B with A = L L^T: gB = A^-1 G, and with C = gB X^T + X gB^T,
    gL = -C L (lower) or -U C (upper), torch's formula."""

    @staticmethod
    def forward(ctx, B, L, upper):
        ctx.save_for_backward(B, L)
        ctx.upper = upper
        return _tri_solve_arrays(L.array, B.array, upper, B.xp)

    @staticmethod
    def backward(ctx, grad):
        B, L = ctx.saved_tensors
        gB = CholeskySolve.apply(grad, L, ctx.upper)
        gL = None
        if ctx.needs_input_grad[1]:
            X = CholeskySolve.apply(B, L, ctx.upper)
            C = matmul(gB, _mT(X))
            C = C + _mT(C)
            gL = -matmul(L, C) if ctx.upper else -matmul(C, L)
        return gB, gL, None


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """Solve A X = B given A's Cholesky factor L (A = L L^T, or U^T U with ``upper``): the
    cheap solve once a positive-definite matrix is factored."""
    _check("cholesky_solve", L)
    L, B = _batch_pair("cholesky_solve", L, B)
    return CholeskySolve.apply(B, L, bool(upper))


class CholeskyInverse(Function):
    """R = (L L^T)^-1: with C = R (G + G^T) R, gL = -C L (lower) or -U C (upper)."""

    @staticmethod
    def forward(ctx, L, upper):
        ctx.save_for_backward(L)
        ctx.upper = upper
        xp = L.xp
        eye = xp.broadcast_to(xp.eye(L.shape[-1], dtype=L.dtype), L.shape)
        return _tri_solve_arrays(L.array, eye, upper, xp)

    @staticmethod
    def backward(ctx, grad):
        (L,) = ctx.saved_tensors
        R = CholeskyInverse.apply(L, ctx.upper)
        C = matmul(matmul(R, grad + _mT(grad)), R)
        return (-matmul(L, C) if ctx.upper else -matmul(C, L)), None


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """The inverse of A = L L^T (U^T U with ``upper``) from its Cholesky factor."""
    _check("cholesky_inverse", L)
    return CholeskyInverse.apply(L, bool(upper))

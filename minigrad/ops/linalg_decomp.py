"""Matrix decompositions and the functions built on them (torch.linalg names): det, slogdet,
logdet, inv, solve, cholesky, qr, svd, svdvals, eigh, eigvalsh, pinv, norms, matrix_rank,
lstsq. Forwards call ``xp.linalg`` (NumPy or CuPy) on batches of matrices; backwards are the
standard formulas written with tensor ops, so they differentiate again. The svd and eigh
gradients divide by differences of (squared) singular / eigen values and are undefined when
two of them coincide, as torch documents."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .linalg import matmul


class LinAlgError(RuntimeError):
    """A matrix that is singular / not positive-definite (torch.linalg.LinAlgError)."""


def _check(op: str, A: Any, square: bool = True, min_dims: int = 2) -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if A.ndim < min_dims:
        raise RuntimeError(f"{op}: the input tensor A must have at least {min_dims} dimensions, "
                           f"got shape {tuple(A.shape)}")
    if not dtypes.is_floating(A.dtype):
        raise RuntimeError(f"{op}: expected a floating point tensor, got {A.dtype}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices (shape {tuple(A.shape)})")


def _mT(x: Tensor) -> Tensor:
    return x.transpose(-1, -2)


def _eye_like(A: Tensor, n: int) -> Tensor:
    from ..creation import eye
    return eye(n, dtype=A.dtype, device=A.device)


def _diag_embed(v: Tensor) -> Tensor:
    """(..., n) -> (..., n, n) with v on the diagonal (differentiable)."""
    return v.unsqueeze(-1) * _eye_like(v, v.shape[-1])


def _call(op: str, fn: Any, *arrays: Any) -> Any:
    """Run an xp.linalg routine, turning its singular-matrix error into LinAlgError."""
    try:
        return fn(*arrays)
    except Exception as exc:  # numpy.linalg.LinAlgError / cupy's equivalent
        if type(exc).__name__ == "LinAlgError":
            raise LinAlgError(f"{op}: {exc} (the input is singular or not positive-definite)") \
                from None
        raise


# --- inverse, determinants, solve -------------------------------------------------------------
class Inv(Function):
    """d(A^-1) = -A^-1 dA A^-1, so the gradient is -A^-T G A^-T."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        out = _call("linalg.inv", A.xp.linalg.inv, A.array)
        if not bool(A.xp.isfinite(out).all()) and bool(A.xp.isfinite(A.array).all()):
            raise LinAlgError("linalg.inv: The diagonal element is zero, the inversion could not "
                              "be completed because the input matrix is singular.")
        return out

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        Ainv_T = _mT(Inv.apply(A))
        return -matmul(matmul(Ainv_T, grad), Ainv_T)


def inv(A: Tensor) -> Tensor:
    """Inverse of each square matrix; a singular one raises LinAlgError as torch does."""
    _check("linalg.inv", A)
    return Inv.apply(A)


class Det(Function):
    """d det(A) = det(A) tr(A^-1 dA): the gradient is G det(A) A^-T, or for a singular A its
    limit, the cofactor matrix (from the SVD, as PyTorch)."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        out = A.xp.linalg.det(A.array)
        ctx.singular = bool((out == 0).any())
        return out

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        if ctx.singular:
            if is_grad_enabled():
                raise RuntimeError("linalg.det: double backward at a singular matrix (det 0) is "
                                   f"not supported (input of shape {tuple(A.shape)})")
            cof = Tensor._make(_cofactors(A.array, A.xp), A.device)
            return grad.unsqueeze(-1).unsqueeze(-1) * cof
        scale = (grad * Det.apply(A)).unsqueeze(-1).unsqueeze(-1)
        return scale * _mT(Inv.apply(A))


def _cofactors(a: Any, xp: Any) -> Any:
    """d det(A) / dA for any square A, singular included: with A = U diag(s) V^T it is
    det(U) det(V) U diag(prod of the other s) V^T (no division by a zero s)."""
    u, s, vh = xp.linalg.svd(a)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(s, -1)[..., :-1]], axis=-1),
                               axis=-1), -1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return sign[..., None, None] * (u * (before * after)[..., None, :]) @ vh


def det(A: Tensor) -> Tensor:
    """Determinant of each square matrix."""
    _check("linalg.det", A)
    return Det.apply(A)


class LogAbsDet(Function):
    """log|det A|, whose gradient is G A^-T."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return A.xp.linalg.slogdet(A.array)[1]

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * _mT(Inv.apply(A))


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


def slogdet(A: Tensor) -> SlogdetResult:
    """(sign, log|det|): the stable way to a determinant's size; only logabsdet carries a
    gradient."""
    _check("linalg.slogdet", A)
    sign = Tensor._make(A.xp.linalg.slogdet(A.array)[0].astype(A.dtype, copy=False), A.device)
    return SlogdetResult(sign, LogAbsDet.apply(A))


def logdet(A: Tensor) -> Tensor:
    """log det A: NaN where det < 0 and -inf where it is 0, as torch.logdet."""
    _check("logdet", A)
    sign, logabs = slogdet(A)
    return logabs + sign.log()


class Solve(Function):
    """X = A^-1 B: dB = A^-T G and dA = -dB X^T (operands share their batch shape)."""

    @staticmethod
    def forward(ctx, A, B):
        ctx.save_for_backward(A, B)
        return _call("linalg.solve", A.xp.linalg.solve, A.array, B.array)

    @staticmethod
    def backward(ctx, grad):
        A, B = ctx.saved_tensors
        gB = Solve.apply(_mT(A), grad)
        gA = None
        if ctx.needs_input_grad[0]:
            gA = -matmul(gB, _mT(Solve.apply(A, B)))
        return gA, gB


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The X with A X = B (``left=False``: X A = B). B is a batch of vectors when it is 1-D or
    has one dimension fewer than A with A's batch shape, as in torch.linalg.solve."""
    _check("linalg.solve", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve: expected B to be a Tensor, got {type(B).__name__}")
    if not left:
        return _mT(solve(_mT(A), _mT(B)))
    if B.dtype != A.dtype:
        raise RuntimeError(f"linalg.solve: expected A and B to have the same dtype, got "
                           f"{A.dtype} and {B.dtype}")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    B2 = B.unsqueeze(-1) if vector else B
    if B2.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: incompatible shapes of A and B for the equation AX = "
                           f"B ({tuple(A.shape)} and {tuple(B.shape)})")
    from .broadcast import broadcast_shapes
    batch = broadcast_shapes("linalg.solve", tuple(A.shape[:-2]), tuple(B2.shape[:-2]))
    A = A.expand(batch + tuple(A.shape[-2:]))
    B2 = B2.expand(batch + tuple(B2.shape[-2:]))
    X = Solve.apply(A, B2)
    return X.squeeze(-1) if vector else X


# --- cholesky, qr ----------------------------------------------------------------------------
def _phi(X: Tensor) -> Tensor:
    """Lower triangle with the diagonal halved."""
    from .indexing import tril
    return tril(X) - 0.5 * _diag_embed(X.diagonal(0, -2, -1))


class Cholesky(Function):
    """A = L L^T. Murray's formula: gA = sym(L^-T Phi(L^T G) L^-1), Phi = tril, half diagonal;
    the gradient is symmetric (A's upper triangle is not read)."""

    @staticmethod
    def forward(ctx, A):
        xp = A.xp
        L = _call("linalg.cholesky", xp.linalg.cholesky, A.array)
        if not bool(xp.isfinite(L).all()) and bool(xp.isfinite(A.array).all()):
            raise LinAlgError("linalg.cholesky: The factorization could not be completed "
                              "because the input is not positive-definite.")
        ctx.save_for_backward(A)
        return L

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        from .indexing import tril
        L = Cholesky.apply(A)
        Linv = Inv.apply(L)
        P = _phi(matmul(_mT(L), tril(grad)))
        gA = matmul(matmul(_mT(Linv), P), Linv)
        return 0.5 * (gA + _mT(gA))


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """Lower Cholesky factor of each symmetric positive-definite matrix, read from A's lower
    triangle; ``upper``: the upper factor U = L^T, read from A's upper triangle (as PyTorch)."""
    _check("linalg.cholesky", A)
    return _mT(Cholesky.apply(_mT(A))) if upper else Cholesky.apply(A)


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class QR(Function):
    """Reduced A = QR. For m >= n, with M = R G_R^T - G_Q^T Q, gA = (G_Q + Q copyltu(M)) R^-T,
    copyltu mirroring M's lower triangle upward; a wide A = [X Y] uses it on X = Q R1."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        Q, R = A.xp.linalg.qr(A.array, mode="reduced")
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        (A,) = ctx.saved_tensors
        m, n = A.shape[-2], A.shape[-1]
        Q, R = QR.apply(A)
        gQ = gQ if gQ is not None else Q * 0
        gR = gR if gR is not None else R * 0
        if m >= n:
            return _qr_backward(Q, R, gQ, gR)
        # wide: A = [X Y] with X = Q R1 square and Y = Q R2, so R2 = Q^T Y feeds Q's gradient
        from .shape import cat
        Y, gR2 = A[..., m:], gR[..., m:]
        gX = _qr_backward(Q, R[..., :m], gQ + matmul(Y, _mT(gR2)), gR[..., :m])
        return cat([gX, matmul(Q, gR2)], -1)


def _qr_backward(Q: Tensor, R: Tensor, gQ: Tensor, gR: Tensor) -> Tensor:
    """The m >= n gradient: with M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^-T."""
    from .indexing import tril
    M = matmul(R, _mT(gR)) - matmul(_mT(gQ), Q)
    low = tril(M, -1)
    copyltu = low + _mT(low) + _diag_embed(M.diagonal(0, -2, -1))
    return matmul(gQ + matmul(Q, copyltu), _mT(Inv.apply(R)))


class QRComplete(Function):
    """mode='complete' with m > n: Q's last m - n columns are not unique, so (as in torch)
    there is no gradient."""

    @staticmethod
    def forward(ctx, A):
        return A.xp.linalg.qr(A.array, mode="complete")

    @staticmethod
    def backward(ctx, gQ, gR):
        raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when "
                           "mode='complete' and nrows > ncols.")


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """QR of each matrix (Q with orthonormal columns, R upper triangular): mode 'reduced'
    (k = min(m, n) columns), 'complete' (Q is m x m) or 'r' (Q empty). Differentiable for
    any m, n except 'complete' with m > n; with 'r' R still has its gradient (torch refuses
    there, as it does not keep Q)."""
    _check("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode '{mode}' but expected "
                           "one of 'reduced' (default), 'r', or 'complete'")
    if mode == "complete" and A.shape[-2] > A.shape[-1]:
        Q, R = QRComplete.apply(A)
    else:
        Q, R = QR.apply(A)
    if mode == "r":
        Q = Tensor._make(A.xp.zeros((0,), dtype=A.dtype), A.device)
    return QRResult(Q, R)


# --- svd, eigh ----------------------------------------------------------------------------------
def _inv_gaps(values: Tensor) -> Tensor:
    """F[i, j] = 1 / (v[j] - v[i]) off the diagonal, 0 on it (inf where values repeat)."""
    E = values.unsqueeze(-2) - values.unsqueeze(-1)
    eye = _eye_like(values, values.shape[-1])
    return (1.0 - eye) / (E + eye)


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class SVD(Function):
    """Reduced A = U diag(S) Vh. With F = 1/(s_j^2 - s_i^2) and skew(X) = X - X^T:
    gA = U [F*skew(U^T gU) S + S F*skew(V^T gV) + diag(gS)] V^T
         + (I - UU^T) gU S^-1 V^T + U S^-1 gV^T (I - VV^T)."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        # an unused U or Vh comes as None, not zeros: F is inf where singular values repeat,
        # and inf * 0 would make svdvals' (and matrix_norm's) gradient NaN there
        ctx.set_materialize_grads(False)
        return _call("linalg.svd", A.xp.linalg.svd, A.array, False)

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        (A,) = ctx.saved_tensors
        U, S, Vh = SVD.apply(A)
        V = _mT(Vh)
        F = _inv_gaps(S * S)
        inner = _diag_embed(gS) if gS is not None else U.new_zeros(tuple(S.shape) + S.shape[-1:])
        if gU is not None:
            UtgU = matmul(_mT(U), gU)
            inner = inner + F * (UtgU - _mT(UtgU)) * S.unsqueeze(-2)
        if gVh is not None:
            gV = _mT(gVh)
            VtgV = matmul(_mT(V), gV)
            inner = inner + S.unsqueeze(-1) * (F * (VtgV - _mT(VtgV)))
        gA = matmul(matmul(U, inner), Vh)
        if gU is not None and A.shape[-2] > S.shape[-1]:
            gUS = gU / S.unsqueeze(-2)
            gA = gA + matmul(gUS - matmul(U, matmul(_mT(U), gUS)), Vh)
        if gVh is not None and A.shape[-1] > S.shape[-1]:
            gVS = _mT(gVh) / S.unsqueeze(-2)
            gA = gA + matmul(U, _mT(gVS - matmul(V, matmul(Vh, gVS))))
        return gA


def svd(A: Tensor, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition. With ``full_matrices`` U is m x m and Vh n x n: the
    columns past k = min(m, n) only complete an orthonormal basis (not unique), so, as in
    torch, they pass no gradient; the first k carry the reduced SVD's."""
    _check("linalg.svd", A, square=False)
    U, S, Vh = SVD.apply(A)
    m, n = A.shape[-2], A.shape[-1]
    if full_matrices and m != n:
        from .shape import cat
        Uf, _, Vhf = _call("linalg.svd", A.xp.linalg.svd, A.array, True)
        k = min(m, n)
        if m > k:
            U = cat([U, Tensor._make(Uf[..., :, k:], A.device)], -1)
        else:
            Vh = cat([Vh, Tensor._make(Vhf[..., k:, :], A.device)], -2)
    return SVDResult(U, S, Vh)


def svdvals(A: Tensor) -> Tensor:
    """Singular values, descending."""
    _check("linalg.svdvals", A, square=False)
    return SVD.apply(A)[1]


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class Eigh(Function):
    """A = V diag(w) V^T for symmetric A (lower triangle read): gA = V (diag(gw) +
    F * (V^T gV)) V^T with F = 1/(w_j - w_i), symmetrized."""

    @staticmethod
    def forward(ctx, A, UPLO):
        ctx.save_for_backward(A)
        ctx.UPLO = UPLO
        ctx.set_materialize_grads(False)  # eigvalsh of repeated eigenvalues: no inf * 0 (SVD)
        return A.xp.linalg.eigh(A.array, UPLO=UPLO)

    @staticmethod
    def backward(ctx, gw, gV):
        (A,) = ctx.saved_tensors
        w, V = Eigh.apply(A, ctx.UPLO)
        inner = _diag_embed(gw) if gw is not None else V * 0
        if gV is not None:
            inner = inner + _inv_gaps(w) * matmul(_mT(V), gV)
        gA = matmul(matmul(V, inner), _mT(V))
        return 0.5 * (gA + _mT(gA)), None


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices."""
    _check("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    w, V = Eigh.apply(A, UPLO)
    return EighResult(w, V)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues of symmetric matrices, ascending."""
    return eigh(A, UPLO)[0]


# --- built on the decompositions -------------------------------------------------------------
def _default_rtol(A: Tensor) -> float:
    return float(A.xp.finfo(A.dtype).eps) * max(A.shape[-2], A.shape[-1])


def pinv(A: Tensor, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """Moore-Penrose pseudo-inverse V diag(1/s) U^T, singular values below
    max(atol, rtol * s_max) treated as zero (torch's default rtol: eps * max(m, n))."""
    _check("linalg.pinv", A, square=False)
    U, S, Vh = SVD.apply(A)
    tol = _tolerance(A, S, atol, rtol)
    keep = (S.detach() > tol).to(A.dtype)
    s_inv = keep / (S + (1.0 - keep))
    return matmul(_mT(Vh) * s_inv.unsqueeze(-2), _mT(U))


def _tolerance(A: Tensor, S: Tensor, atol: float | None, rtol: float | None) -> Tensor:
    if rtol is None:
        rtol = _default_rtol(A) if (atol is None or atol <= 0) else 0.0
    smax = S.detach().amax(-1, keepdim=True) if S.shape[-1] else S.detach().sum(-1, keepdim=True)
    tol = smax * rtol
    if atol is not None:
        tol = tol.clamp(min=atol)
    return tol


def matrix_rank(A: Tensor, *, atol: float | None = None, rtol: float | None = None,
                hermitian: bool = False) -> Tensor:
    """Number of singular values above max(atol, rtol * s_max), as int64."""
    _check("linalg.matrix_rank", A, square=False)
    S = SVD.apply(A.detach())[1]
    return (S > _tolerance(A, S, atol, rtol)).sum(-1)


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None
          ) -> LstsqResult:
    """Least-squares solution of A X = B through the pseudo-inverse (differentiable). Only the
    solution is computed; residuals, rank and singular_values are empty, as torch's default
    CPU driver ('gelsy') leaves residuals and singular_values."""
    _check("linalg.lstsq", A, square=False)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.lstsq: expected B to be a Tensor, got {type(B).__name__}")
    if B.ndim < 1 or B.shape[-2 if B.ndim >= 2 else 0] != A.shape[-2]:
        raise RuntimeError(f"linalg.lstsq: input.size(-2) should match other.size(-2), got "
                           f"shapes {tuple(A.shape)} and {tuple(B.shape)}")
    X = matmul(pinv(A, rtol=rcond), B)
    empty = Tensor._make(A.xp.zeros((0,), dtype=A.dtype), A.device)
    rank = Tensor._make(A.xp.zeros((0,), dtype=dtypes.int64), A.device)
    return LstsqResult(X, empty, rank, empty)


# --- norms ----------------------------------------------------------------------------------
def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements by default)."""
    from .reduction import _norm_cast, norm as _norm
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm: expected a Tensor, got {type(x).__name__}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _norm(_norm_cast(x, dtype, "linalg.vector_norm"), ord, dim, keepdim)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """'fro', 'nuc', 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum)
    and inf / -inf (max / min row sum) over the two dims ``dim``."""
    from .reduction import _norm_cast
    _check("linalg.matrix_norm", A, square=False)
    A = _norm_cast(A, dtype, "linalg.matrix_norm")
    d0, d1 = (d % A.ndim for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different, got {tuple(dim)}")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in (1, -1, 2, -2, math.inf, -math.inf):
        # the max / min below is over no values when this dim is empty (either, for 2 / -2)
        over = (d0, d1) if ord in (2, -2) else (d1,) if ord in (1, -1) else (d0,)
        if any(A.shape[d] == 0 for d in over):
            if ord < 0:  # the smallest of no values: none, as PyTorch
                raise RuntimeError(f"linalg.matrix_norm: ord={ord} of a matrix of shape "
                                   f"{tuple(A.shape)} (dims {tuple(dim)}) is a minimum over "
                                   "an empty dim")
            return A.abs().sum((d0, d1), keepdim=keepdim)  # the largest of no values: 0
    if ord in ("nuc", 2, -2):
        X = A.movedim((d0, d1), (-2, -1))
        S = svdvals(X)
        out = S.sum(-1) if ord == "nuc" else (S.amax(-1) if ord == 2 else S.amin(-1))
        if keepdim:
            out = out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return out
    if ord in (1, -1, math.inf, -math.inf):
        summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(summed, keepdim=True)
        out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
        return out if keepdim else out.squeeze(max(d0, d1)).squeeze(min(d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord!r} not supported.")


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a matrix norm when ``dim`` is a pair (or A is 2-D and ``ord`` is
    given), else a vector norm (the 2-norm of all elements by default)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.norm: expected a Tensor, got {type(A).__name__}")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, dim or (-2, -1), keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} needs a matrix (dim of length 2)")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)

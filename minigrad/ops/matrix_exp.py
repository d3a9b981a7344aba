"""The matrix exponential exp(A) = sum A^k / k! (linalg.matrix_exp, torch.matrix_exp): the
solution map of linear ODEs and the exponential map of Lie groups.

Forward: scaling and squaring with the degree-13 Padé approximant (Higham 2005): each matrix
is scaled by 2^-s so its 1-norm is below theta_13 = 5.37, r_13 = (V - U)^-1 (V + U) is
evaluated with 6 matrix products and one solve, then squared s times (each batch matrix its
own s).
Backward: the Fréchet derivative identity exp([[A^T, G], [0, A^T]]) = [[., gA], [0, .]],
evaluated with this same op, so it differentiates again.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from .linalg_decomp import _check, _mT
from .shape import cat

#: Padé (13, 13) numerator coefficients b_0..b_13 (Higham 2005, Table 10.4)
_B13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
        40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm_arrays(a, xp):
    """exp of each matrix in ``a`` (..., n, n), in a's dtype."""
    n = a.shape[-1]
    norm = xp.abs(a).sum(axis=-2).max(axis=-1).astype("float64")
    s = xp.maximum(0, xp.ceil(xp.log2(xp.maximum(norm, 1e-300) / _THETA13))).astype("int64")
    a = a / (2.0 ** s).astype(a.dtype)[..., None, None]
    eye = xp.broadcast_to(xp.eye(n, dtype=a.dtype), a.shape)
    b = [a.dtype.type(c) for c in _B13]
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for step in range(int(s.max()) if s.size else 0):
        squared = r @ r
        r = xp.where((s > step)[..., None, None], squared, r)
    return r


class MatrixExp(Function):
    """exp(A); gA = the top-right block of exp([[A^T, G], [0, A^T]])."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm_arrays(A.array, A.xp)

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        n = A.shape[-1]
        At = _mT(A)
        top = cat([At, grad], -1)
        bottom = cat([grad * 0, At], -1)
        big = MatrixExp.apply(cat([top, bottom], -2))
        return big[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) = I + A + A^2/2! + ... of each square matrix."""
    _check("linalg.matrix_exp", A)
    if A.shape[-1] == 0:
        return A.clone()
    return MatrixExp.apply(A)


"""``nn.utils.parametrizations``: ``weight_norm``, ``spectral_norm`` and ``orthogonal`` as
parametrizations (``nn.utils.parametrize``), PyTorch's current API for all three.

* ``weight_norm``: ``original0`` is g, ``original1`` is v, weight = g * v / ||v||.
* ``spectral_norm``: weight / sigma, sigma from power iteration on the ``_u``/``_v`` buffers
  of the parametrization (15 iterations at registration, ``n_power_iterations`` per training
  forward, none in eval); a 1-D weight is simply normalised.
* ``orthogonal``: every map PyTorch offers: ``matrix_exp`` (default for square weights; our
  own scaling-and-squaring Taylor series, written with tensor ops so it differentiates),
  ``cayley`` (a linear solve) and ``householder`` (default for non-square weights; a product
  of reflections written with tensor ops), with or without ``use_trivialization``.
"""
from __future__ import annotations

import math
from typing import Any

from ...autograd.grad_mode import no_grad
from ...ops.distance import normalize
from ...tensor import Tensor
from ..module import Module
from . import parametrize
from .spectral_norm import _is_transposed_conv
from .weight_norm import norm_except_dim, weight_norm_of


# --- weight norm --------------------------------------------------------------------------------
class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_norm_of(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalisation as a parametrization: ``parametrizations.<name>.original0`` is the
    norm g, ``original1`` the direction v. Returns ``module``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# --- spectral norm ------------------------------------------------------------------------------
class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim % ndim
        self.eps = eps
        if ndim > 1:
            from ...creation import randn
            self.n_power_iterations = n_power_iterations
            mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = mat.shape
            self.register_buffer("_u", normalize(randn(h, dtype=weight.dtype,
                                                       device=weight.device), dim=0, eps=eps))
            self.register_buffer("_v", normalize(randn(w, dtype=weight.dtype,
                                                       device=weight.device), dim=0, eps=eps))
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            mat = mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(mat.mv(self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(mat.t().mv(self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.detach().clone(), self._v.detach().clone()
        return weight / u.dot(mat.mv(v))

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Spectral normalisation as a parametrization (buffers ``parametrizations.<name>.0._u``
    and ``._v``); ``dim`` defaults to 1 for transposed convolutions, else 0."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_transposed_conv(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# --- orthogonal ---------------------------------------------------------------------------------
def matrix_exp(a: Tensor) -> Tensor:
    """exp(A) of (..., n, n) matrices by scaling and squaring a degree-18 Taylor series, all
    in tensor ops (so it has gradients of any order). The scaling brings ||A||_1 under 1/2,
    where the truncation error is far below float64 rounding."""
    from ...creation import eye
    n = a.shape[-1]
    with no_grad():
        norm = float(a.detach().abs().sum(dim=-2).max().item()) if a.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    x = a / float(2 ** squarings) if squarings else a
    ident = eye(n, dtype=a.dtype, device=a.device)
    e = ident
    for k in range(18, 0, -1):  # Horner: I + X(I + X/2(I + X/3(...)))
        e = ident + (x @ e) / float(k)
    for _ in range(squarings):
        e = e @ e
    return e


def householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T, v_i the i-th column of
    ``a`` below the diagonal with a 1 on it (LAPACK's orgqr convention); tensor ops only."""
    from ...creation import eye
    n, k = a.shape[-2], a.shape[-1]
    v = a.tril(-1) + eye(n, k, dtype=a.dtype, device=a.device)
    q = eye(n, dtype=a.dtype, device=a.device)
    for i in range(k):
        vi = v[..., :, i:i + 1]
        q = q - (q @ vi) @ (vi.mT * tau[..., i:i + 1].unsqueeze(-1))
    return q[..., :, :k]


def _geqrf(a: Tensor) -> tuple:
    """LAPACK's geqrf on (..., n, k), n >= k: R on and above the diagonal, the Householder
    vectors below it, and their tau (no gradient; used to invert the householder map)."""
    xp = a.xp
    r = a.detach().array.copy()
    batch = r.shape[:-2]
    n, k = r.shape[-2:]
    r = r.reshape((-1, n, k))
    taus = xp.zeros((r.shape[0], k), dtype=r.dtype)
    for b in range(r.shape[0]):
        for j in range(k):
            alpha, rest = r[b, j, j], r[b, j + 1:, j]
            xnorm = float(xp.sqrt((rest * rest).sum())) if rest.size else 0.0
            if xnorm == 0.0:
                continue  # H = I, tau = 0
            beta = -math.copysign(math.hypot(float(alpha), xnorm), float(alpha))
            tau = (beta - float(alpha)) / beta
            r[b, j + 1:, j] = rest / (float(alpha) - beta)
            r[b, j, j] = beta
            vec = xp.concatenate([xp.ones(1, dtype=r.dtype), r[b, j + 1:, j]])
            r[b, j:, j + 1:] -= tau * xp.outer(vec, vec @ r[b, j:, j + 1:])
            taus[b, j] = tau
    return (Tensor._make(r.reshape(batch + (n, k)), a.device),
            Tensor._make(taus.reshape(batch + (k,)), a.device))


def _make_orthogonal(a: Tensor) -> Tensor:
    """Q of the QR decomposition of ``a`` with R's diagonal made positive (unique)."""
    from ... import linalg
    q, r = linalg.qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)


def _is_orthogonal(q: Tensor) -> bool:
    from ...creation import eye
    n, k = q.shape[-2], q.shape[-1]
    eps = 10 * n * float(q.xp.finfo(q.dtype).eps)
    gram = (q.mT @ q).array
    return bool(q.xp.allclose(gram, eye(k, dtype=q.dtype, device=q.device).array, atol=eps))


_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True):
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        from ...creation import eye, zeros
        from ...ops import cat
        from ... import linalg
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x, n, k = x.mT, k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:
                x = cat([x, zeros(*x.shape[:-2], n, n - k, dtype=x.dtype, device=x.device)],
                        dim=-1)
            a = x - x.mT
            if self.orthogonal_map == "matrix_exp":
                q = matrix_exp(a)
            else:
                ident = eye(n, dtype=a.dtype, device=a.device)
                q = linalg.solve(ident - 0.5 * a, ident + 0.5 * a)
            if n != k:
                q = q[..., :, :k]
        else:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = householder_product(a, tau)
            # The diagonal of x only chooses signs (PyTorch casts it to int): no gradient.
            q = q * x.diagonal(dim1=-2, dim2=-1).detach().trunc().unsqueeze(-2)
        if "base" in self._buffers:
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, q: Tensor) -> Tensor:
        from ...creation import randn, zeros_like
        from ...ops import cat
        if tuple(q.shape) != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {tuple(q.shape)}.")
        with no_grad():
            q = q.detach()
            q_init = q
            n, k = q.shape[-2], q.shape[-1]
            transposed = n < k
            if transposed:
                q, n, k = q.mT, k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in ("matrix_exp", "cayley"):
                    raise NotImplementedError("It is not possible to assign to the matrix "
                                              "exponential or the Cayley parametrizations when "
                                              "use_trivialization=False.")
                a, tau = _geqrf(q)
                diag = a.array.diagonal(axis1=-2, axis2=-1)
                signs = a.xp.sign(diag)
                signs[tau.array == 0.0] *= -1
                arr = a.array.copy()
                idx = range(k)
                arr[..., idx, idx] = signs
                a = Tensor._make(arr, q.device)
                return a.mT if transposed else a
            if n == k:
                q = q.clone() if _is_orthogonal(q) else _make_orthogonal(q)
            else:
                extra = randn(*q.shape[:-2], n, n - k, dtype=q.dtype, device=q.device)
                q = _make_orthogonal(cat([q, extra], dim=-1))
            self.base = q
            neg_id = zeros_like(q_init)
            arr = neg_id.array
            idx = range(min(q_init.shape[-2:]))
            arr[..., idx, idx] = -1.0
            return neg_id


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Constrain ``module.<name>`` (a matrix or batch of matrices) to have orthonormal
    columns or rows, e.g. for stable recurrent weights. ``orthogonal_map``: 'matrix_exp'
    (default when square), 'cayley' or 'householder' (default otherwise)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} "
                         "dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module

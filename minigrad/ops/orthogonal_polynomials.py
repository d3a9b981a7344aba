"""The classical orthogonal polynomials of torch.special, evaluated at x for a degree n:
Chebyshev T/U/V/W (and their shifted forms on [0, 1]), Hermite H and He, Laguerre L, Legendre P.

Each takes (input, n) with either one a Python number, broadcasts them, and returns their
common floating dtype (integer inputs move to the default float), as PyTorch does. The degree is
n cast to an integer the way PyTorch's kernels cast it (truncation; nan, +-inf and out-of-range
values become INT64_MIN there, so those give 0 like any n < 0).

The values come from the three-term recurrences (A&S 22.7; DLMF 18.9.1 with table 18.9.1),
      T, U, V, W:  p_(k+1) = 2x p_k - p_(k-1),  p_1 = x, 2x, 2x - 1, 2x + 1
      H:  p_(k+1) = 2x p_k - 2k p_(k-1)        He: p_(k+1) = x p_k - k p_(k-1)
      L:  p_(k+1) = ((2k + 1 - x) p_k - k p_(k-1)) / (k + 1)
      P:  p_(k+1) = ((2k + 1) x p_k - k p_(k-1)) / (k + 1),   p_0 = 1,
with PyTorch's shortcuts: the closed forms at x = +-1 (x = 0 for L), and for |x| < 1 and large
n the trigonometric forms with x = cos(theta) (DLMF 18.5.1-18.5.2 and 18.5.4):
      T_n = cos(n theta), U_n = sin((n+1) theta) / sin(theta),
      V_n = cos((n+1/2) theta) / cos(theta/2), W_n = sin((n+1/2) theta) / sin(theta/2).
The shifted Chebyshev polynomials are T*_n(x) = T_n(2x - 1) and so on (DLMF 18.7.10-18.7.11).

PyTorch defines no derivative for these; backward raises. At x = nan the degree-0 polynomial is
1 and the others nan (PyTorch 2.13 returns uninitialised memory for most of them there).
"""
from __future__ import annotations

import math
from typing import Any, Callable

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .trig import _float_pair


def _degree(n: Any, xp: Any) -> Any:
    """n as PyTorch's kernels see it: truncated to int64, with nan/inf/huge n negative."""
    valid = xp.isfinite(n) & (xp.abs(n) < 2.0 ** 63)
    return xp.where(valid, xp.trunc(xp.where(valid, n, 0)), -1).astype(dtypes.int64)


def _recurrence(x: Any, n: Any, p1: Any, step: Callable, xp: Any, todo: Any = True) -> Any:
    """p_n where ``todo`` and n >= 2, from p_0 = 1, p_1 and p_(k+1) = step(k, x, p_k, p_(k-1))
    (nan elsewhere). Elements leave the loop when their degree is reached (or once they are
    nan), so the loop runs max(n) steps on a shrinking array."""
    out = xp.full_like(x, math.nan)
    idx = xp.nonzero((n >= 2) & todo)[0]
    xa, na, prev, cur = x[idx], n[idx], xp.ones_like(x[idx]), p1[idx]
    k = 1
    while idx.size:
        prev, cur = cur, step(k, xa, cur, prev)
        k += 1
        done = (na == k) | xp.isnan(cur)
        if done.any():
            out[idx[done]] = cur[done]
            keep = ~done
            idx, xa, na, prev, cur = idx[keep], xa[keep], na[keep], prev[keep], cur[keep]
    return out


def _chebyshev_step(k: int, x: Any, p: Any, q: Any) -> Any:
    return (x + x) * p - q


def _parity(n: Any, xp: Any, even: Any, odd: Any) -> Any:
    return xp.where(n % 2 == 0, even, odd)


def _trigonometric(kind: str, x: Any, n: Any, xp: Any) -> Any:
    """T_n, U_n, V_n or W_n for |x| < 1 from x = cos(theta) (DLMF 18.5.1-18.5.2, 18.5.4)."""
    theta, m = xp.arccos(x), n.astype(x.dtype)
    if kind == "t":
        return xp.cos(m * theta)
    if kind == "u":
        return xp.sin((m + 1) * theta) / xp.sin(theta)
    if kind == "v":
        return xp.cos((m + 0.5) * theta) / xp.cos(0.5 * theta)
    return xp.sin((m + 0.5) * theta) / xp.sin(0.5 * theta)


def _chebyshev(kind: str, x: Any, n: Any, xp: Any, trig_after: int) -> Any:
    """T_n, U_n, V_n or W_n at x (kind 't', 'u', 'v', 'w'): the recurrence, the trigonometric
    form for |x| < 1 and n > trig_after, the closed forms at x = +-1 (PyTorch's branches)."""
    one = xp.ones_like(x)
    p1 = {"t": x, "u": x + x, "v": x + x - 1, "w": x + x + 1}[kind]
    trig = (xp.abs(x) < 1) & (n > trig_after)
    out = _recurrence(x, n, p1, _chebyshev_step, xp, todo=~trig & (xp.abs(x) != 1))
    out = xp.where(n == 1, p1, xp.where(n == 0, one, out))
    if trig.any():
        out[trig] = _trigonometric(kind, x[trig], n[trig], xp)
    m = n.astype(x.dtype)
    at_plus = {"t": one, "u": m + 1, "v": one, "w": m + m + 1}[kind]  # the values at x = 1
    at_minus = {"t": _parity(n, xp, one, -one), "u": _parity(n, xp, m + 1, -(m + 1)),
                "v": _parity(n, xp, m + m + 1, -(m + m + 1)), "w": _parity(n, xp, one, -one)}[kind]
    return xp.where(x == 1, at_plus, xp.where(x == -1, at_minus, out))


def _hermite(physicists: bool, x: Any, n: Any, xp: Any) -> Any:
    """H_n (physicists') or He_n (probabilists')."""
    if physicists:
        p1, step = x + x, lambda k, x, p, q: (x + x) * p - (k + k) * q
    else:
        p1, step = x, lambda k, x, p, q: x * p - k * q
    out = _recurrence(x, n, p1, step, xp)
    return xp.where(n == 1, p1, xp.where(n == 0, 1, out))


def _laguerre(x: Any, n: Any, xp: Any) -> Any:
    """L_n; 1 at x = 0 for every n >= 0."""
    out = _recurrence(x, n, 1 - x, lambda k, x, p, q: ((k + k + 1 - x) * p - k * q) / (k + 1), xp,
                      todo=x != 0)
    out = xp.where(n == 1, 1 - x, xp.where(n == 0, 1, out))
    return xp.where(x == 0, 1, out)


def _legendre(x: Any, n: Any, xp: Any) -> Any:
    """P_n; P_n(1) = 1, P_n(-1) = (-1)^n."""
    out = _recurrence(x, n, x, lambda k, x, p, q: ((k + k + 1) * x * p - k * q) / (k + 1), xp,
                      todo=xp.abs(x) != 1)
    out = xp.where(n == 1, x, xp.where(n == 0, 1, out))
    return xp.where(x == 1, 1, xp.where(x == -1, _parity(n, xp, 1, -1), out))


_FAMILIES = {  # PyTorch's thresholds for the trigonometric forms: T 6, U/V/W 8, shifted 6 (W* 4)
    "chebyshev_polynomial_t": lambda x, n, xp: _chebyshev("t", x, n, xp, 6),
    "chebyshev_polynomial_u": lambda x, n, xp: _chebyshev("u", x, n, xp, 8),
    "chebyshev_polynomial_v": lambda x, n, xp: _chebyshev("v", x, n, xp, 8),
    "chebyshev_polynomial_w": lambda x, n, xp: _chebyshev("w", x, n, xp, 8),
    "shifted_chebyshev_polynomial_t": lambda x, n, xp: _chebyshev("t", x + x - 1, n, xp, 6),
    "shifted_chebyshev_polynomial_u": lambda x, n, xp: _chebyshev("u", x + x - 1, n, xp, 6),
    "shifted_chebyshev_polynomial_v": lambda x, n, xp: _chebyshev("v", x + x - 1, n, xp, 6),
    "shifted_chebyshev_polynomial_w": lambda x, n, xp: _chebyshev("w", x + x - 1, n, xp, 4),
    "hermite_polynomial_h": lambda x, n, xp: _hermite(True, x, n, xp),
    "hermite_polynomial_he": lambda x, n, xp: _hermite(False, x, n, xp),
    "laguerre_polynomial_l": _laguerre,
    "legendre_polynomial_p": _legendre,
}


def polynomial_array(name: str, x: Any, n: Any, xp: Any) -> Any:
    """The polynomial ``name`` at x for degrees n (same-dtype floating arrays): 0 for n < 0.
    The degree is read in the inputs' dtype (as PyTorch casts n to it); the value is computed
    in float64 and float32 rounded once at the end."""
    dtype = x.dtype
    x, n = xp.broadcast_arrays(x, n)
    shape = x.shape
    x, degree = x.reshape(-1).astype(dtypes.float64), _degree(n.reshape(-1), xp)
    out = xp.where(degree < 0, 0, _FAMILIES[name](x, degree, xp))
    return out.astype(dtype, copy=False).reshape(shape)


class OrthogonalPolynomial(Function):
    """One of the polynomials above; PyTorch defines no derivative for them, so backward says so."""

    @staticmethod
    def forward(ctx, x, n, name):
        ctx.op = name
        return polynomial_array(name, x.array, n.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(f"{ctx.op}: the derivative is not implemented (PyTorch "
                                  f"defines none either); detach its inputs")


def _polynomial(name: str, input: Any, n: Any) -> Tensor:  # noqa: A002
    x, degree = _float_pair(input, n, name)
    if x.dtype == dtypes.float16:
        raise NotImplementedError(f"{name}: not implemented for float16 tensors (shapes "
                                  f"{tuple(x.shape)}, {tuple(degree.shape)}), as in PyTorch")
    return OrthogonalPolynomial.apply(x, degree, name)


def chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the first kind T_n(x) = cos(n arccos x)."""
    return _polynomial("chebyshev_polynomial_t", input, n)


def chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the second kind U_n(x)."""
    return _polynomial("chebyshev_polynomial_u", input, n)


def chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the third kind V_n(x)."""
    return _polynomial("chebyshev_polynomial_v", input, n)


def chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the fourth kind W_n(x)."""
    return _polynomial("chebyshev_polynomial_w", input, n)


def shifted_chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:  # noqa: A002
    """T_n(2x - 1): the Chebyshev polynomial of the first kind moved to [0, 1]."""
    return _polynomial("shifted_chebyshev_polynomial_t", input, n)


def shifted_chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:  # noqa: A002
    """U_n(2x - 1): the Chebyshev polynomial of the second kind moved to [0, 1]."""
    return _polynomial("shifted_chebyshev_polynomial_u", input, n)


def shifted_chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:  # noqa: A002
    """V_n(2x - 1): the Chebyshev polynomial of the third kind moved to [0, 1]."""
    return _polynomial("shifted_chebyshev_polynomial_v", input, n)


def shifted_chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:  # noqa: A002
    """W_n(2x - 1): the Chebyshev polynomial of the fourth kind moved to [0, 1]."""
    return _polynomial("shifted_chebyshev_polynomial_w", input, n)


def hermite_polynomial_h(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The physicists' Hermite polynomial H_n (weight exp(-x^2))."""
    return _polynomial("hermite_polynomial_h", input, n)


def hermite_polynomial_he(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The probabilists' Hermite polynomial He_n (weight exp(-x^2/2))."""
    return _polynomial("hermite_polynomial_he", input, n)


def laguerre_polynomial_l(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Laguerre polynomial L_n (weight exp(-x) on [0, inf))."""
    return _polynomial("laguerre_polynomial_l", input, n)


def legendre_polynomial_p(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Legendre polynomial P_n (weight 1 on [-1, 1])."""
    return _polynomial("legendre_polynomial_p", input, n)

"""The regularized incomplete gamma functions P(a, x) = gammainc (torch.igamma) and
Q(a, x) = 1 - P = gammaincc (torch.igammac): Gamma/Poisson/chi-square CDFs.

Computed as Cephes and Numerical Recipes do, vectorised on ``x.xp`` in float64: the power
series P = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n)) where x < a + 1 (no
cancellation there), Legendre's continued fraction for Q (evaluated by the modified Lentz
method) elsewhere; the other function is 1 minus it. Each element stops iterating once its
term falls under float64 rounding. The prefactor exp(a log x - x - lgamma(a)) loses about
ulp * a log x, and near x ~ a both need ~sqrt(a) terms, so for large a neither will do.

Where a >= 100 and |eta| <= 1 (x/a within about [0.24, 2.8]; beyond it, for a >= 1500, the
smaller of P, Q underflows) Temme's uniform asymptotic expansion is used instead (DLMF
8.12.8-8.12.10, as Cephes does for large a): with lambda = x / a, eta = sign(lambda - 1)
sqrt(2 (lambda - 1 - log lambda)),
    Q = erfc(eta sqrt(a / 2)) / 2 + exp(-a eta^2 / 2) / sqrt(2 pi a) sum_k c_k(eta) a^-k,
c_0 = 1/(lambda - 1) - 1/eta, c_k = c_(k-1)'(eta) / eta + (-1)^k g_k / (lambda - 1), g_k
the coefficients of Stirling's series Gamma(a) ~ sqrt(2 pi / a) (a/e)^a sum g_k a^-k. The
c_k are evaluated as Taylor series in eta (radius 2 sqrt(pi)), whose coefficients
``_temme_coefficients`` derives once (series reversion of eta^2 / 2 = mu - log(1 + mu),
mu = lambda - 1, then the recursion). No exp(a log x) appears: measured against scipy and
mpmath for a in [100, 1e8], the relative error is ~1e-15 where P and Q are not small and
stays under ~1e-13 in the tails (about ulp times the exponent a eta^2 / 2 there).

PyTorch's special values are kept: nan for a < 0 or x < 0; for a = 0, P = 1 (x > 0) and nan
at x = 0; P(a, 0) = 0; P(a, inf) = 1. The gradient is taken in x only (d/dx P = x^(a-1) e^-x /
Gamma(a)); PyTorch has no derivative in a either, and neither has minigrad (it raises).
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .comparison import where
from .elementwise import scalar_like
from .broadcast import sum_to_shape
from .gamma import lgamma_array
from .trig import _float_pair
from .unary_math import exp, log

_EPS = 2.0 ** -53
_TINY = 1e-300
_MAX_ITERATIONS = 2000


def _series_p(a: Any, x: Any, xp: Any) -> Any:
    """P(a, x) by the power series (used where x < a + 1)."""
    term = 1.0 / a
    total = term.copy()
    denom = a.copy()
    active = xp.ones(a.shape, dtype=bool)
    for _ in range(_MAX_ITERATIONS):
        denom = denom + 1.0
        term = xp.where(active, term * x / denom, 0.0)
        total = total + term
        active = active & (xp.abs(term) > xp.abs(total) * _EPS)
        if not active.any():
            break
    log_prefactor = a * xp.log(x) - x - lgamma_array(a, xp)
    return total * xp.exp(log_prefactor)


def _continued_fraction_q(a: Any, x: Any, xp: Any) -> Any:
    """Q(a, x) by Legendre's continued fraction, modified Lentz (used where x >= a + 1)."""
    b = x + 1.0 - a
    c = xp.full(a.shape, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    active = xp.ones(a.shape, dtype=bool)
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = xp.where(xp.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = xp.where(active, h * delta, h)
        active = active & (xp.abs(delta - 1.0) > _EPS)
        if not active.any():
            break
    log_prefactor = a * xp.log(x) - x - lgamma_array(a, xp)
    return xp.exp(log_prefactor) * h


_TEMME_MIN_A = 100.0
_TEMME_MAX_ETA = 1.0
_TEMME_TERMS = 34  # Taylor terms in eta of c_0 (|eta| / 2 sqrt(pi) <= 0.28: 0.28^34 ~ 1e-19)
_TEMME_ORDERS = 10  # powers of 1/a (a >= 100: c_9 a^-9 ~ 1e-21)
_temme_table: list | None = None


def _series_mul(p: list, q: list, n: int) -> list:
    """The first n coefficients of the product of two power series."""
    out = [0] * n
    for i, pi in enumerate(p[:n]):
        for j, qj in enumerate(q[:n - i]):
            out[i + j] += pi * qj
    return out


def _temme_coefficients() -> list:
    """Taylor coefficients (in eta, lowest first) of c_0 .. c_(K-1), derived once, exactly
    (fractions; ~0.15 s), from the definitions above and rounded to float at the end."""
    global _temme_table
    if _temme_table is not None:
        return _temme_table
    from fractions import Fraction
    n_terms, orders = _TEMME_TERMS, _TEMME_ORDERS
    # mu(eta) by Lagrange inversion: eta = mu psi(mu), psi = sqrt(2 h), mu - log(1 + mu) =
    # mu^2 h(mu), h = sum_j (-1)^j mu^j / (j + 2); [eta^n] mu = [mu^(n-1)] psi^-n / n
    two_h = [Fraction(2 * (-1) ** j, j + 2) for j in range(n_terms + 1)]
    w = [Fraction(1)] + [Fraction(0)] * n_terms  # psi^-1 = (2h)^(-1/2), the power recurrence
    for n in range(1, n_terms + 1):
        w[n] = sum((Fraction(1, 2) * k - n) * two_h[k] * w[n - k] for k in range(1, n + 1)) / n
    u, power = [], [Fraction(1)] + [Fraction(0)] * n_terms  # u = mu / eta
    for n in range(1, n_terms + 2):
        power = _series_mul(power, w, n_terms + 1)
        u.append(power[n - 1] / n)
    inv_u = [Fraction(1)] + [Fraction(0)] * n_terms  # 1/u, so 1/mu = inv_u / eta
    for k in range(1, n_terms + 1):
        inv_u[k] = -sum(u[j] * inv_u[k - j] for j in range(1, k + 1))
    # Stirling's g_k: exp(sum_j B_2j / (2j (2j - 1)) a^(1 - 2j)), Bernoulli numbers
    bern = [Fraction(1)]
    for m in range(1, orders + 2):
        bern.append(-sum(math.comb(m + 1, j) * bern[j] for j in range(m)) / (m + 1))
    log_g = [Fraction(0)] * orders
    for j in range(1, orders):
        if 2 * j - 1 < orders:
            log_g[2 * j - 1] = bern[2 * j] / (2 * j * (2 * j - 1))
    g = [Fraction(1)] + [Fraction(0)] * (orders - 1)
    term = list(g)
    for m in range(1, orders):
        term = [t / m for t in _series_mul(term, log_g, orders)]
        g = [x + y for x, y in zip(g, term)]
    table = [inv_u[1:]]  # c_0 = (1/u - 1) / eta
    for k in range(1, orders):
        prev = table[-1]
        deriv = [i * prev[i] for i in range(1, len(prev))]
        # the 1/eta terms of c'/eta and of (-1)^k g_k / mu cancel exactly (the recursion's)
        assert deriv[0] + (-1) ** k * g[k] * inv_u[0] == 0, k
        table.append([deriv[i + 1] + (-1) ** k * g[k] * inv_u[i + 1]
                      for i in range(len(deriv) - 1)])
    _temme_table = [[float(c) for c in coeffs] for coeffs in table]
    return _temme_table


def _log1pmx_neg(m: Any, xp: Any) -> Any:
    """m - log(1 + m) (>= 0) without cancellation: its series where |m| < 0.3."""
    small = xp.abs(m) < 0.3
    ms = xp.where(small, m, 0.0)
    total = xp.zeros_like(m)
    for j in range(40, 1, -1):  # Horner on sum_j>=2 (-1)^j m^j / j (0.3^40 ~ 1e-21)
        total = (total + (-1) ** j / j) * ms
    total = total * ms
    direct = m - xp.log1p(xp.where(small, 0.0, m))
    return xp.where(small, total, direct)


def _temme_remainder(a: Any, eta: Any, xp: Any) -> Any:
    """R = Q - erfc(eta sqrt(a / 2)) / 2 = exp(-a eta^2 / 2) / sqrt(2 pi a) sum_k c_k a^-k."""
    inv_a = 1.0 / a
    total = xp.zeros_like(a)
    for coeffs in reversed(_temme_coefficients()):
        ck = xp.zeros_like(eta)
        for c in reversed(coeffs):
            ck = ck * eta + c
        total = total * inv_a + ck
    return xp.exp(-0.5 * a * eta * eta) / xp.sqrt(2.0 * math.pi * a) * total


def _temme(a: Any, eta: Any, xp: Any, upper: Any) -> Any:
    """Q (where ``upper``) or P = erfc(-eta sqrt(a / 2)) / 2 - R by Temme's expansion; each
    is asked for where it is the smaller one, so neither comes from a difference near 1."""
    from .activation import erfc_array
    r = _temme_remainder(a, eta, xp)
    z = eta * xp.sqrt(0.5 * a)
    return xp.where(upper, 0.5 * erfc_array(z, xp) + r, 0.5 * erfc_array(-z, xp) - r)


def _eta(a: Any, x: Any, xp: Any) -> Any:
    mu = (x - a) / a
    return xp.sign(mu) * xp.sqrt(2.0 * _log1pmx_neg(mu, xp))


def igamma_array(a_in: Any, x_in: Any, xp: Any, upper: bool) -> Any:
    """P(a, x) (or Q when ``upper``) of broadcast floating arrays, in their dtype."""
    a = a_in if a_in.dtype == dtypes.float64 else a_in.astype(dtypes.float64)
    x = x_in if x_in.dtype == dtypes.float64 else x_in.astype(dtypes.float64)
    a, x = xp.broadcast_arrays(a, x)
    p = xp.full(a.shape, math.nan)
    q = xp.full(a.shape, math.nan)
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    large = regular & (a >= _TEMME_MIN_A)
    eta = xp.zeros(a.shape)
    if large.any():
        eta[large] = _eta(a[large], x[large], xp)
        large &= xp.abs(eta) <= _TEMME_MAX_ETA
    if large.any():
        al, el = a[large], eta[large]
        upper_small = el >= 0  # x >= a: Q <= 1/2 directly, P = 1 - Q; else P directly
        small = _temme(al, el, xp, upper_small)
        pl = xp.where(upper_small, 1.0 - small, small)
        ql = xp.where(upper_small, small, 1.0 - small)
        p[large], q[large] = pl, ql
    regular &= ~large
    by_series = regular & (x < a + 1.0)
    by_fraction = regular & ~by_series
    if by_series.any():
        ps = _series_p(a[by_series], x[by_series], xp)
        p[by_series], q[by_series] = ps, 1.0 - ps
    if by_fraction.any():
        qs = _continued_fraction_q(a[by_fraction], x[by_fraction], xp)
        p[by_fraction], q[by_fraction] = 1.0 - qs, qs
    # PyTorch's edges (nan stays nan; negative a or x is nan)
    valid = (a >= 0) & (x >= 0)
    edges = [((a == 0) & (x > 0) & valid, 1.0, 0.0),
             ((x == 0) & (a > 0), 0.0, 1.0),
             ((x == math.inf) & xp.isfinite(a) & valid, 1.0, 0.0),
             ((a == math.inf) & xp.isfinite(x) & valid, 0.0, 1.0)]
    for mask, p_value, q_value in edges:
        p = xp.where(mask, p_value, p)
        q = xp.where(mask, q_value, q)
    out = q if upper else p
    return out.astype(a_in.dtype, copy=False)


class IncompleteGamma(Function):
    """P(a, x) or Q(a, x); d/dx P = x^(a-1) e^-x / Gamma(a) = -d/dx Q; no gradient in a."""

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        return igamma_array(a.array, x.array, a.xp, upper)

    @staticmethod
    def backward(ctx, grad):
        if ctx.needs_input_grad[0]:  # raised when asked for, as PyTorch does
            raise NotImplementedError(f"{'igammac' if ctx.upper else 'igamma'}: the derivative "
                                      f"with respect to the first argument (a) is not "
                                      f"implemented (as in PyTorch); detach it")
        a, x = ctx.saved_tensors
        from .gamma import lgamma
        density = exp((a - 1.0) * log(x) - x - lgamma(a))
        density = where(x > 0, density, scalar_like(0.0, density))
        gx = grad * (-density if ctx.upper else density)
        return None, sum_to_shape(gx, x.shape), None


def igamma(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma P(input, other): the Gamma(a) CDF at x."""
    a, x = _float_pair(input, other, "igamma")
    return IncompleteGamma.apply(a, x, False)


def igammac(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma Q(input, other) = 1 - P, accurate in the tail."""
    a, x = _float_pair(input, other, "igammac")
    return IncompleteGamma.apply(a, x, True)

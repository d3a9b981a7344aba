"""The gamma family: lgamma, digamma, polygamma and the multivariate mvlgamma.

Neither NumPy nor CuPy has them, so they are built here from published formulas, vectorised on
``x.xp`` and evaluated in float64 (float32/float16 inputs are rounded once at the end):

- lgamma: the Taylor series of lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k
  (Abramowitz & Stegun 6.1.33) on [1.5, 2.5]; the recurrence Gamma(x + 1) = x Gamma(x) to move
  other x in (0, 10) there; Stirling's series with Bernoulli numbers from 10 on; and the
  reflection Gamma(x) Gamma(1 - x) = pi / sin(pi x) for x < 0.
- digamma: the recurrence psi(x + 1) = psi(x) + 1/x up to x >= 10, then the asymptotic series
  log x - 1/(2x) - sum B_2k / (2k x^2k) (A&S 6.3.18); psi(1 - x) - pi / tan(pi x) for x < 0.
- polygamma(n >= 1): (-1)^(n+1) n! zeta(n + 1, x) with the Hurwitz zeta summed directly up to
  q + N >= n + 21 and closed by the Euler-Maclaurin formula (the method of Cephes' zeta).

Each derivative is the next member: lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' =
polygamma(n + 1), so the backwards are tensor ops and double backward comes for free. PyTorch's
conventions at the poles are kept: lgamma is +inf at 0, -1, -2, ...; digamma is -inf at +0 (+inf
at -0) and nan at the negative integers; polygamma(n >= 1) is inf at the non-positive integers.
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _float_input

# B_2, B_4, ..., B_30: the Bernoulli numbers of Stirling's and the Euler-Maclaurin series.
_BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
              Fraction(43867, 798), Fraction(-174611, 330), Fraction(854513, 138),
              Fraction(-236364091, 2730), Fraction(8553103, 6), Fraction(-23749461029, 870),
              Fraction(8615841276005, 14322)]
_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_2PI = 0.91893853320467274178
_STIRLING_LGAMMA = [float(b / ((2 * k + 2) * (2 * k + 1))) for k, b in enumerate(_BERNOULLI[:10])]
_STIRLING_DIGAMMA = [float(b / (2 * k + 2)) for k, b in enumerate(_BERNOULLI[:10])]
_EM_TERMS = 12  # Euler-Maclaurin terms of the Hurwitz zeta


def _hurwitz_zeta_scalar(s: int, q: float) -> float:
    """zeta(s, q) for one Python float, used once at import for lgamma's series coefficients."""
    w = max(float(s) + 21.0, q)
    n = int(math.ceil(w - q))
    total = math.fsum((q + k) ** -s for k in range(n))
    w = q + n
    tail = w ** (1 - s) / (s - 1) + 0.5 * w ** -s
    rising, power = float(s), w ** (-s - 1)
    for j in range(_EM_TERMS):
        tail += float(_BERNOULLI[j] / math.factorial(2 * j + 2)) * rising * power
        rising *= (s + 2 * j + 1) * (s + 2 * j + 2)
        power /= w * w
    return total + tail


# lgamma(2 + z) = sum_k c_k z^k on |z| <= 0.5: c_1 = 1 - gamma, c_k = (-1)^k (zeta(k) - 1) / k.
_LGAMMA2_SERIES = [1.0 - _EULER_GAMMA] + [(-1) ** k * _hurwitz_zeta_scalar(k, 2.0) / k
                                          for k in range(2, 32)]


def _compute(a: Any) -> Any:
    """Evaluate in float64; the caller rounds back to the input's dtype once."""
    return a if a.dtype == dtypes.float64 else a.astype(dtypes.float64)


def _lgamma2(z: Any) -> Any:
    """lgamma(2 + z) for |z| <= 0.5 by Horner's rule on the zeta series."""
    acc = z * 0.0
    for c in reversed(_LGAMMA2_SERIES):
        acc = (acc + c) * z
    return acc


def _sinpi_abs(x: Any, xp: Any) -> Any:
    """|sin(pi x)| with the argument reduced exactly (x - round(x) has no rounding error)."""
    return xp.abs(xp.sin(math.pi * (x - xp.round(x))))


def _lgamma_positive(x: Any, xp: Any) -> Any:
    """lgamma on x > 0 (inf included)."""
    out = xp.empty_like(x)
    small = x < 1.5
    mid = (x >= 1.5) & (x < 10.0)
    big = x >= 10.0
    if small.any():  # lgamma(x) = lgamma(x + 1) - log x = lgamma(2 + (x - 1)) - log1p(x - 1)
        s = x[small]
        below = s < 0.5
        z = s - 1.0  # exact on [0.5, 1.5)
        val = _lgamma2(z) - xp.log1p(z)
        # on (0, 0.5): lgamma(x) = lgamma(x + 1) - log(x) = lgamma(2 + x) - log1p(x) - log(x)
        val = xp.where(below, _lgamma2(s) - xp.log1p(s) - xp.log(s), val)
        out[small] = val
    if mid.any():  # shift down into [1.5, 2.5): lgamma(x) = lgamma(x - n) + log prod(x - i)
        m = x[mid]
        n = xp.floor(m - 1.5)
        prod = xp.ones_like(m)
        for i in range(1, 9):
            prod = xp.where(n >= i, prod * (m - i), prod)
        out[mid] = _lgamma2(m - 2.0 - n) + xp.log(prod)
    if big.any():  # Stirling's series
        b = x[big]
        inv = 1.0 / b
        inv2 = inv * inv
        series = xp.zeros_like(b)
        for c in reversed(_STIRLING_LGAMMA):
            series = series * inv2 + c
        out[big] = (b - 0.5) * xp.log(b) - b + _HALF_LOG_2PI + series * inv
    return out


def lgamma_array(a: Any, xp: Any) -> Any:
    """log|Gamma(a)| of a floating array, in its own dtype (+inf at 0, -1, -2, ...)."""
    x = _compute(a)
    out = xp.full(x.shape, math.inf, dtype=x.dtype)
    pos = x > 0
    neg = (x < 0) & (x != xp.floor(x))  # -inf counts as a pole (PyTorch gives +inf)
    if pos.any():
        out[pos] = _lgamma_positive(x[pos], xp)
    if neg.any():  # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
        v = x[neg]
        log_pi_over_sin = math.log(math.pi) - xp.log(_sinpi_abs(v, xp))
        # for |v| < 1e-300, pi * v nears the subnormals (few bits); there pi / sin(pi v) = 1 / |v|
        log_pi_over_sin = xp.where(v > -1e-300, -xp.log(-v), log_pi_over_sin)
        out[neg] = log_pi_over_sin - _lgamma_positive(1.0 - v, xp)
    out = xp.where(x == math.inf, math.inf, out)
    out = xp.where(xp.isnan(x), x, out)
    return out.astype(a.dtype, copy=False)


def _digamma_positive(x: Any, xp: Any) -> Any:
    """psi on x > 0: recur up to x >= 10, then the asymptotic series."""
    acc = xp.zeros_like(x)
    for _ in range(10):
        low = x < 10.0
        acc = acc + xp.where(low, 1.0 / x, 0.0)
        x = xp.where(low, x + 1.0, x)
    inv2 = 1.0 / (x * x)
    series = xp.zeros_like(x)
    for c in reversed(_STIRLING_DIGAMMA):
        series = (series + c) * inv2
    return xp.log(x) - 0.5 / x - series - acc


def digamma_array(a: Any, xp: Any) -> Any:
    """psi(a) = d/da lgamma(a) of a floating array, with PyTorch's values at the poles."""
    x = _compute(a)
    out = xp.full(x.shape, math.nan, dtype=x.dtype)  # negative integers and -inf
    pos = x > 0
    neg = (x < 0) & (x != xp.floor(x))
    if pos.any():
        out[pos] = _digamma_positive(x[pos], xp)
    if neg.any():  # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        v = x[neg]
        r = v - xp.round(v)  # tan has period pi, and r is exact
        out[neg] = _digamma_positive(1.0 - v, xp) - math.pi / xp.tan(math.pi * r)
    zero = x == 0
    out = xp.where(zero, xp.copysign(math.inf, -x), out)  # -inf at +0, +inf at -0
    out = xp.where(xp.isnan(x), x, out)
    return out.astype(a.dtype, copy=False)


def hurwitz_zeta_array(s: int, q: Any, xp: Any) -> Any:
    """zeta(s, q) = sum_k (q + k)^-s for an integer s >= 2: summed directly until q + N >=
    s + 21, then closed by Euler-Maclaurin (12 terms; the first one left out is below
    float64 rounding there). inf at the non-positive integers q, like Cephes/PyTorch."""
    w_min = float(s) + 21.0
    steps = xp.where(q < w_min, xp.ceil(w_min - q), 0.0)
    steps = xp.where(xp.isfinite(steps), steps, 0.0)
    total = xp.zeros_like(q)
    longest = int(steps.max()) if steps.size else 0
    for k in range(longest):
        total = total + xp.where(k < steps, (q + k) ** -s, 0.0)
    w = q + steps
    tail = w ** (1 - s) / (s - 1) + 0.5 * w ** -s
    rising, power = float(s), w ** (-s - 1)
    for j in range(_EM_TERMS):
        tail = tail + float(_BERNOULLI[j] / math.factorial(2 * j + 2)) * rising * power
        rising *= (s + 2 * j + 1) * (s + 2 * j + 2)
        power = power / (w * w)
    out = total + tail
    return xp.where((q <= 0) & (q == xp.floor(q)), math.inf, out)


def polygamma_array(n: int, a: Any, xp: Any) -> Any:
    """The n-th derivative of digamma, n >= 1: (-1)^(n+1) n! zeta(n + 1, a)."""
    x = _compute(a)
    sign = 1.0 if n % 2 else -1.0
    out = sign * math.factorial(n) * hurwitz_zeta_array(n + 1, x, xp)
    out = xp.where(x == math.inf, 0.0, out)
    out = xp.where(xp.isnan(x) | (x == -math.inf), math.nan, out)
    return out.astype(a.dtype, copy=False)


# --- the differentiable ops ----------------------------------------------------------------
class Lgamma(Function):
    """log|Gamma(x)|; d/dx = digamma(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return lgamma_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * digamma(x)


class Polygamma(Function):
    """psi^(n)(x) (n = 0 is digamma); d/dx = psi^(n+1)(x)."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        if n == 0:
            return digamma_array(x.array, x.xp)
        return polygamma_array(n, x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Polygamma.apply(x, ctx.n + 1), None


def lgamma(input: Tensor) -> Tensor:  # noqa: A002
    """log|Gamma(x)|: log-factorials and log-normalisers of Gamma/Beta/Dirichlet densities
    without overflow; integers compute in the default float dtype."""
    return Lgamma.apply(_float_input(input, "lgamma"))


def digamma(input: Tensor) -> Tensor:  # noqa: A002
    """psi(x) = d/dx lgamma(x), the gradient of lgamma (Dirichlet/Beta maximum likelihood)."""
    return Polygamma.apply(_float_input(input, "digamma"), 0)


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """The n-th derivative of digamma (n = 1 is trigamma), for Fisher information of Gamma-
    family models; as torch.polygamma(n, input)."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n = {n}")
    return Polygamma.apply(_float_input(input, "polygamma"), int(n))


def mvlgamma(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """log of the multivariate gamma function Gamma_p(x), the normaliser of Wishart densities:
    p(p - 1)/4 log(pi) + sum_{i<p} lgamma(x - i/2); every element must exceed (p - 1)/2."""
    if not isinstance(p, numbers.Integral) or isinstance(p, bool) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    x = _float_input(input, "mvlgamma")
    bound = (p - 1) / 2
    if x.numel() and not bool((x.array > bound).all()):
        raise RuntimeError(f"mvlgamma: all elements must be greater than (p-1)/2 = {bound} "
                           f"(p = {p}, input of shape {tuple(x.shape)})")
    offsets = Tensor._make(x.xp.arange(p, dtype=x.dtype) * x.dtype.type(-0.5), x.device)
    terms = lgamma(x.unsqueeze(-1) + offsets)
    return terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


# --- the Hurwitz zeta function with real s (torch.special.zeta) ---------------------------------
def zeta_array(s_in: Any, q_in: Any, xp: Any) -> Any:
    """zeta(s, q) = sum_k (q + k)^-s for real s > 1 (elementwise), by direct summation up to
    q + N >= min(s + 21, 250) and Euler-Maclaurin beyond; Cephes' values elsewhere: inf at
    s = 1 and at non-positive integer q, nan for s < 1, for q < 0 with non-integer s and (as
    PyTorch) for infinite q."""
    s = _compute(s_in)
    q = _compute(q_in)
    s, q = xp.broadcast_arrays(s, q)
    regular = (s > 1) & xp.isfinite(s) & xp.isfinite(q) & ((q > 0) | (s == xp.floor(s))) & \
        ~((q <= 0) & (q == xp.floor(q)))
    out = xp.full(s.shape, math.nan)
    if regular.any():
        sr, qr = s[regular], q[regular]
        w_min = xp.minimum(sr + 21.0, 250.0)
        steps = xp.where(qr < w_min, xp.ceil(w_min - qr), 0.0)
        total = xp.zeros_like(qr)
        for k in range(int(steps.max())):
            total = total + xp.where(k < steps, (qr + k) ** -sr, 0.0)
        w = qr + steps
        tail = w ** (1.0 - sr) / (sr - 1.0) + 0.5 * w ** -sr
        rising, power = sr.copy(), w ** (-sr - 1.0)
        for j in range(_EM_TERMS):
            # for huge s, power underflows to 0 while rising overflows: the term is 0, not nan
            term = xp.where(power > 0, rising * power, 0.0)
            tail = tail + float(_BERNOULLI[j] / math.factorial(2 * j + 2)) * term
            rising = rising * (sr + 2 * j + 1) * (sr + 2 * j + 2)
            power = power / (w * w)
        out[regular] = total + tail
    out = xp.where((s == 1) & ~xp.isnan(q), math.inf, out)
    out = xp.where((q <= 0) & (q == xp.floor(q)) & (s > 1), math.inf, out)
    return out.astype(s_in.dtype if dtypes.is_floating(s_in.dtype) else q_in.dtype, copy=False)


class Zeta(Function):
    """zeta(s, q); PyTorch defines no derivative, so backward says so."""

    @staticmethod
    def forward(ctx, s, q):
        return zeta_array(s.array, q.array, s.xp).astype(s.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("zeta: the derivative for 'zeta' is not implemented (as in "
                                  "PyTorch); detach its inputs")


def zeta(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Hurwitz zeta function zeta(input, other) = sum_k (other + k)^-input (torch.special.
    zeta); the Riemann zeta at other = 1."""
    from .trig import _float_pair
    s, q = _float_pair(input, other, "zeta")
    return Zeta.apply(s, q)

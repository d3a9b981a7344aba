"""Special functions beyond erf/erfc and the gamma family: erfinv, erfcx, the normal
distribution's ndtr/log_ndtr/ndtri, the modified Bessel functions i0/i1 (and their
exponentially scaled i0e/i1e), entr and xlog1py.

Neither NumPy nor CuPy has these, so they are built from published formulas on ``x.xp``, in
float64 (float32/float16 inputs are rounded once at the end, as erf does):

- erfcx(x) = exp(x^2) erfc(x) reuses Cody's rational approximations of erfc (ops/activation.py)
  without their exp(-x^2) factor, so it neither underflows nor cancels for large x.
- erfinv/erfcinv start from Winitzki's closed form (relative error < 2e-3) and polish it with
  Halley steps on erf (|y| <= 1/2) or Newton steps on log erfc = log erfcx - x^2 (the tails, where
  1 - |y| is the accurately known quantity); ndtri(p) = -sqrt(2) erfcinv(2p).
- I_nu(x), nu = 0, 1: the power series sum (x/2)^(2k+nu) / (k! (k+nu)!) for |x| <= 20 (all terms
  positive), the Hankel asymptotic series e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k beyond
  (A&S 9.7.1; its smallest term is about e^(-2x), under float64 rounding past 20).

Backwards are tensor ops (erfinv' = sqrt(pi)/2 exp(erfinv^2), i0' = i1, i1' = i0 - i1/x, ...), so
double backward comes for free.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import (_INV_SQRT_PI, _P2, _P3, _Q2, _Q3, TWO_OVER_SQRT_PI, _ratio,
                         erfc_array, erf_array)
from .broadcast import sum_to_shape
from .comparison import where
from .elementwise import _float_input, scalar_like
from .trig import _float_pair
from .unary_math import exp, log, log1p, sign

_SQRT2 = math.sqrt(2.0)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_WINITZKI_A = 0.147
_BESSEL_SERIES_MAX = 20.0
_BESSEL_SERIES_TERMS = 64
_BESSEL_ASYMPTOTIC_TERMS = 40


def _compute(a: Any) -> Any:
    return a if a.dtype == dtypes.float64 else a.astype(dtypes.float64)


def _exp_square(y: Any, xp: Any) -> Any:
    """exp(y^2) without y*y's rounding error (amplified y^2 times by exp): s = y to 1/16."""
    s = xp.trunc(y * 16.0) / 16.0
    return xp.exp(s * s) * xp.exp((y - s) * (y + s))


# --- erfcx --------------------------------------------------------------------------------------
def erfcx_array(a: Any, xp: Any) -> Any:
    """exp(x^2) erfc(x): about 1/(sqrt(pi) x) for large x instead of exp(+big) * 0."""
    x = _compute(a)
    y = xp.abs(x)
    out = xp.empty_like(x)
    small = y <= 0.5
    mid = (y > 0.5) & (y <= 4.0)
    far = ~(small | mid)  # nan too
    if small.any():
        s = y[small]
        out[small] = xp.exp(s * s) * erfc_array(s, xp)
    if mid.any():
        out[mid] = _ratio(y[mid], _P2, _Q2)
    if far.any():
        f = y[far]
        z = 1.0 / (f * f)
        out[far] = (_INV_SQRT_PI - z * _ratio(z, _P3, _Q3)) / f
    out = xp.where(x < 0, 2.0 * _exp_square(y, xp) - out, out)
    out = xp.where(x == -math.inf, math.inf, out)
    return out.astype(a.dtype, copy=False)


# --- erfinv / erfcinv ---------------------------------------------------------------------------
def _erfinv_core(y: Any, q: Any, xp: Any) -> Any:
    """x >= 0 with erf(x) = y, where y in [0, 1] and q = 1 - y are both given accurately."""
    with_log = xp.log(q * (2.0 - q))  # log(1 - y^2)
    b = 2.0 / (math.pi * _WINITZKI_A) + 0.5 * with_log
    x = xp.sqrt(xp.sqrt(b * b - with_log / _WINITZKI_A) - b)
    x = xp.where(xp.isfinite(x), x, 0.0)
    tail = y > 0.5
    center = ~tail
    if center.any():  # |y| <= 1/2: Halley on erf(x) - y (f'' = -2x f'), cubic from 2e-3
        xc, yc = x[center], y[center]
        for _ in range(3):
            step = (erf_array(xc, xp) - yc) / (TWO_OVER_SQRT_PI * xp.exp(-xc * xc))
            xc = xc - step / (1.0 + xc * step)
        x[center] = xc
    if tail.any():  # the tails: Newton on log erfc(x) - log q, d/dx = -2/sqrt(pi) / erfcx(x)
        xt, log_q = xp.maximum(x[tail], 0.25), xp.log(q[tail])
        for _ in range(5):
            cx = erfcx_array(xt, xp)
            xt = xt - (xp.log(cx) - xt * xt - log_q) * cx / -TWO_OVER_SQRT_PI
        x[tail] = xt
    x = xp.where(q == 0, math.inf, x)
    return xp.where((y > 1) | (q < 0) | xp.isnan(y), math.nan, x)


def erfinv_array(a: Any, xp: Any) -> Any:
    """erf^-1 of a floating array on [-1, 1] (+-inf at +-1, nan outside)."""
    y = _compute(a)
    m = xp.abs(y)
    return (xp.copysign(1.0, y) * _erfinv_core(m, 1.0 - m, xp)).astype(a.dtype, copy=False)


def erfcinv_array(q: Any, xp: Any) -> Any:
    """erfc^-1 on [0, 2], accurate for tiny q (where 1 - q would round to 1)."""
    upper = q > 1.0
    r = xp.where(upper, 2.0 - q, q)  # erfcinv(2 - r) = -erfcinv(r)
    x = _erfinv_core(1.0 - r, r, xp)
    return xp.where(upper, -x, x)


class Erfinv(Function):
    """erf^-1(y); d/dy = sqrt(pi)/2 exp(erfinv(y)^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erfinv_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        out = erfinv(x)
        return grad * exp(out * out) * _SQRT_PI_OVER_2


class Erfcx(Function):
    """exp(x^2) erfc(x); d/dx = 2x erfcx(x) - 2/sqrt(pi)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erfcx_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2.0 * x * erfcx(x) - TWO_OVER_SQRT_PI)


class Ndtri(Function):
    """The standard normal quantile; d/dp = sqrt(2 pi) exp(ndtri(p)^2 / 2)."""

    @staticmethod
    def forward(ctx, p):
        ctx.save_for_backward(p)
        a = _compute(p.array)
        return (-_SQRT2 * erfcinv_array(2.0 * a, p.xp)).astype(p.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (p,) = ctx.saved_tensors
        out = ndtri(p)
        return grad * exp(out * out * 0.5) * _SQRT_2PI


class LogNdtr(Function):
    """log Phi(x), finite far into the lower tail; d/dx = sqrt(2/pi) / erfcx(-x/sqrt 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, a = x.xp, _compute(x.array)
        z = a * (1.0 / _SQRT2)
        lower = xp.log(erfcx_array(-z, xp) * 0.5) - z * z
        upper = xp.log1p(-0.5 * erfc_array(z, xp))
        return xp.where(a < -1.0, lower, upper).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (_SQRT_2_OVER_PI / erfcx(x * (-1.0 / _SQRT2)))


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse error function on [-1, 1]: turns uniform draws into normal ones
    (truncated-normal init) and probabilities into probit scores."""
    return Erfinv.apply(_float_input(input, "erfinv"))


def erfcx(input: Tensor) -> Tensor:  # noqa: A002
    """The scaled complementary error function exp(x^2) erfc(x), finite for large x."""
    return Erfcx.apply(_float_input(input, "erfcx"))


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2 (accurate in the lower tail)."""
    from .activation import erfc
    return erfc(_float_input(input, "ndtr") * (-1.0 / _SQRT2)) * 0.5


def ndtri(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal quantile Phi^-1(p) (-inf at 0, inf at 1, nan outside [0, 1])."""
    return Ndtri.apply(_float_input(input, "ndtri"))


def log_ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """log Phi(x) without underflow in the lower tail (probit log-likelihoods)."""
    return LogNdtr.apply(_float_input(input, "log_ndtr"))


# --- modified Bessel functions of the first kind, orders 0 and 1 ---------------------------------
def _bessel_scaled(nu: int, y: Any, xp: Any) -> Any:
    """e^-y I_nu(y) for y >= 0 (nu = 0 or 1)."""
    out = xp.empty_like(y)
    series = y <= _BESSEL_SERIES_MAX
    if series.any():
        s = y[series]
        t = 0.25 * s * s
        term = 0.5 * s if nu else xp.ones_like(s)
        total = term
        for k in range(1, _BESSEL_SERIES_TERMS):
            term = term * t / (k * (k + nu))
            total = total + term
        out[series] = total * xp.exp(-s)
    far = ~series  # nan included
    if far.any():
        f = y[far]
        mu = 4.0 * nu * nu
        term = xp.ones_like(f)
        total = term
        for k in range(1, _BESSEL_ASYMPTOTIC_TERMS):
            term = term * (-(mu - (2 * k - 1) ** 2) / (8.0 * k)) / f
            total = total + term
        out[far] = total / (math.sqrt(2.0 * math.pi) * xp.sqrt(f))  # 2 pi f overflows at 1e308
    return out


def bessel_i_array(nu: int, a: Any, xp: Any, scaled: bool) -> Any:
    """I_nu(a), or e^-|a| I_nu(a) when ``scaled``; I_0 is even, I_1 odd."""
    x = _compute(a)
    y = xp.abs(x)
    out = _bessel_scaled(nu, y, xp)
    if not scaled:
        out = out * xp.exp(y)
        out = xp.where(xp.isinf(y), math.inf, out)
    elif nu == 0:
        out = xp.where(xp.isinf(y), 0.0, out)
    if nu:
        out = xp.where(x < 0, -out, out)
    return out.astype(a.dtype, copy=False)


class BesselI(Function):
    """I_0, I_1 and their scaled forms. i0' = i1; i1' = i0 - i1/x (1/2 at 0); i0e' = i1e -
    sign(x) i0e; i1e' = i0e - i1e (sign(x) + 1/x) (1/2 at 0)."""

    @staticmethod
    def forward(ctx, x, nu, scaled):
        ctx.save_for_backward(x)
        ctx.nu, ctx.scaled = nu, scaled
        return bessel_i_array(nu, x.array, x.xp, scaled)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        i0x = BesselI.apply(x, 0, ctx.scaled)
        i1x = BesselI.apply(x, 1, ctx.scaled)
        if ctx.nu == 0:
            d = i1x - sign(x) * i0x if ctx.scaled else i1x
            return grad * d, None, None
        zero = x == 0
        safe = where(zero, scalar_like(1.0, x), x)
        ratio = i1x / safe
        d = i0x - ratio - sign(x) * i1x if ctx.scaled else i0x - ratio
        return grad * where(zero, scalar_like(0.5, x), d), None, None


def i0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function I_0 (Kaiser windows, von Mises normalisers)."""
    return BesselI.apply(_float_input(input, "i0"), 0, False)


def i0e(input: Tensor) -> Tensor:  # noqa: A002
    """exp(-|x|) I_0(x): I_0 without overflow for large |x|."""
    return BesselI.apply(_float_input(input, "i0e"), 0, True)


def i1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function I_1 (the derivative of I_0)."""
    return BesselI.apply(_float_input(input, "i1"), 1, False)


def i1e(input: Tensor) -> Tensor:  # noqa: A002
    """exp(-|x|) I_1(x): I_1 without overflow for large |x|."""
    return BesselI.apply(_float_input(input, "i1e"), 1, True)


# --- entropy terms --------------------------------------------------------------------------------
class Entr(Function):
    """-x log x (0 at 0, -inf below); d/dx = -(log x + 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, a = x.xp, x.array
        out = xp.where(a > 0, -a * xp.log(xp.where(a > 0, a, 1)), a.dtype.type(-math.inf))
        out = xp.where(a == 0, a.dtype.type(0), out)
        return xp.where(xp.isnan(a), a, out)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -(grad * (log(x) + 1))


class XLog1pY(Function):
    """x log1p(y), 0 where x == 0 (unless y is nan); d/dx = log1p(y), d/dy = x / (1 + y)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        xp, a, b = x.xp, x.array, y.array
        out = xp.where(a == 0, a.dtype.type(0), a * xp.log1p(b))
        return xp.where(xp.isnan(b), b, out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = where((x == 0) & (y <= -1), scalar_like(0.0, x), xlog1py(grad, y))
            gx = sum_to_shape(gx, x.shape)
        if ctx.needs_input_grad[1]:
            gy = sum_to_shape(grad * x / (y + 1), y.shape)
        return gx, gy


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The elementwise entropy term -x log x (summed, the entropy of a distribution)."""
    return Entr.apply(_float_input(input, "entr"))


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input * log1p(other), 0 where input == 0: log-likelihood terms near probability 1."""
    x, y = _float_pair(input, other, "xlog1py")
    return XLog1pY.apply(x, y)

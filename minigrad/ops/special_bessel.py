"""The Bessel-family functions of torch.special that NumPy lacks: bessel_j0/j1/y0/y1,
modified_bessel_k0/k1 (and their scaled forms), spherical_bessel_j0 and airy_ai.

All are computed in float64 (float32 is rounded once at the end) from two published pieces:

- Small arguments (|x| <= 1): the power series of A&S (Abramowitz & Stegun, Handbook of
  Mathematical Functions) 9.1.10 (J), 9.1.11/9.1.13 (Y), 9.6.11/9.6.13 (K), 10.4.2-10.4.3 (Ai).
- Everything else: one integral, the scaled Macdonald function
      e^w K_nu(w) = int_0^inf exp(-u^2/2) cosh(nu t) / sqrt(w + u^2/4) du,
      t = 2 asinh(u / (2 sqrt w)),
  which is DLMF 10.32.9, K_nu(w) = int_0^inf exp(-w cosh t) cosh(nu t) dt, after the change of
  variable u = 2 sqrt(w) sinh(t/2). The integrand is analytic with Gaussian decay, so the
  trapezoidal rule with step 1/5 (2/5 for |w| >= 4) converges geometrically (Trefethen &
  Weideman, "The exponentially convergent trapezoidal rule", SIAM Review 56, 2014) and gives
  about 4e-16 for |w| >= 0.6 - for real w (K_0, K_1, Ai(x > 0)) and for w = -ix too, where
  (DLMF 10.27.8)
      J_nu(x) + i Y_nu(x) = H1_nu(x) = 2/(pi i) e^(-i nu pi/2) K_nu(-ix)
  and Ai(-x) = 2/pi sqrt(x/3) Im K_{1/3}(-i zeta), zeta = 2/3 x^(3/2) (DLMF 9.6.6 with 10.27.8).
  e^(ix) is formed from NumPy's cos/sin of x itself, which reduce large x exactly.

Special values follow PyTorch (J0(+-inf) and Ai(+-inf) are nan there, K(inf) = 0, Y and K are
nan below 0); past x = 103.9, where PyTorch's airy_ai returns 0, Ai's subnormal values are kept.

PyTorch defines no derivative for any of these; minigrad gives the exact one, written with
tensor ops so double backward works: J0' = -J1, J1' = J0 - J1/x, Y0' = -Y1,
Y1' = Y0 - Y1/x, K0' = -K1, K1' = -K0 - K1/x, Ai' from DLMF 9.6.2/9.6.7 with Ai'' = x Ai.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .comparison import where
from .elementwise import _float_input, scalar_like
from .special import _compute, bessel_i_array
from .unary_math import cos

_EULER_GAMMA = 0.57721566490153286061  # A&S 6.1.3
_AIRY_AI_0 = 0.35502805388781723926  # Ai(0) = 3^(-2/3) / Gamma(2/3), DLMF 9.2.3
_AIRY_AIP_0 = -0.25881940379280679840  # Ai'(0) = -3^(-1/3) / Gamma(1/3), DLMF 9.2.4
_SERIES_MAX = 1.0  # |x| up to which the power series are used
_SERIES_TERMS = 20  # (x^2/4)^k / k!^2 < 1e-30 by k = 20 for |x| <= 1
_STEPS = ((0.6, 0.2), (4.0, 0.4))  # trapezoidal step in u from |w| = 0.6, and from |w| = 4
_U_MAX = 8.6  # exp(-u^2/2) < 1e-16 beyond


def _trapezoid(nu: float, w: Any, step: float, xp: Any) -> Any:
    """The trapezoidal rule on the integral in the module docstring (w real or complex; its sqrt
    and asinh stay on principal branches)."""
    root, inverse = xp.sqrt(w), 1.0 / w
    total = 0.5 * step / root  # the u = 0 node, weight 1/2
    for j in range(1, int(_U_MAX / step) + 1):
        u = j * step
        node = step * math.exp(-0.5 * u * u) / xp.sqrt(w + 0.25 * u * u)
        if nu == 1:  # cosh(t) = 1 + 2 sinh(t/2)^2 = 1 + u^2 / (2w)
            node = node * (1.0 + 0.5 * u * u * inverse)
        elif nu:
            node = node * xp.cosh(2.0 * nu * xp.arcsinh(u / (2.0 * root)))
        total = total + node
    return total


def _scaled_k(nu: float, w: Any, xp: Any) -> Any:
    """e^w K_nu(w) for |w| >= 0.6 off the negative axis. The integrand's singularities sit at
    u = +-2 sqrt(-w), at least sqrt(2|w|) from the real axis, so larger |w| allows a larger
    step: 0.2 (44 nodes) below |w| = 4 and 0.4 (22 nodes) above keep the error near 4e-16."""
    out = xp.empty_like(w)
    far = xp.abs(w) >= _STEPS[1][0]
    for part, step in ((~far, _STEPS[0][1]), (far, _STEPS[1][1])):
        if part.any():
            out[part] = _trapezoid(nu, w[part], step, xp)
    return out


def _expi(x: Any, xp: Any) -> Any:
    return xp.cos(x) + 1j * xp.sin(x)


def _hankel1(nu: int, x: Any, xp: Any) -> Any:
    """H1_nu(x) = J_nu(x) + i Y_nu(x) for x >= 0.6 (nu = 0, 1), DLMF 10.27.8."""
    factor = -2j / math.pi if nu == 0 else -2.0 / math.pi  # 2/(pi i) e^(-i nu pi/2)
    return factor * _expi(x, xp) * _scaled_k(nu, -1j * x, xp)


# --- power series for |x| <= 1 -----------------------------------------------------------------
def _series_j(nu: int, x: Any, xp: Any) -> Any:
    """J_nu(x) = (x/2)^nu sum_k (-x^2/4)^k / (k! (k+nu)!), A&S 9.1.10."""
    q = -0.25 * x * x
    term = 0.5 * x if nu else xp.ones_like(x)
    total = term
    for k in range(1, _SERIES_TERMS):
        term = term * q / (k * (k + nu))
        total = total + term
    return total


def _series_y(nu: int, x: Any, xp: Any) -> Any:
    """Y_0 by A&S 9.1.13, Y_1 by A&S 9.1.11 (n = 1), with psi(k+1) = H_k - gamma:
    Y0 = 2/pi (ln(x/2) + gamma) J0 + 2/pi sum_{k>=1} (-1)^(k+1) H_k (x^2/4)^k / k!^2
    Y1 = -2/(pi x) + 2/pi ln(x/2) J1 - x/(2 pi) sum_{k>=0} (H_k + H_(k+1) - 2 gamma)
         (-x^2/4)^k / (k! (k+1)!)."""
    q = -0.25 * x * x
    log_half = xp.log(0.5 * x)
    if nu == 0:
        power, harmonic, total = xp.ones_like(x), 0.0, xp.zeros_like(x)
        for k in range(1, _SERIES_TERMS):
            power = power * q / (k * k)
            harmonic += 1.0 / k
            total = total - harmonic * power
        return 2.0 / math.pi * ((log_half + _EULER_GAMMA) * _series_j(0, x, xp) + total)
    power, harmonic = xp.ones_like(x), 0.0
    total = (1.0 - 2.0 * _EULER_GAMMA) * power
    for k in range(1, _SERIES_TERMS):
        power = power * q / (k * (k + 1))
        harmonic += 1.0 / k
        total = total + (2.0 * harmonic + 1.0 / (k + 1) - 2.0 * _EULER_GAMMA) * power
    return -2.0 / (math.pi * x) + 2.0 / math.pi * log_half * _series_j(1, x, xp) \
        - x / (2.0 * math.pi) * total


def _series_k(nu: int, x: Any, xp: Any) -> Any:
    """K_0 by A&S 9.6.13, K_1 by A&S 9.6.11 (n = 1):
    K0 = -(ln(x/2) + gamma) I0 + sum_{k>=1} H_k (x^2/4)^k / k!^2
    K1 = 1/x + ln(x/2) I1 - x/4 sum_{k>=0} (H_k + H_(k+1) - 2 gamma) (x^2/4)^k / (k! (k+1)!)."""
    q = 0.25 * x * x
    log_half = xp.log(0.5 * x)
    i_nu = bessel_i_array(nu, x, xp, scaled=False)
    power, harmonic = xp.ones_like(x), 0.0
    if nu == 0:
        total = xp.zeros_like(x)
        for k in range(1, _SERIES_TERMS):
            power = power * q / (k * k)
            harmonic += 1.0 / k
            total = total + harmonic * power
        return total - (log_half + _EULER_GAMMA) * i_nu
    total = (1.0 - 2.0 * _EULER_GAMMA) * power
    for k in range(1, _SERIES_TERMS):
        power = power * q / (k * (k + 1))
        harmonic += 1.0 / k
        total = total + (2.0 * harmonic + 1.0 / (k + 1) - 2.0 * _EULER_GAMMA) * power
    return 1.0 / x + log_half * i_nu - 0.25 * x * total


def _split(y: Any, small: Any, large: Any, small_fn: Any, large_fn: Any, xp: Any) -> Any:
    """small_fn on y[small], large_fn on y[large], nan elsewhere (the callers then set the
    special values)."""
    out = xp.full_like(y, math.nan)
    if small.any():
        out[small] = small_fn(y[small])
    if large.any():
        out[large] = large_fn(y[large])
    return out


# --- J0, J1, Y0, Y1 ----------------------------------------------------------------------------
def bessel_jy_array(kind: str, nu: int, a: Any, xp: Any) -> Any:
    """J_nu (kind 'j', even/odd in x) or Y_nu (kind 'y', nan for x < 0, -inf at 0)."""
    x = _compute(a)
    y = xp.abs(x)
    small = y <= _SERIES_MAX
    large = (y > _SERIES_MAX) & (y < math.inf)
    if kind == "j":
        out = _split(y, small, large, lambda s: _series_j(nu, s, xp),
                     lambda f: _hankel1(nu, f, xp).real, xp)
        if nu == 1:  # odd, -0.0 included
            out = xp.where(xp.signbit(x), -out, out)
    else:
        out = _split(y, small & (x > 0), large & (x > 0), lambda s: _series_y(nu, s, xp),
                     lambda f: _hankel1(nu, f, xp).imag, xp)
        out = xp.where(x == 0, -math.inf, xp.where(x < 0, math.nan, out))
    return out.astype(a.dtype, copy=False)


# --- K0, K1 and e^x K0, e^x K1 ---------------------------------------------------------------
def bessel_k_array(nu: int, a: Any, xp: Any, scaled: bool) -> Any:
    """K_nu(x) or e^x K_nu(x): inf at 0, 0 at inf, nan below 0."""
    x = _compute(a)
    small = (x <= _SERIES_MAX) & (x > 0)
    large = (x > _SERIES_MAX) & (x < math.inf)

    def series(s: Any) -> Any:
        out = _series_k(nu, s, xp)
        return out * xp.exp(s) if scaled else out

    def integral(f: Any) -> Any:
        out = _scaled_k(nu, f, xp)
        return out if scaled else out * xp.exp(-f)

    out = _split(x, small, large, series, integral, xp)
    out = xp.where(x == 0, math.inf, xp.where(x == math.inf, 0.0, out))
    return out.astype(a.dtype, copy=False)


# --- Airy Ai and Ai' -----------------------------------------------------------------------------
def _series_airy(derivative: bool, x: Any, xp: Any) -> Any:
    """Ai(x) = Ai(0) f(x) + Ai'(0) g(x), A&S 10.4.2-10.4.3, with
    f = sum_k 3^k (1/3)_k x^(3k) / (3k)!  (term ratio x^3 / ((3k-1) 3k)) and
    g = sum_k 3^k (2/3)_k x^(3k+1) / (3k+1)!  (term ratio x^3 / (3k (3k+1)));
    Ai' = Ai(0) f' + Ai'(0) g' term by term."""
    cube = x * x * x
    if not derivative:
        f_term, g_term = xp.ones_like(x), x.copy()
        f, g = f_term, g_term
        for k in range(1, _SERIES_TERMS):
            f_term = f_term * cube / ((3 * k - 1) * 3 * k)
            g_term = g_term * cube / (3 * k * (3 * k + 1))
            f, g = f + f_term, g + g_term
        return _AIRY_AI_0 * f + _AIRY_AIP_0 * g
    # f' = sum_{k>=1} x^(3k-1) ..., first term x^2/2; g' = sum_{k>=0} ..., first term 1
    f_term, g_term = 0.5 * x * x, xp.ones_like(x)
    f, g = f_term, g_term
    for k in range(1, _SERIES_TERMS):
        f_term = f_term * cube / ((3 * k + 2) * 3 * k)
        g_term = g_term * cube / (3 * k * (3 * k - 2))
        f, g = f + f_term, g + g_term
    return _AIRY_AI_0 * f + _AIRY_AIP_0 * g


def _airy_far(derivative: bool, x: Any, xp: Any) -> Any:
    """Ai or Ai' for |x| > 1 through K_{1/3} or K_{2/3} of zeta = 2/3 |x|^(3/2):
    Ai(x) = sqrt(x/3)/pi K_{1/3}(zeta), Ai'(x) = -x/(pi sqrt 3) K_{2/3}(zeta)  (DLMF 9.6.1-9.6.2);
    Ai(-x) = 2/pi sqrt(x/3) Im K_{1/3}(-i zeta), Ai'(-x) = -2x/(pi sqrt 3) Re K_{2/3}(-i zeta)."""
    y = xp.abs(x)
    zeta = 2.0 / 3.0 * y * xp.sqrt(y)
    nu = 2.0 / 3.0 if derivative else 1.0 / 3.0
    scale = -y / (math.pi * math.sqrt(3.0)) if derivative else xp.sqrt(y / 3.0) / math.pi
    out = xp.empty_like(y)
    pos = x > 0
    if pos.any():  # e^(-zeta) underflows to 0 past x ~ 104, as Ai does
        out[pos] = scale[pos] * xp.exp(-zeta[pos]) * _scaled_k(nu, zeta[pos], xp)
    neg = ~pos
    if neg.any():
        k = _expi(zeta[neg], xp) * _scaled_k(nu, -1j * zeta[neg], xp)
        out[neg] = 2.0 * scale[neg] * (k.real if derivative else k.imag)
    return out


def airy_array(a: Any, xp: Any, derivative: bool = False) -> Any:
    """Ai(x) (or Ai'(x)); nan at +-inf and nan, as PyTorch's airy_ai."""
    x = _compute(a)
    small = xp.abs(x) <= _SERIES_MAX
    large = (xp.abs(x) > _SERIES_MAX) & (xp.abs(x) < math.inf)
    out = _split(x, small, large, lambda s: _series_airy(derivative, s, xp),
                 lambda f: _airy_far(derivative, f, xp), xp)
    return out.astype(a.dtype, copy=False)


# --- spherical j0 ------------------------------------------------------------------------------
def spherical_j0_array(a: Any, xp: Any) -> Any:
    """sin(x)/x (1 at 0, 0 at +-inf), DLMF 10.49.3."""
    x = _compute(a)
    safe = xp.where(x == 0, 1.0, x)
    out = xp.where(x == 0, 1.0, xp.sin(safe) / safe)
    out = xp.where(xp.isinf(x), 0.0, out)
    return out.astype(a.dtype, copy=False)


# --- the differentiable ops ----------------------------------------------------------------------
class BesselJY(Function):
    """J0, J1, Y0, Y1. J0' = -J1, Y0' = -Y1, J1' = J0 - J1/x (1/2 at 0), Y1' = Y0 - Y1/x."""

    @staticmethod
    def forward(ctx, x, kind, nu):
        ctx.save_for_backward(x)
        ctx.kind, ctx.nu = kind, nu
        return bessel_jy_array(kind, nu, x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        order1 = BesselJY.apply(x, ctx.kind, 1)
        if ctx.nu == 0:
            return -grad * order1, None, None
        order0 = BesselJY.apply(x, ctx.kind, 0)
        zero = x == 0
        ratio = order1 / where(zero, scalar_like(1.0, x), x)
        return grad * where(zero, scalar_like(0.5, x), order0 - ratio), None, None


class BesselK(Function):
    """K0, K1 and e^x K0, e^x K1. K0' = -K1, K1' = -K0 - K1/x; the scaled forms add
    their own value: (e^x K)' = e^x K + e^x K'."""

    @staticmethod
    def forward(ctx, x, nu, scaled):
        ctx.save_for_backward(x)
        ctx.nu, ctx.scaled = nu, scaled
        return bessel_k_array(nu, x.array, x.xp, scaled)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        k0 = BesselK.apply(x, 0, ctx.scaled)
        k1 = BesselK.apply(x, 1, ctx.scaled)
        d = -k1 if ctx.nu == 0 else -k0 - k1 / x
        if ctx.scaled:
            d = d + (k0 if ctx.nu == 0 else k1)
        return grad * d, None, None


class AiryAi(Function):
    """Ai(x), or Ai'(x) when ``derivative``; Ai'' = x Ai (DLMF 9.2.1)."""

    @staticmethod
    def forward(ctx, x, derivative):
        ctx.save_for_backward(x)
        ctx.derivative = derivative
        return airy_array(x.array, x.xp, derivative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = x * AiryAi.apply(x, False) if ctx.derivative else AiryAi.apply(x, True)
        return grad * d, None


class SphericalJ0(Function):
    """sin(x)/x; d/dx = (cos x - sin(x)/x) / x, by its Taylor series -x/3 + x^3/30 - x^5/840
    + x^7/45360 for |x| < 0.1 (where the difference cancels)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return spherical_j0_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        small = x.abs() < 0.1
        safe = where(small, scalar_like(1.0, x), x)
        x2 = x * x
        series = x * (-1.0 / 3 + x2 * (1.0 / 30 + x2 * (-1.0 / 840 + x2 / 45360)))
        return grad * where(small, series, (cos(safe) - spherical_bessel_j0(safe)) / safe)


def _real_input(x: Any, op: str) -> Tensor:
    """Integer tensors compute in the default float dtype; float16 is refused, as in PyTorch."""
    x = _float_input(x, op)
    if x.dtype == dtypes.float16:
        raise NotImplementedError(f"{op}: not implemented for float16 tensors (shape "
                                  f"{tuple(x.shape)}), as in PyTorch; convert with .float() first")
    return x


def bessel_j0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind J_0 (vibrating membranes, Fourier-Bessel series)."""
    return BesselJY.apply(_real_input(input, "bessel_j0"), "j", 0)


def bessel_j1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind J_1 (= -J_0')."""
    return BesselJY.apply(_real_input(input, "bessel_j1"), "j", 1)


def bessel_y0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the second kind Y_0 (-inf at 0, nan for x < 0)."""
    return BesselJY.apply(_real_input(input, "bessel_y0"), "y", 0)


def bessel_y1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the second kind Y_1 (= -Y_0')."""
    return BesselJY.apply(_real_input(input, "bessel_y1"), "y", 1)


def modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the second kind K_0 (decays like e^-x)."""
    return BesselK.apply(_real_input(input, "modified_bessel_k0"), 0, False)


def modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the second kind K_1 (= -K_0')."""
    return BesselK.apply(_real_input(input, "modified_bessel_k1"), 1, False)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002
    """e^x K_0(x): K_0 without underflow for large x."""
    return BesselK.apply(_real_input(input, "scaled_modified_bessel_k0"), 0, True)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002
    """e^x K_1(x): K_1 without underflow for large x."""
    return BesselK.apply(_real_input(input, "scaled_modified_bessel_k1"), 1, True)


def spherical_bessel_j0(input: Tensor) -> Tensor:  # noqa: A002
    """The spherical Bessel function j_0(x) = sin(x)/x."""
    return SphericalJ0.apply(_real_input(input, "spherical_bessel_j0"))


def airy_ai(input: Tensor) -> Tensor:  # noqa: A002
    """The Airy function Ai (the solution of y'' = x y that decays for x -> +inf)."""
    return AiryAi.apply(_real_input(input, "airy_ai"), False)

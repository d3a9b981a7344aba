"""Activation ops beyond relu/sigmoid/tanh (those are in ``activation_basic``): erf/erfc (for
the exact GELU), gelu, silu, mish, softplus, elu/selu, hardtanh/relu6, hardsigmoid/hardswish,
logsigmoid, softsign, prelu and threshold, with PyTorch's arguments, defaults and gradients at
the kinks.

Forwards compute on ``x.array`` in the input's own dtype (constants are Python floats, which
NumPy 2 treats as weak, so float32 stays float32) in forms that neither overflow nor lose
digits for large |x|. Backwards are written with tensor ops, so every op here has a double
backward; silu and gelu also keep their slope's parts from the forward, for a plain backward
on raw arrays (no graph to build: ``is_grad_enabled()`` is off). The ``inplace`` flags PyTorch
offers are accepted and ignored: results are always new tensors with the same values.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation_basic import ReLUMask, sigmoid, sigmoid_array, tanh
from .broadcast import sum_to_shape
from .comparison import clamp, where
from .elementwise import _float_input as promote_to_float
from .unary_math import exp

SQRT1_2 = math.sqrt(0.5)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _check_tensor(x: Any, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")


def _floating(x: Any, op: str) -> Tensor:
    """The smooth activations are defined for floating tensors only, as in PyTorch."""
    _check_tensor(x, op)
    if not dtypes.is_floating(x.dtype):
        raise RuntimeError(f"{op}: not implemented for {x.dtype} tensors (shape "
                           f"{tuple(x.shape)}); convert with .float() first")
    return x


# --- erf and erfc ------------------------------------------------------------------------------
# W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969, as in his CALERF):
# erf(x) = x P1(x^2)/Q1(x^2) for |x| <= 0.5; erfc(x) = exp(-x^2) P2(x)/Q2(x) for 0.5 < x <= 4;
# erfc(x) = exp(-x^2)/x (1/sqrt(pi) - z P3(z)/Q3(z)), z = 1/x^2, beyond. Each P has one more
# coefficient than its Q; the last one listed multiplies the highest power.
_P1 = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
       3.20937758913846947e03, 1.85777706184603153e-1)
_Q1 = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
       2.84423683343917062e03)
_P2 = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
       2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
       2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_Q2 = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
       1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
       3.43936767414372164e03, 1.23033935480374942e03)
_P3 = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
       1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q3 = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
       6.05183413124413191e-2, 2.33520497626869185e-3)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


def _ratio(t: Any, p: tuple, q: tuple) -> Any:
    """P(t)/Q(t) by Horner's rule in Cody's layout: p[-1] is P's top coefficient, then p[0],
    p[1], ... in falling powers, and p[-2] and q[-1] are the constant terms (Q is monic)."""
    num, den = p[-1] * t, t
    for a, b in zip(p[:-2], q[:-1]):
        num, den = (num + a) * t, (den + b) * t
    return (num + p[-2]) / (den + q[-1])


def _exp_minus_square(y: Any, xp: Any) -> Any:
    """exp(-y^2) without the rounding error of y*y: y^2 = s^2 + (y - s)(y + s), s = y to 1/16."""
    s = xp.trunc(y * 16.0) / 16.0
    return xp.exp(-s * s) * xp.exp(-(y - s) * (y + s))


def _erf_parts(a: Any, xp: Any) -> tuple[Any, Any, Any]:
    """(small, erf_small, erfc_abs): where |a| <= 0.5 erf(a) is ``erf_small``; elsewhere
    erfc(|a|) is ``erfc_abs``. Each region is computed only on its own elements."""
    y = xp.abs(a)
    small = y <= 0.5
    mid = (y > 0.5) & (y <= 4.0)
    far = ~(small | mid)  # also nan, which stays nan
    erf_small = xp.zeros_like(a)
    erfc_abs = xp.zeros_like(a)
    if small.any():
        s = a[small]
        erf_small[small] = s * _ratio(s * s, _P1, _Q1)
    if mid.any():
        m = y[mid]
        erfc_abs[mid] = _exp_minus_square(m, xp) * _ratio(m, _P2, _Q2)
    if far.any():
        f = xp.minimum(y[far], 1e3)  # erfc underflows to 0 long before; keeps inf from nan-ing
        z = 1.0 / (f * f)
        erfc_abs[far] = _exp_minus_square(f, xp) * (_INV_SQRT_PI - z * _ratio(z, _P3, _Q3)) / f
    return small, erf_small, erfc_abs


def _compute_dtype(a: Any) -> Any:
    """float32/float16 are evaluated in float64 and rounded once at the end: in float32 the
    rational terms and exp's rounding add up to 3 ulp for erf and 6 for erfc, while one final
    rounding stays within 1 ulp of PyTorch (whose erf is correctly rounded to ~0.6 ulp). The
    result, and everything after it, is back in the input's dtype."""
    return a if a.dtype == dtypes.float64 else a.astype(dtypes.float64)


def erf_array(a: Any, xp: Any) -> Any:
    """erf of a floating array, in its own dtype."""
    b = _compute_dtype(a)
    small, erf_small, erfc_abs = _erf_parts(b, xp)
    one_minus = 1.0 - erfc_abs
    out = xp.where(small, erf_small, xp.where(b < 0, -one_minus, one_minus))
    return out.astype(a.dtype, copy=False)


def erfc_array(a: Any, xp: Any) -> Any:
    """erfc = 1 - erf without cancellation for large positive arguments."""
    b = _compute_dtype(a)
    small, erf_small, erfc_abs = _erf_parts(b, xp)
    out = xp.where(small, 1.0 - erf_small, xp.where(b < 0, 2.0 - erfc_abs, erfc_abs))
    return out.astype(a.dtype, copy=False)


class Erf(Function):
    """The Gauss error function; d/dx erf(x) = 2/sqrt(pi) exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (exp(-(x * x)) * TWO_OVER_SQRT_PI)


class Erfc(Function):
    """1 - erf(x), accurate where erf(x) is near 1 (the upper tail of the normal)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erfc_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (exp(-(x * x)) * -TWO_OVER_SQRT_PI)


def _float_input(x: Any, op: str) -> Tensor:
    """erf/erfc of an integer tensor computes in the default float dtype, as in PyTorch."""
    _check_tensor(x, op)
    return promote_to_float(x, op)


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """Gauss error function: the normal CDF is 0.5 (1 + erf(x / sqrt 2)), used by exact GELU."""
    return Erf.apply(_float_input(input, "erf"))


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """Complementary error function 1 - erf(x), without cancellation in the upper tail."""
    return Erfc.apply(_float_input(input, "erfc"))


# --- GELU ---------------------------------------------------------------------------------------
_GELU_K = math.sqrt(2.0 / math.pi)  # the tanh form: 0.5 x (1 + tanh(K (x + C x^3)))
_GELU_C = 0.044715

# float32's exact GELU without float64: the upper tail of the normal is q(v) = 1 - Phi(v)
# = phi(v) M(v) (M: Mills' ratio), and M(v) / sqrt(2 pi) ~ P(v) / Q(v). The coefficients were
# fitted for minigrad (iteratively reweighted least squares on the relative error): within
# 2.4e-8 on [0, 3], where x < 0 needs q to float32's relative precision, and 2.4e-5 on
# [3, 16], where only x > 3 (Phi = 1 - q, q < 0.0014) uses it. Rising powers. Evaluated as
# their continued fraction (``_tail_ratio``): fewer passes than Horner's rule, and in float32
# within 2.1e-7 of P/Q on [0, 16] (Horner's rule: 3.7e-7).
_TAIL_P = (0.49999998832678055, 0.3294586005245635, 0.10153293687213202,
           0.012958752784259203)
_TAIL_Q = (1.0, 1.4568001933509516, 0.8654412329000837, 0.25392906588308084,
           0.032501612503037194)
_FAR_LEFT = -3.0  # below, float32 GELU is tiny and goes the float64 way (0.13% of N(0, 1))


def _continued_fraction(p: tuple, q: tuple) -> tuple:
    """P/Q (rising powers, deg Q = deg P + 1) as k0 / (v + c0 + k1 / (v + c1 + ...)): the
    pairs (k_i, c_i) by Euclid's algorithm, den = (a1 v + a0) num + rest at each level."""
    num, den, levels = list(p), list(q), []
    while True:
        a1 = den[-1] / num[-1]
        a0 = (den[-2] - a1 * (num[-2] if len(num) > 1 else 0.0)) / num[-1]
        levels.append((1.0 / a1, a0 / a1))
        if len(num) == 1:
            return tuple(levels)
        shifted = [0.0] + num[:-1]  # the coefficients of v num below its top power
        rest = [(den[j] - a1 * shifted[j] - a0 * num[j]) / a1 for j in range(len(num) - 1)]
        num, den = rest, num


_TAIL_CF = _continued_fraction(_TAIL_P, _TAIL_Q)


def _tail_ratio(v: Any, xp: Any) -> Any:
    """P(v) / Q(v) from its continued fraction, innermost level first: three passes a level
    (11 in all) where Horner's rule takes two a coefficient and a division (15)."""
    t = v + _TAIL_CF[-1][1]
    for (k, _), (_, c) in zip(_TAIL_CF[:0:-1], _TAIL_CF[-2::-1]):
        xp.divide(k, t, out=t)
        t += v
        t += c
    return xp.divide(_TAIL_CF[0][0], t, out=t)


def _gelu_exact_wide(a: Any, xp: Any, slope: bool) -> tuple[Any, Any]:
    """GELU and (if ``slope``) its derivative Phi + x phi, evaluated in float64 (or wider)
    with Cody's erfc and rounded once to a's dtype. x / sqrt 2 rounded in float32 would cost
    erfc ~2 x^2 ulp, hence the float64 even for the argument."""
    b = _compute_dtype(a)
    cdf = erfc_array(-b * SQRT1_2, xp) * 0.5
    out = (b * cdf).astype(a.dtype, copy=False)
    if not slope:
        return out, None
    pdf = xp.exp(b * b * -0.5) * INV_SQRT_2PI
    return out, (cdf + b * pdf).astype(a.dtype, copy=False)


#: Elements per block of ``_gelu_float32``: its ~10 temporaries then stay in cache (on 1M
#: elements, 2x faster than whole-array passes); smaller blocks pay per-call overhead (1 << 17
#: measured 4% faster than 1 << 16 on a 1M step, one thread).
_GELU_BLOCK = 1 << 17


def _gelu_float32(x: Tensor, slope: bool) -> tuple[Any, Any]:
    """GELU (and if ``slope`` its derivative) of a float32 tensor in float32, block by block
    (``_gelu_float32_block``) over the flattened array, spread over the CPU's cores."""
    xp, flat = x.xp, x.array.reshape(-1)
    out = xp.empty_like(flat)
    d = xp.empty_like(flat) if slope else None
    x.backend.parallel_for(
        lambda s: _gelu_float32_block(flat[s], out[s], d[s] if slope else None, xp),
        flat.size, flat.size, grain=_GELU_BLOCK)
    # Below _FAR_LEFT a tiny q needs relative precision that float32's exp argument x^2/2
    # (rounded, error ~x^2 ulp) lacks: those few elements are redone in float64, in one call.
    far = xp.flatnonzero(flat < _FAR_LEFT)
    if far.size:
        out[far], slope_far = _gelu_exact_wide(flat[far], xp, slope)
        if slope:
            d[far] = slope_far
    return out.reshape(x.shape), d.reshape(x.shape) if slope else None


def _gelu_float32_block(a: Any, out: Any, d: Any, xp: Any) -> None:
    """Writes GELU of float32 ``a`` into ``out`` (and Phi + x phi into ``d`` unless None),
    with no masks over the bulk: q = phi(v) P(v) / Q(v), v = |x|, and Phi = q for x < 0,
    1 - q otherwise. Without the slope GELU is max(x, 0) - v q; with it, x Phi (the two
    differ by an ulp or so; both within the accuracy the tests hold them to)."""
    v = xp.abs(a)
    xp.clip(v, 0.0, 16.0, out=v)  # exp underflows there; inf * 0 no nan (clip: ~2x minimum)
    e = v * v
    e *= -0.5
    xp.exp(e, out=e)  # sqrt(2 pi) phi(v)
    q = _tail_ratio(v, xp)
    q *= e
    if d is None:  # x Phi(x) = max(x, 0) - v q: three passes
        xp.clip(a, 0.0, math.inf, out=out)  # clip: NumPy's fast loop, unlike maximum's
        v *= q
        out -= v
        return
    # The slope Phi(x) + x phi(x) needs Phi = m + (1 - 2m) q, m = (x >= 0), anyway; then
    # GELU as x Phi is one pass where the form above takes three.
    m = xp.greater_equal(a, 0.0, out=v)  # as 1.0/0.0 into v, free now: no bool cast
    xp.multiply(m, -2.0, out=d)
    d += 1.0
    d *= q
    d += m  # Phi
    xp.multiply(a, d, out=out)
    e *= INV_SQRT_2PI
    e *= a
    d += e


class Gelu(Function):
    """x Phi(x), Phi the standard normal CDF, as 0.5 x erfc(-x / sqrt 2): for negative x
    this keeps the digits that 1 + erf(x / sqrt 2) would cancel. float64 (and float16) go
    through Cody's erfc in float64; float32 has its own float32 form (``_gelu_float32``, 15x
    faster, within 8 float32 ulp and mostly under 3, where PyTorch's float32 GELU is ~550 ulp
    off at x = -3). The forward also keeps the slope Phi + x phi (one array like x) for a
    plain backward; with create_graph the backward is built from tensor ops.
    ``tanh`` is PyTorch's fast approximation."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate, ctx.slope = approximate, None
        a, xp = x.array, x.xp
        if approximate == "tanh":  # 0.5 (1 + tanh u) = sigmoid(2u): no cancellation at x << 0
            return a * sigmoid_array((2.0 * _GELU_K) * (a + _GELU_C * (a * a * a)), xp)
        if a.dtype == dtypes.float32:
            out, ctx.slope = _gelu_float32(x, ctx.needs_input_grad[0])
        else:
            out, ctx.slope = _gelu_exact_wide(a, xp, ctx.needs_input_grad[0])
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":  # with s = sigmoid(2u): 1 - tanh(u)^2 = 4 s sigmoid(-2u)
            two_u = (x + x * x * x * _GELU_C) * (2.0 * _GELU_K)
            two_du = (x * x * (3.0 * _GELU_C) + 1.0) * (2.0 * _GELU_K)
            return grad * (sigmoid(two_u) * (x * sigmoid(-two_u) * two_du + 1.0)), None
        if is_grad_enabled() or ctx.slope is None:  # as ops of x: differentiable again
            cdf = Erfc.apply(x * -SQRT1_2) * 0.5
            pdf = exp(x * x * -0.5) * INV_SQRT_2PI
            return grad * (cdf + x * pdf), None
        return Tensor._make(grad.array * ctx.slope, x.device), None


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian Error Linear Unit (BERT, GPT, ViT): exact with erf, or PyTorch's tanh form."""
    _floating(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    return Gelu.apply(input, approximate)


# --- SiLU, Mish, Softplus, LogSigmoid: smooth relatives of ReLU and sigmoid -----------------
class Silu(Function):
    """x sigmoid(x) (a.k.a. swish); d/dx = s (1 + x (1 - s)), from the forward's s (its exp
    is most of the op's time). Only x is saved, as in PyTorch, so the output may be written
    in place before backward (s + y (1 - s) from the output y would save one pass of five)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        s = sigmoid_array(x.array, x.xp)
        ctx.sig = s if ctx.needs_input_grad[0] else None
        return x.array * s

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: s as an op of x, differentiable again
            s = sigmoid(x)
            return grad * (s * (x * (1.0 - s) + 1.0))
        s = ctx.sig
        gx = 1.0 - s  # the formula above, in place on raw arrays
        gx *= x.array
        gx += 1.0
        gx *= s
        gx *= grad.array
        return Tensor._make(gx, x.device)


def _exp_minus_abs(a: Any, xp: Any) -> Any:
    """e^-|a| in one fresh array, the three passes in place (a fresh array costs ~a pass)."""
    e = xp.abs(a, out=xp.empty_like(a))
    xp.negative(e, out=e)
    return xp.exp(e, out=e)


def _log1p_small(e: Any, xp: Any) -> tuple[Any, Any]:
    """(log1p(e), 1 + e) for e in [0, 1] (here e = exp(-|z|)). NumPy's float32 log1p is a
    scalar loop ~7x slower than its SIMD log, and log(u), u = 1 + e, alone loses e's digits
    when e is tiny. u's rounding error (u - 1) - e is exact, and log1p(e) = log(u) - that / u
    to first order: within 4 float32 ulp, and e itself once u == 1."""
    u = e + 1.0
    rounding = u - 1.0
    rounding -= e
    rounding /= u
    out = xp.log(u)
    out -= rounding
    return out, u


class Mish(Function):
    """x tanh(softplus(x)), with tanh(softplus(x)) = n / (n + 2), n = e (e + 2), e = e^x: one
    exp and no tanh or log (NumPy's are scalar loops in float32). x is clipped where n would
    overflow; t is 1 there in every float dtype. d/dx = t + x sigmoid(x) (1 - t^2), kept from
    the forward (``ctx.slope``) for a plain backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a, xp = x.array, x.xp
        top = math.log(float(xp.finfo(a.dtype).max)) / 2 - 1
        e = xp.exp(xp.clip(a, -math.inf, top))  # clip: NumPy's fast loop, unlike minimum's
        n = e + 2.0
        n *= e
        t = n / (n + 2.0)
        out = a * t
        if ctx.needs_input_grad[0]:
            slope = 1.0 - t * t
            slope *= e / (e + 1.0)  # sigmoid(x)
            slope *= a
            slope += t
            ctx.slope = slope
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: as ops of x, differentiable again
            t = tanh(Softplus.apply(x, 1.0, math.inf))
            return grad * (t + x * sigmoid(x) * (1.0 - t * t))
        return Tensor._make(grad.array * ctx.slope, x.device)


class Softplus(Function):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's switch to
    the linear function, gradient 1 there). log(1 + e^z) = max(z, 0) + log1p(e^-|z|): finite
    for any z. The forward keeps the slope sigmoid(z) from the same e^-|z|."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        a, xp = x.array, x.xp
        z = a * beta if beta != 1 else a
        e = _exp_minus_abs(z, xp)
        out, u = _log1p_small(e, xp)
        out += xp.clip(z, 0.0, math.inf)  # max(z, 0); clip is ~3x faster than maximum
        if beta != 1:
            out /= beta
        over = z > threshold
        linear = bool(over.any())  # usually none: skip the (slow) where
        if linear:
            out = xp.where(over, a, out)
        if ctx.needs_input_grad[0]:
            slope = xp.maximum(e, z >= 0)  # sigmoid(z) (as in ``sigmoid_array``)
            slope /= u
            if linear:
                slope = xp.where(over, 1.0, slope)
            ctx.slope = slope
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: as ops of x, differentiable again
            z = x * ctx.beta
            return where(z > ctx.threshold, grad, grad * sigmoid(z)), None, None
        return Tensor._make(grad.array * ctx.slope, x.device), None, None


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|): exact for large |x| of either sign
    (log of a sigmoid that underflowed would be -inf); d/dx = sigmoid(-x), kept from the
    forward's e^-|x|."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a, xp = x.array, x.xp
        e = _exp_minus_abs(a, xp)
        log1p_e, u = _log1p_small(e, xp)
        out = xp.clip(a, -math.inf, 0.0)  # min(x, 0)
        out -= log1p_e
        if ctx.needs_input_grad[0]:
            slope = xp.maximum(e, a < 0)  # sigmoid(-x): e / u for x >= 0, 1 / u below
            slope /= u
            ctx.slope = slope
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: as ops of x, differentiable again
            return grad * sigmoid(-x)
        return Tensor._make(grad.array * ctx.slope, x.device)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x sigmoid(x), the 'swish' of EfficientNet and LLaMA's MLPs; ``inplace`` is accepted and
    a new tensor is returned."""
    return Silu.apply(_floating(input, "silu"))


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x tanh(softplus(x)), a smooth non-monotonic ReLU (YOLOv4); ``inplace`` as in ``silu``."""
    return Mish.apply(_floating(input, "mish"))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """A smooth ReLU, log(1 + e^(beta x)) / beta, linear where beta x > threshold."""
    _floating(input, "softplus")
    return Softplus.apply(input, float(_number(beta, "beta", "softplus")),
                          float(_number(threshold, "threshold", "softplus")))


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) without underflow, for log-likelihoods of binary events."""
    return LogSigmoid.apply(_floating(input, "logsigmoid"))


# --- ELU and SELU ---------------------------------------------------------------------------
def expm1_nonpositive(m: Any, xp: Any) -> tuple[Any, Any]:
    """(expm1(m), exp(m)) for m <= 0 (the negative side of ELU and CELU). NumPy's float32
    expm1 is a scalar loop ~10x slower than its SIMD exp and log; Kahan's expm1(m) =
    (u - 1) m / log(u), u = exp(m), is accurate to log's rounding whatever exp's error
    (within 5 float32 ulp). For it u is kept below 1 (m ~ 0 then gives m, not 0/0) and above
    c = epsneg / 4, where expm1 is -1 in m's dtype: with m clamped to log(c) as that same log
    computes it, m / log(u) is exactly 1 there and the result exactly -1."""
    u = xp.exp(m)
    epsneg = float(xp.finfo(m.dtype).epsneg)
    c = epsneg / 4  # a power of two: exact in every float dtype
    log_c = float(xp.log(xp.asarray(c, dtype=m.dtype)))
    uk = xp.clip(u, c, 1.0 - epsneg)
    out = xp.clip(m, log_c, 0.0)
    out /= xp.log(uk)
    uk -= 1.0  # in place: each fresh array costs about a pass
    out *= uk
    return out, u


class Elu(Function):
    """scale * (x if x > 0 else alpha (e^x - 1)), as scale max(x, 0) + alpha scale
    expm1(min(x, 0)) (exact: one term is 0; ``where`` over a random mask is ~10x slower).
    At 0 the gradient is scale * alpha, the negative side's, as in PyTorch. exp only sees
    min(x, 0), so no inf (nor 0 * inf = nan in double backward) comes from large positive x.
    The forward keeps the slope for a plain backward."""

    @staticmethod
    def forward(ctx, x, alpha, scale):
        ctx.save_for_backward(x)
        ctx.alpha, ctx.scale = alpha, scale
        a, xp = x.array, x.xp
        m = xp.clip(a, -math.inf, 0.0, out=xp.empty_like(a))
        negative, u = expm1_nonpositive(m, xp)
        if alpha * scale != 1:
            negative *= alpha * scale
        # max(x, 0) into m's array, free now (each fresh array costs about a pass); clip:
        # NumPy's fast loop, unlike maximum's
        out = xp.clip(a, 0.0, math.inf, out=m)
        if scale != 1:
            out *= scale
        out += negative
        if ctx.needs_input_grad[0]:  # alpha scale e^x where x <= 0 (u is 1 above), else scale
            if alpha == 1:
                slope = u * scale if scale != 1 else u
            else:  # (u - p) alpha scale + p scale, p = (x > 0) as 1.0/0.0 (u is 1 where
                # p is): exact, as one term is 0; float passes, no bool casts or fresh arrays
                p = xp.clip(a, 0.0, 1.0, out=xp.empty_like(a))
                xp.ceil(p, out=p)
                slope = u
                slope -= p
                slope *= alpha * scale
                p *= scale
                slope += p
            ctx.slope = slope
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: as ops of x, differentiable again
            neg = exp(clamp(x, max=0.0)) * (ctx.alpha * ctx.scale)
            return where(x > 0, grad * ctx.scale, grad * neg), None, None
        return Tensor._make(grad.array * ctx.slope, x.device), None, None


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Exponential Linear Unit: negative outputs saturate at -alpha instead of ReLU's hard 0;
    ``inplace`` is accepted and a new tensor is returned."""
    return Elu.apply(_floating(input, "elu"), float(_number(alpha, "alpha", "elu")), 1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017); ``inplace``
    is accepted and a new tensor is returned."""
    return Elu.apply(_floating(input, "selu"), SELU_ALPHA, SELU_SCALE)


# --- piecewise linear: hardtanh, relu6, hardsigmoid, hardswish, threshold ---------------------
# PyTorch's gradients at the kinks: hardtanh and hardsigmoid pass nothing at (or beyond) their
# bounds; hardswish gives 0 at -3 and 1 at +3; threshold gives 0 at x == threshold.
class Hardtanh(Function):
    """clamp(x, min_val, max_val); the gradient is 1 strictly inside the bounds, 0 at them."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = lo, hi
        a, cast = x.array, x.array.dtype.type
        return x.xp.clip(a, cast(lo), cast(hi))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        if is_grad_enabled():  # create_graph=True: the tensor-op form
            return grad * ((x > lo) & (x < hi)).to(grad.dtype), None, None
        inside = (x.array > lo) & (x.array < hi)
        return Tensor._make(grad.array * inside, x.device), None, None


class Hardsigmoid(Function):
    """relu6(x + 3) / 6; gradient 1/6 strictly between -3 and 3."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, a = x.xp, x.array
        out = xp.add(a, 3.0, out=xp.empty_like(a))  # one fresh array: a fresh 4 MB array
        xp.clip(out, 0.0, 6.0, out=out)  # costs about a pass, so the rest is in place
        out /= 6.0
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the tensor-op form
            return grad * ((x > -3.0) & (x < 3.0)).to(grad.dtype) / 6.0
        xp = x.xp
        factor = xp.abs(x.array, out=xp.empty_like(grad.array))  # one fresh array
        xp.less(factor, 3.0, out=factor)  # 1.0 strictly inside (-3, 3), else 0.0 (also nan)
        factor *= grad.array
        factor *= grad.dtype.type(1 / 6)  # PyTorch's float32 kernel: g * (1.0f / 6)
        return Tensor._make(factor, x.device)


class Hardswish(Function):
    """x relu6(x + 3) / 6 (MobileNetV3); gradient 0 up to -3 included, x/3 + 1/2 inside,
    1 from 3 on."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, a = x.xp, x.array
        out = xp.add(a, 3.0, out=xp.empty_like(a))  # one fresh array, as in Hardsigmoid
        xp.clip(out, 0.0, 6.0, out=out)
        out *= a
        out /= 6.0
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the tensor-op form
            inside = where(x < 3.0, grad * (x / 3.0 + 0.5), grad)
            return where(x <= -3.0, 0.0, inside)
        # x/3 + 1/2 with x clipped to [-3, 3], then -1/2 at the top and +1/2 at the bottom, so
        # exactly 1 and 0 there (+-inf too): trunc(h/3) is +-1 only at h = +-3 (h/3 rounds
        # below 1 for h < 3). Float passes, no bool masks (a bool times floats ~3x a pass).
        xp = x.xp
        factor = xp.clip(x.array, -3.0, 3.0, out=xp.empty_like(x.array))
        factor /= 3.0  # x/3 + 1/2 as PyTorch rounds it, inside
        edge = xp.trunc(factor)  # -1 at or below -3, 1 at or above 3, else 0
        factor += 0.5
        edge *= -0.5
        factor += edge  # adds an exact 0 inside
        factor *= grad.array
        return Tensor._make(factor, x.device)


class Threshold(Function):
    """x where x > threshold, else value (x <= threshold is PyTorch's test, so nan stays nan);
    the gradient is grad * keep, 0 where value was taken, through ``ReLUMask`` (linear in
    grad with a constant mask: double backward works). For floats and finite bounds no
    ``where`` (a branchy loop over a random mask, ~10x slower): c = max(x, threshold) equals
    threshold exactly where x <= threshold, and c * keep + (1 - keep) * value adds an exact
    0 to one of the two (so x = -0.0 above a negative threshold may come out +0.0)."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, threshold, value):
        xp, a = x.xp, x.array
        threshold, value = float(threshold), float(value)  # weak scalars: float32 stays
        finite = math.isfinite(threshold) and math.isfinite(value)
        if not (dtypes.is_floating(a.dtype) and finite):  # ints, inf bounds: plain where
            ctx.keep = ~(a <= threshold)
            return xp.where(ctx.keep, a, a.dtype.type(value))
        out = xp.clip(a, threshold, math.inf)  # clip: NumPy's fast loop, unlike maximum's
        ctx.keep = keep = (out != threshold).astype(a.dtype)  # 1 where x > threshold or nan
        out *= keep
        fill = keep - 1.0
        fill *= -value  # (1 - keep) * value, in float masks: faster than bool * scalar
        out += fill
        return out

    @staticmethod
    def backward(ctx, grad):
        return ReLUMask.apply(grad, ctx.keep), None, None


def _number(value: Any, name: str, op: str) -> float:
    """A scalar argument, checked here so that a string is a TypeError naming the op."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return value


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """Clamp to [min_val, max_val] with no gradient at or beyond the bounds (PyTorch's
    convention); works on integer tensors too. ``inplace`` is accepted, a new tensor returned."""
    _check_tensor(input, "hardtanh")
    _number(min_val, "min_val", "hardtanh")
    _number(max_val, "max_val", "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val} and max_val={max_val}")
    return Hardtanh.apply(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6) (MobileNet): hardtanh(x, 0, 6), with its gradients at 0 and 6."""
    _check_tensor(input, "relu6")
    return Hardtanh.apply(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """A piecewise-linear sigmoid, relu6(x + 3) / 6, cheap on mobile hardware; ``inplace`` is
    accepted and a new tensor is returned."""
    return Hardsigmoid.apply(_floating(input, "hardsigmoid"))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x hardsigmoid(x), MobileNetV3's cheap SiLU; ``inplace`` is accepted, a new tensor
    returned."""
    return Hardswish.apply(_floating(input, "hardswish"))


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Replace values <= ``threshold`` by ``value`` (relu is threshold(x, 0, 0)); ``inplace``
    is accepted and a new tensor is returned."""
    _check_tensor(input, "threshold")
    _number(threshold, "threshold", "threshold")
    _number(value, "value", "threshold")
    return Threshold.apply(input, threshold, value)


# --- softsign and PReLU ----------------------------------------------------------------------
class Softsign(Function):
    """x / (1 + |x|); d/dx = 1 / (1 + |x|)^2 directly (the quotient rule's two terms would
    cancel to a few digits for large |x|)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x.array
        return a / (x.xp.abs(a) + 1.0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = x.abs() + 1.0
        return grad / (d * d)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x / (1 + |x|), a tanh-like squashing with polynomial tails; integers give floats."""
    return Softsign.apply(_float_input(input, "softsign"))


class PRelu(Function):
    """x where x > 0, else w x, computed as max(x, 0) + w min(x, 0): exact, since one of the
    two terms is zero, and four vectorised passes where ``where`` over a random mask is one
    branchy loop (~3x slower). ``w`` is the weight already shaped to broadcast against x."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        xp, a = x.xp, x.array
        out = xp.maximum(a, 0)
        negative = xp.minimum(a, 0)
        negative *= w.array
        out += negative
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        if is_grad_enabled():  # create_graph=True: the same formulas as tensor ops
            gx = where(x > 0, grad, grad * w) if need_x else None
            gw = sum_to_shape(where(x > 0, 0.0, grad * x), w.shape) if need_w else None
            return gx, gw
        xp, a, g = x.xp, x.array, grad.array
        gx = gw = None
        if need_x:
            positive = a > 0
            factor = ~positive * w.array  # w where x <= 0, 0 elsewhere...
            factor += positive  # ... plus 1 where x > 0: exactly 1 or w
            factor *= g
            gx = Tensor._make(factor, x.device)
        if need_w:
            gw = sum_to_shape(Tensor._make(g * xp.minimum(a, 0), x.device), w.shape)
        return gx, gw


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x where x > 0, else weight * x, with a learned slope (one, or one per channel on dim 1);
    the gradient at 0 is the slope's side, as in PyTorch."""
    _floating(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: expected weight to be a Tensor, got {type(weight).__name__}")
    if weight.device != input.device:
        raise RuntimeError(f"prelu: weight is on {weight.device} but the input is on {input.device}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"prelu: expected weight to have the input's dtype {input.dtype}, "
                           f"got {weight.dtype}")
    n = weight.numel()
    if n == 1:
        w = weight.reshape(())
    else:
        if input.ndim == 0:
            raise RuntimeError(f"prelu: a 0-d input cannot take {n} per-channel weights "
                               f"(weight shape {tuple(weight.shape)})")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size: "
                               f"weight has {n} parameters but the input of shape "
                               f"{tuple(input.shape)} has {channels} channels on dim 1")
        w = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    return PRelu.apply(input, w)

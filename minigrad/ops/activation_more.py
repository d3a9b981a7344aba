"""More of torch.nn's activations: ``glu``, ``celu``, ``rrelu``, ``tanhshrink``.

``celu`` is one ``Function`` (a raw-array backward, and tensor ops with create_graph); the
others are compositions of existing differentiable ops: ``glu`` halves the input and gates one
half with the sigmoid of the other, ``rrelu`` multiplies by a slope tensor drawn once per
call, ``tanhshrink`` is x - tanh(x). Constants are Python floats, so float32 stays float32.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..creation import rand
from ..tensor import Tensor
from .activation import expm1_nonpositive
from .activation_basic import leaky_relu, sigmoid, sigmoid_array, tanh
from .comparison import clamp, where
from .dims import normalize_dim
from .shape import cat
from .unary_math import exp


def _floating(x: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise NotImplementedError(f"{op}: not implemented for {x.dtype} tensors (shape "
                                  f"{tuple(x.shape)}); convert with .float() first")
    return x


def _number(value: Any, name: str, op: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    return float(value)


class Glu(Function):
    """a * sigmoid(b) for the halves (a, b) of x along ``dim``, as one op: the split, sigmoid
    and product as graph nodes (and their backward's cat) cost ~2x the arithmetic. Backward:
    d/da = s, d/db = a s (1 - s), s = sigmoid(b) kept from the forward, written straight into
    the two halves of one gradient array; tensor ops under create_graph."""

    @staticmethod
    def forward(ctx, x, dim):
        xp, v = x.xp, x.array
        ctx.dim, ctx.half = dim, v.shape[dim] // 2
        a, b = v[_half(ctx, 0)], v[_half(ctx, 1)]
        s = sigmoid_array(b, xp)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(x)
            ctx.s = s
        return a * s

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: as ops of x, differentiable again
            a, b = x.split(ctx.half, ctx.dim)
            s = sigmoid(b)
            return cat([grad * s, grad * a * s * (1.0 - s)], ctx.dim), None
        xp, g, s = x.xp, grad.array, ctx.s
        gx = xp.empty(x.shape, dtype=g.dtype)
        ga, gb = gx[_half(ctx, 0)], gx[_half(ctx, 1)]
        xp.multiply(g, s, out=ga)
        xp.multiply(ga, x.array[_half(ctx, 0)], out=gb)
        gb *= 1.0 - s
        return Tensor._make(gx, x.device), None


def _half(ctx, which: int) -> tuple:
    """The index of the first (0) or second (1) half along ``ctx.dim``."""
    return (slice(None),) * ctx.dim + (slice(which * ctx.half, (which + 1) * ctx.half),)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: a * sigmoid(b) for the two halves (a, b) of ``input`` along ``dim``;
    the gate lets a layer learn which features to pass (Dauphin et al., 2017)."""
    _floating(input, "glu")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"glu: dim must be an int, got {type(dim).__name__}")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars (0-d tensors) because halving size "
                           "must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for an input of shape "
                         f"{tuple(input.shape)}")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim % input.ndim}"
                           f" is size {size} (input of shape {tuple(input.shape)})")
    return Glu.apply(input, dim % input.ndim)


class Softmin(Function):
    """softmax(-x) as one op: exp(min - x) / sum is softmax's exp(-x - max(-x)) exactly
    (negation is exact), with no negated copy of x and no negation node in backward.
    Backward from the output s: -s (g - sum(g s)) = s sum(g s) - g s; tensor ops (with s
    recomputed from x) under create_graph."""

    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        if a.ndim == 0:
            out = xp.ones_like(a)
        else:
            out = a.min(axis=dim, keepdims=True) - a
            xp.exp(out, out=out)
            out /= out.sum(axis=dim, keepdims=True)
        ctx.dim = dim  # the output is kept as a saved tensor: writing into it is caught
        ctx.save_for_backward(x, Tensor._make(out, x.device))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: s as an op of x, differentiable again
            s = Softmin.apply(x, ctx.dim)
            return s * ((grad * s).sum(dim=ctx.dim, keepdim=True) - grad), None
        s = out.array
        gs = grad.array * s
        gx = s * gs.sum(axis=ctx.dim, keepdims=True)
        gx -= gs
        return Tensor._make(gx, x.device), None


def softmin(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """softmax(-x) along ``dim`` (checked and defaulted by ``F.softmin``)."""
    axis = normalize_dim(dim, input.shape, "softmin") if input.ndim else None  # None: 0-d
    return Softmin.apply(input, axis)


class Celu(Function):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise: ELU made continuously differentiable
    for every alpha (slope 1 at 0 from both sides). Computed as max(x, 0) + alpha
    expm1(min(x, 0) / alpha) (exact: one term is 0; ``where`` over a random mask is ~10x
    slower); exp only sees min(x, 0), so large positive x gives no inf. The slope,
    e^(min(x, 0) / alpha) (1 for x > 0), is kept from the forward for a plain backward."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        a, xp = x.array, x.xp
        if alpha < 0:  # e^(x/alpha) grows for x < 0: the plain where() form
            ctx.slope = None
            return xp.where(a > 0, a, xp.expm1(xp.minimum(a, 0.0) / alpha) * alpha)
        negative, ctx.slope = expm1_nonpositive(xp.clip(a, -math.inf, 0.0) / alpha, xp)
        negative *= alpha
        out = xp.clip(a, 0.0, math.inf)  # clip: NumPy's fast loop, unlike maximum's
        out += negative
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled() or ctx.slope is None:  # as ops of x: differentiable again
            return where(x > 0, grad, grad * exp(clamp(x, max=0.0) / ctx.alpha)), None
        return Tensor._make(grad.array * ctx.slope, x.device), None


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Continuously differentiable ELU (Barron, 2017); ``inplace`` is accepted and a new
    tensor is returned."""
    alpha = _number(alpha, "alpha", "celu")
    if alpha == 0:
        raise RuntimeError("celu: alpha cannot be 0 (it divides the input)")
    return Celu.apply(_floating(input, "celu"), alpha)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al., 2015): in training every non-positive element gets
    its own slope drawn from U(lower, upper) (the device generator, so ``mg.manual_seed``
    repeats it); otherwise the fixed slope (lower + upper) / 2."""
    _floating(input, "rrelu")
    lower, upper = _number(lower, "lower", "rrelu"), _number(upper, "upper", "rrelu")
    if lower > upper:
        raise RuntimeError(f"rrelu: lower bound should be less than or equal to the upper "
                           f"bound, got lower={lower}, upper={upper}")
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    slopes = rand(*input.shape, dtype=input.dtype, device=input.device) * (upper - lower) + lower
    return where(input > 0, input, input * slopes)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x - tanh(x): near zero for small x (cubic), close to x - sign(x) for large |x|."""
    x = _floating(input, "tanhshrink")
    return x - tanh(x)

"""Negative log-likelihoods of distributions: poisson_nll_loss, gaussian_nll_loss.

Poisson's main term is one op over the whole input when input and target have one shape (a
composition made a pass and an array per op), with a plain-array first-order backward and its
tensor-op formula under create_graph; the rest are compositions of tensor ops (double backward
for free). Where PyTorch evaluates a
term only to mask it away (Poisson's Stirling term at target <= 1), the masked entries are
replaced before the logarithm, so their gradient is 0 rather than NaN.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .comparison import where
from .distance import _ClampMinKeepGrad
from .loss import _legacy, _pointwise_grad_scale, _reduce, _reduce_pointwise, check_reduction
from .margin_loss import _as_input_dtype, _broadcast, _float_input
from .unary_math import exp, log


class PoissonNLL(Function):
    """exp(x) - t x (``log_input``: x is the log-rate) or x - t log(x + eps), reduced;
    d/dx = exp(x) - t or 1 - t / (x + eps), d/dt = -x or -log(x + eps). Forward keeps exp(x)
    (or x + eps and its log) for backward."""

    @staticmethod
    def forward(ctx, x, t, log_input, eps, reduction):
        xp, a, b = x.xp, x.array, t.array
        if log_input:
            ctx.rate = xp.exp(a)
            loss = ctx.rate - b * a
        else:
            ctx.rate = a + eps
            ctx.log_rate = xp.log(ctx.rate)
            loss = a - b * ctx.log_rate
        ctx.log_input, ctx.eps, ctx.reduction = log_input, eps, reduction
        ctx.save_for_backward(x, t)
        return _reduce_pointwise(xp, loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formula as tensor ops
            g = _pointwise_grad_scale(grad, ctx.reduction, x.numel())
            if ctx.log_input:
                return (exp(x) - t) * g, -x * g, None, None, None
            rate = x + ctx.eps
            return (1 - t / rate) * g, -log(rate) * g, None, None, None
        g = _pointwise_grad_scale(grad.array, ctx.reduction, x.array.size)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = ctx.rate - t.array if ctx.log_input else 1 - t.array / ctx.rate
            gx *= g
            gx = Tensor._make(gx, x.device)
        if ctx.needs_input_grad[1]:
            gt = Tensor._make((x.array if ctx.log_input else ctx.log_rate) * -g, x.device)
        return gx, gt, None, None, None


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: Any = None, eps: float = 1e-8,
                     reduce: Any = None, reduction: str = "mean") -> Tensor:
    """-log Poisson(target | rate) up to a constant, for count data: exp(x) - t x with
    ``log_input`` (x is the log-rate), else x - t log(x + eps). ``full`` adds Stirling's
    approximation of log(t!), t log t - t + log(2 pi t) / 2, where t > 1."""
    op = "poisson_nll_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input, "input", op)
    target = _as_input_dtype(target, input, "target", op)
    _broadcast(op, input=input, target=target)
    if input.shape == target.shape:  # no broadcasting to undo in backward: one op
        if not full:
            return PoissonNLL.apply(input, target, bool(log_input), float(eps), reduction)
        loss = PoissonNLL.apply(input, target, bool(log_input), float(eps), "none")
    elif log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + float(eps))
    if full:
        big = target > 1
        t = where(big, target, 1.0)  # keeps log() away from t <= 0 where the term is dropped
        stirling = t * log(t) - t + 0.5 * log(t * (2 * math.pi))
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def _variance(var: Any, input: Tensor, op: str) -> Tensor:
    """``var`` as PyTorch reads it: a tensor of the input's shape, one dimension short of it
    (homoscedastic over the last dimension), broadcastable with exactly one size-1 mismatch,
    or a non-negative Python number."""
    if isinstance(var, numbers.Real) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries (got {var})")
        return Tensor._make(input.xp.full(input.shape, float(var), dtype=input.dtype),
                            input.device)
    if not isinstance(var, Tensor):
        raise TypeError(f"{op}: var must be a Tensor or a number, got {type(var).__name__}")
    if var.device != input.device:
        raise RuntimeError(f"{op}: var is on {var.device} but the input is on {input.device}")
    if not dtypes.is_floating(var.dtype):
        raise TypeError(f"{op}: expected a floating-point var, got {var.dtype}")
    if bool((var.array < 0).any()):
        raise ValueError(f"{op}: var has negative entry/entries")
    shape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape == shape:
        return var
    if vshape == shape[:-1]:
        return var.unsqueeze(-1)
    if len(vshape) == len(shape) and sum(v for s, v in zip(shape, vshape) if s != v) == 1:
        return var
    raise ValueError(f"{op}: var is of incorrect size {vshape} for input of size {shape} (use "
                     "the input's size, the input's size without its last dimension, or a size "
                     "1 in place of exactly one of the input's dimensions)")


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float,  # noqa: A002
                      full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """(log(var) + (input - target)^2 / var) / 2: regression that also predicts its own
    uncertainty. ``var`` is clamped to ``eps`` for stability without cutting its gradient (as
    PyTorch's clamp under no_grad); ``full`` adds log(2 pi) / 2."""
    op = "gaussian_nll_loss"
    check_reduction(reduction, op)
    _float_input(input, "input", op)
    target = _as_input_dtype(target, input, "target", op)
    var = _variance(var, input, op)
    _broadcast(op, input=input, target=target, var=var)
    var = _ClampMinKeepGrad.apply(var, float(eps))
    diff = input - target
    loss = 0.5 * (log(var) + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)

"""Per-sample normalisation: ``layer_norm`` (PyTorch's ``F.layer_norm``) and ``group_norm``.

Both standardise each sample over a block of trailing values, with no running statistics
and the same computation in training and eval:

    layer_norm: over the last len(normalized_shape) dims, then weight/bias of that shape
    group_norm: (N, C, *) viewed as (N, G, C/G * prod(*)), then weight/bias per channel

The shared step is one fused Function, ``Standardize`` (x^ = (x - mean) * rstd over the
trailing axes, biased variance), whose backward is the textbook

    dx = rstd * (g - mean(g) - x^ * mean(g * x^))

written with tensor ops, so double backward works: ordinary backward feeds it the arrays
saved by forward; under ``create_graph=True`` it rebuilds x^ and rstd from ``x`` with tensor
ops, so their dependence on ``x`` is differentiated too. The affine step is ordinary tensor
ops (multiply and add with broadcasting), which gives weight and bias their gradients.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor


class Standardize(Function):
    """(x - mean) / sqrt(var + eps) over the last ``k`` axes of x, statistics per leading index."""

    @staticmethod
    def forward(ctx, x, k, eps):
        xp, a = x.xp, x.array
        axes = tuple(range(a.ndim - k, a.ndim))
        mean = a.mean(axis=axes, keepdims=True)
        centred = a - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
        out = centred * rstd
        ctx.save_for_backward(x)
        ctx.k, ctx.eps, ctx.axes = k, eps, axes
        ctx.xhat, ctx.rstd = out, rstd
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axes = ctx.axes
        if not is_grad_enabled():  # the same formula on arrays, from the kept x^ and rstd
            g, xhat = grad.array, ctx.xhat
            gx = xhat * (g * xhat).mean(axis=axes, keepdims=True)
            gx += g.mean(axis=axes, keepdims=True)
            gx = x.xp.subtract(g, gx, out=gx) if gx.ndim else g - gx
            gx *= ctx.rstd
            return Tensor._make(gx, x.device), None, None
        # create_graph=True: x^ and rstd as functions of x, so the result is differentiable
        centred = x - x.mean(dim=axes, keepdim=True)
        rstd = ((centred * centred).mean(dim=axes, keepdim=True) + ctx.eps) ** -0.5
        xhat = centred * rstd
        g_mean = grad.mean(dim=axes, keepdim=True)
        gx_mean = (grad * xhat).mean(dim=axes, keepdim=True)
        return rstd * (grad - g_mean - xhat * gx_mean), None, None


def _check_float(x: Any, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")


def _check_param(t: Any, name: str, shape: tuple, x: Tensor, op: str) -> None:
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(t).__name__}")
    if t.device != x.device:
        raise RuntimeError(f"{op}: {name} is on {t.device} but the input is on {x.device}")
    if t.dtype != x.dtype:  # as PyTorch: no silent promotion of a float32 model to float64
        raise RuntimeError(f"{op}: expected {name} of the input's dtype {x.dtype}, got {t.dtype}")
    if tuple(t.shape) != shape:
        raise ValueError(f"{op}: expected {name} of shape {shape}, got {tuple(t.shape)}")


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def as_shape(normalized_shape: Any, op: str) -> tuple:
    """An int or a sequence of ints as a tuple of positive sizes."""
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        normalized_shape = (int(normalized_shape),)
    if isinstance(normalized_shape, str) or not hasattr(normalized_shape, "__iter__") or \
            not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                    for s in normalized_shape):
        raise TypeError(f"{op}: normalized_shape must be an int or a sequence of ints, got "
                        f"{normalized_shape!r}")
    shape = tuple(int(s) for s in normalized_shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"{op}: normalized_shape {shape} has a negative size")
    return shape


def layer_norm(input: Tensor, normalized_shape: Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last dims (transformers' per-token norm): independent of
    the batch, so training and eval compute the same thing."""
    op = "layer_norm"
    _check_float(input, op)
    shape = as_shape(normalized_shape, op)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"{op}: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of shape "
                         f"{tuple(input.shape)}")
    _check_param(weight, "weight", shape, input, op)
    _check_param(bias, "bias", shape, input, op)
    return _affine(Standardize.apply(input, k, float(eps)), weight, bias)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channels in ``num_groups`` groups: batch-size independent, for
    small batches where batch norm's statistics are too noisy."""
    op = "group_norm"
    _check_float(input, op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, *) with at least 2 dims, got "
                         f"shape {tuple(input.shape)}")
    if not isinstance(num_groups, numbers.Integral) or isinstance(num_groups, bool) or \
            num_groups <= 0:
        raise ValueError(f"{op}: num_groups must be a positive int, got {num_groups!r}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise ValueError(f"{op}: expected the number of channels in the input to be divisible "
                         f"by num_groups, but got input of shape {tuple(input.shape)} and "
                         f"num_groups={num_groups}")
    _check_param(weight, "weight", (c,), input, op)
    _check_param(bias, "bias", (c,), input, op)
    grouped = input.reshape(n, int(num_groups), c // int(num_groups) * _prod(input.shape[2:]))
    y = Standardize.apply(grouped, 1, float(eps)).reshape(tuple(input.shape))
    per_channel = (c,) + (1,) * (input.ndim - 2)
    return _affine(y, None if weight is None else weight.reshape(per_channel),
                   None if bias is None else bias.reshape(per_channel))


def _prod(shape: Sequence[int]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out

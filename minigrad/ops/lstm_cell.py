"""One LSTM step's gate arithmetic, ``(gates, c) -> (h', c')``, as a single op.

Written as a composition (chunk, three sigmoids, two tanhs, three products and a sum) an LSTM
step is about a dozen ops forward and as many backward, each a pass over a small (N, H) array
plus an op's worth of Python. Over a sequence that, not the two matrix products, is most of the
time. Here the forward is a few passes over the whole (N, 4H) gate block and the backward
writes the whole gate gradient at once from the activations the forward kept (nothing is
recomputed).

With ``create_graph=True`` the backward builds the same formulas from tensor ops instead, so
an LSTM still supports gradients of any order.

Gate order is PyTorch's: i, f, g, o along the last dimension.

    i, f, o = sigmoid(.), g = tanh(.)
    c' = f c + i g,   h' = o tanh(c')
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation_basic import sigmoid, sigmoid_array, tanh
from .rearrange import chunk
from .shape import cat


def _quarters(a: Any) -> tuple:
    """The i, f, g, o blocks of a (..., 4H) array, as views."""
    h = a.shape[-1] // 4
    return tuple(a[..., k * h:(k + 1) * h] for k in range(4))


class LSTMUpdate(Function):
    """(gates, c) -> (h', c') for gates = x W_ih^T + b_ih + h W_hh^T + b_hh."""

    @staticmethod
    def forward(ctx, gates, c):
        xp, a = gates.xp, gates.array
        act = sigmoid_array(a, xp)  # i, f, o; the g quarter is overwritten with tanh below
        _, _, g_pre, _ = _quarters(a)
        i, f, g, o = _quarters(act)
        xp.tanh(g_pre, out=g)
        c_new = f * c.array
        c_new += i * g
        tanh_c = xp.tanh(c_new)
        ctx.save_for_backward(gates, c)
        ctx.act, ctx.tanh_c = act, tanh_c
        return o * tanh_c, c_new

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        gates, c = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formulas as tensor ops
            return _backward_with_tensors(gates, c, grad_h, grad_c)
        xp = gates.xp
        i, f, g, o = _quarters(ctx.act)
        tanh_c, dh = ctx.tanh_c, grad_h.array
        dc = dh * o
        dc *= 1 - tanh_c * tanh_c
        dc += grad_c.array
        d_gates = xp.empty_like(ctx.act)
        di, df, dg, do = _quarters(d_gates)
        xp.multiply(dc, g, out=di)
        di *= i * (1 - i)
        xp.multiply(dc, c.array, out=df)
        df *= f * (1 - f)
        xp.multiply(dc, i, out=dg)
        dg *= 1 - g * g
        xp.multiply(dh, tanh_c, out=do)
        do *= o * (1 - o)
        dc *= f
        return Tensor._make(d_gates, gates.device), Tensor._make(dc, gates.device)


def _backward_with_tensors(gates: Tensor, c: Tensor, grad_h: Tensor, grad_c: Tensor) -> tuple:
    """LSTMUpdate's backward from differentiable ops, for gradients of higher order."""
    i, f, g, o = chunk(gates, 4, -1)
    i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
    tanh_c = tanh(f * c + i * g)
    dc = grad_h * o * (1 - tanh_c * tanh_c) + grad_c
    d_gates = cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                   grad_h * tanh_c * o * (1 - o)], -1)
    return d_gates, dc * f


def lstm_update(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """h', c' of one LSTM step from its pre-activation gates (..., 4H) and cell state (..., H)."""
    if gates.shape[-1] != 4 * c.shape[-1] or gates.shape[:-1] != c.shape[:-1]:
        raise ValueError(f"lstm_update: gates of shape {tuple(gates.shape)} do not match a cell "
                         f"state of shape {tuple(c.shape)} (expected (..., 4 * hidden))")
    if gates.dtype != c.dtype:
        raise TypeError(f"lstm_update: gates are {gates.dtype} but the cell state is {c.dtype}")
    return LSTMUpdate.apply(gates, c)

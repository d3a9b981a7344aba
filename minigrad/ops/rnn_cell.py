"""The Elman RNN's time loop as one op, ``rnn_scan``: one layer and direction over a sequence.

Written as a composition, each step is a matmul, an add and an activation forward and as many
ops backward, plus an op's worth of Python each; over a sequence that, and the per-step product
for W_hh's gradient, is most of the time (as for the LSTM and GRU, see lstm_cell.py and
gru_cell.py). ``rnn_scan`` runs the loop on arrays, back-propagates through time with arrays
only, and gets the gradient of W_hh from one product over all steps.

    h_t = act(x_gates_t + h_{t-1} W_hh^T),   act = tanh or relu

where x_gates = x W_ih^T + b_ih + b_hh is computed for the whole sequence beforehand. The
activation's derivative is read from its output: tanh' = 1 - h^2, relu' = (h > 0).

With ``create_graph=True`` the backward builds the same recurrence from tensor ops instead, so
an RNN still supports gradients of any order.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation_basic import relu, tanh
from .shape import stack


class RNNScan(Function):
    """(x_gates, h0, w_hh) -> (h of every step, h_T) for one layer and direction."""

    @staticmethod
    def forward(ctx, x_gates, h0, w_hh, nonlinearity, reverse):
        xp, xg = x_gates.xp, x_gates.array
        order = range(xg.shape[0] - 1, -1, -1) if reverse else range(xg.shape[0])
        hs = xp.empty_like(xg)
        h, w_t = h0.array, w_hh.array.T
        for t in order:
            xp.matmul(h, w_t, out=hs[t])
            hs[t] += xg[t]
            if nonlinearity == "tanh":
                xp.tanh(hs[t], out=hs[t])
            else:
                xp.maximum(hs[t], 0, out=hs[t])
            h = hs[t]
        ctx.save_for_backward(x_gates, h0, w_hh)
        ctx.nonlinearity, ctx.reverse, ctx.hs = nonlinearity, reverse, hs
        return hs, h.copy()

    @staticmethod
    def backward(ctx, grad_hs, grad_h):
        x_gates, h0, w_hh = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same recurrence as tensor ops
            return _scan_backward_with_tensors(x_gates, h0, w_hh, ctx.nonlinearity, ctx.reverse,
                                               grad_hs, grad_h)
        xp, w, hs, ghs = x_gates.xp, w_hh.array, ctx.hs, grad_hs.array
        order = range(hs.shape[0] - 1, -1, -1) if ctx.reverse else range(hs.shape[0])
        # the activation's derivative at every step, from its output
        slope = 1 - hs * hs if ctx.nonlinearity == "tanh" else (hs > 0).astype(hs.dtype)
        d_gates = xp.empty_like(hs)
        dh = grad_h.array
        for t in reversed(order):
            xp.add(dh, ghs[t], out=d_gates[t])
            d_gates[t] *= slope[t]
            dh = d_gates[t] @ w
        # h_{t-1} of every step, in the same (T, N, H) slots as its step's gates
        first = h0.array[None]
        h_prev = xp.concatenate([hs[1:], first] if ctx.reverse else [first, hs[:-1]])
        rows = hs.shape[0] * hs.shape[1]
        d_w = d_gates.reshape(rows, -1).T @ h_prev.reshape(rows, -1)
        device = x_gates.device
        return (Tensor._make(d_gates, device), Tensor._make(dh, device),
                Tensor._make(d_w, device), None, None)


def _scan_backward_with_tensors(x_gates: Tensor, h0: Tensor, w_hh: Tensor, nonlinearity: str,
                                reverse: bool, grad_hs: Tensor, grad_h: Tensor) -> tuple:
    """RNNScan's backward from differentiable ops (the forward again, then back through time),
    for gradients of higher order."""
    act = tanh if nonlinearity == "tanh" else relu
    steps = x_gates.shape[0]
    order = list(range(steps - 1, -1, -1) if reverse else range(steps))
    w_t = w_hh.T
    h, hs, h_prev = h0, {}, {}
    for t in order:
        h_prev[t] = h
        h = hs[t] = act(x_gates[t] + h @ w_t)
    dh = grad_h
    d_gates: list = [None] * steps
    for t in reversed(order):
        slope = 1 - hs[t] * hs[t] if nonlinearity == "tanh" else (hs[t] > 0).to(hs[t].dtype)
        d_gates[t] = (dh + grad_hs[t]) * slope
        dh = d_gates[t] @ w_hh
    d_all = stack(d_gates, 0)
    rows = steps * x_gates.shape[1]
    h_all = stack([h_prev[t] for t in range(steps)], 0)
    d_w = d_all.reshape(rows, -1).T @ h_all.reshape(rows, -1)
    return d_all, dh, d_w, None, None


def rnn_scan(x_gates: Tensor, h0: Tensor, w_hh: Tensor, nonlinearity: str = "tanh",
             reverse: bool = False) -> tuple[Tensor, Tensor]:
    """One Elman RNN layer and direction over a whole sequence: h of every step (T, N, H) and
    the final h (N, H). ``x_gates`` (T, N, H) holds x W_ih^T plus both biases."""
    steps, batch, hidden = x_gates.shape
    if tuple(w_hh.shape) != (hidden, hidden) or steps == 0 or tuple(h0.shape) != (batch, hidden):
        raise ValueError(f"rnn_scan: x_gates {tuple(x_gates.shape)}, h0 {tuple(h0.shape)} and "
                         f"w_hh {tuple(w_hh.shape)} do not fit (T >= 1, N, H), (N, H), (H, H)")
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_scan: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    if len({x_gates.dtype, h0.dtype, w_hh.dtype}) != 1:
        raise TypeError(f"rnn_scan: mixed dtypes {x_gates.dtype}, {h0.dtype}, {w_hh.dtype}")
    return RNNScan.apply(x_gates, h0, w_hh, nonlinearity, bool(reverse))

"""The LSTM's arithmetic as two ops: one step, ``lstm_update(gates, c) -> (h', c')``, and a
whole sequence of one layer and direction, ``lstm_scan``.

Written as a composition (chunk, three sigmoids, two tanhs, three products and a sum) an LSTM
step is about a dozen ops forward and as many backward, each a pass over a small (N, H) array
plus an op's worth of Python. Over a sequence that, not the two matrix products, is most of the
time. ``lstm_update`` does the step in a few passes over the whole (N, 4H) gate block, and its
backward writes the whole gate gradient at once from the activations the forward kept (nothing is
recomputed). ``lstm_scan`` runs the time loop inside one op (the cell plus h W_hh^T per step),
back-propagates through time with arrays only, and gets the gradient of W_hh from one product
over all steps rather than one small product per step and a sum of them.

With ``create_graph=True`` both backwards build the same formulas from tensor ops instead, so
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
from .shape import cat, stack


def _quarters(a: Any) -> tuple:
    """The i, f, g, o blocks of a (..., 4H) array, as views."""
    h = a.shape[-1] // 4
    return tuple(a[..., k * h:(k + 1) * h] for k in range(4))


def _cell_forward(a: Any, c: Any, xp: Any, out: tuple | None = None) -> tuple:
    """Arrays h', c', the activations (i, f, g, o side by side) and tanh(c') of one step,
    written into ``out`` (four arrays) when given."""
    if out is None:
        out = (xp.empty_like(c), xp.empty_like(c), xp.empty_like(a), xp.empty_like(c))
    h, c_new, act, tanh_c = out
    act[...] = sigmoid_array(a, xp)  # i, f, o; the g quarter is overwritten with tanh below
    _, _, g_pre, _ = _quarters(a)
    i, f, g, o = _quarters(act)
    xp.tanh(g_pre, out=g)
    xp.multiply(f, c, out=c_new)
    c_new += i * g
    xp.tanh(c_new, out=tanh_c)
    xp.multiply(o, tanh_c, out=h)
    return out


def _cell_backward(act: Any, tanh_c: Any, c: Any, dh: Any, dc_next: Any, xp: Any,
                   out: tuple | None = None) -> tuple:
    """Arrays dL/dgates and dL/dc of one step, from dL/dh' and dL/dc' and what
    ``_cell_forward`` kept; written into ``out`` (two arrays) when given."""
    if out is None:
        out = (xp.empty_like(act), xp.empty_like(c))
    d_gates, dc = out
    i, f, g, o = _quarters(act)
    xp.multiply(dh, o, out=dc)
    dc *= 1 - tanh_c * tanh_c
    dc += dc_next
    di, df, dg, do = _quarters(d_gates)
    xp.multiply(dc, g, out=di)
    di *= i * (1 - i)
    xp.multiply(dc, c, out=df)
    df *= f * (1 - f)
    xp.multiply(dc, i, out=dg)
    dg *= 1 - g * g
    xp.multiply(dh, tanh_c, out=do)
    do *= o * (1 - o)
    dc *= f
    return out


# elements of gates per pass of _local_derivatives over several steps: 256 KB of float32, so a
# pass stays in cache while the loop uses it (one pass over all steps was slower at batch 128)
_SPAN = 1 << 16


def _local_derivatives(act: Any, tanh_c: Any, c: Any, xp: Any, out: tuple) -> tuple:
    """The factors of one step's gate gradient, written into ``out``: d_gates gets
    [g i(1-i), c f(1-f), i (1-g^2)] (times dL/dc' later) and tanh(c') o(1-o) (times dL/dh'),
    dc_dh gets o (1 - tanh(c')^2). Whole-block passes: fewer calls than one per quarter."""
    d_gates, dc_dh = out
    i, f, g, o = _quarters(act)
    di, df, dg, do = _quarters(d_gates)
    xp.subtract(1, act, out=d_gates)
    d_gates *= act  # sigmoid' = s (1 - s); the g quarter is overwritten below
    di *= g
    df *= c
    xp.multiply(g, g, out=dg)
    xp.subtract(1, dg, out=dg)
    dg *= i
    do *= tanh_c
    xp.multiply(tanh_c, tanh_c, out=dc_dh)
    xp.subtract(1, dc_dh, out=dc_dh)
    dc_dh *= o
    return out


class LSTMUpdate(Function):
    """(gates, c) -> (h', c') for gates = x W_ih^T + b_ih + h W_hh^T + b_hh."""

    @staticmethod
    def forward(ctx, gates, c):
        h, c_new, ctx.act, ctx.tanh_c = _cell_forward(gates.array, c.array, gates.xp)
        ctx.save_for_backward(gates, c)
        return h, c_new

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        gates, c = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formulas as tensor ops
            return _backward_with_tensors(gates, c, grad_h, grad_c)
        d_gates, dc = _cell_backward(ctx.act, ctx.tanh_c, c.array, grad_h.array, grad_c.array,
                                     gates.xp)
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


# --- a whole sequence: one layer, one direction --------------------------------------------------
class LSTMScan(Function):
    """(x_gates, h0, c0, w_hh) -> (h of every step, h_T, c_T) for one layer and direction.

    ``x_gates`` (T, N, 4H) is the input's share of every step's gates, x W_ih^T + biases, already
    computed for the whole sequence; each step adds h W_hh^T. Backward runs through time in
    reverse with arrays only, and the gradient of ``w_hh`` comes out of one matrix product over
    all steps (sum over t of dgates_t^T h_{t-1}) instead of one small product per step."""

    @staticmethod
    def forward(ctx, x_gates, h0, c0, w_hh, reverse):
        xp, xg, w = x_gates.xp, x_gates.array, w_hh.array
        steps, batch, hidden = xg.shape[0], xg.shape[1], w.shape[1]
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        hs = xp.empty((steps, batch, hidden), dtype=xg.dtype)
        cs, tanh_cs, acts = xp.empty_like(hs), xp.empty_like(hs), xp.empty_like(xg)
        h, c, w_t = h0.array, c0.array, w.T
        for t in order:
            gates = h @ w_t
            gates += xg[t]
            _cell_forward(gates, c, xp, (hs[t], cs[t], acts[t], tanh_cs[t]))
            h, c = hs[t], cs[t]
        ctx.save_for_backward(x_gates, h0, c0, w_hh)
        ctx.reverse, ctx.kept = reverse, (hs, cs, tanh_cs, acts)
        return hs, h.copy(), c.copy()

    @staticmethod
    def backward(ctx, grad_hs, grad_h, grad_c):
        x_gates, h0, c0, w_hh = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same recurrence as tensor ops
            return _scan_backward_with_tensors(x_gates, h0, c0, w_hh, ctx.reverse, grad_hs,
                                               grad_h, grad_c)
        xp, w, ghs = x_gates.xp, w_hh.array, grad_hs.array
        hs, cs, tanh_cs, acts = ctx.kept
        steps, batch, hidden = hs.shape
        order = range(steps - 1, -1, -1) if ctx.reverse else range(steps)

        def previous(kept: Any, first: Any) -> Any:  # step t's h_{t-1} / c_{t-1}, in slot t
            return xp.concatenate([kept[1:], first[None]] if ctx.reverse
                                  else [first[None], kept[:-1]])

        h_prev, c_prev = previous(hs, h0.array), previous(cs, c0.array)
        d_gates, dc_dh = xp.empty_like(acts), xp.empty_like(hs)
        by_quarter = d_gates.reshape(steps, batch, 4, hidden)
        f = _quarters(acts)[1]
        dh, dc = grad_h.array.copy(), grad_c.array.copy()
        # local derivatives a few steps at a time: fewer passes than one step each, in cache
        span = max(1, _SPAN // acts[0].size)
        for k, t in enumerate(reversed(order)):
            if k % span == 0:
                lo, hi = (t, t + span) if ctx.reverse else (t - span + 1, t + 1)
                lo, hi = max(lo, 0), min(hi, steps)
                _local_derivatives(acts[lo:hi], tanh_cs[lo:hi], c_prev[lo:hi], xp,
                                   (d_gates[lo:hi], dc_dh[lo:hi]))
            dh += ghs[t]
            dc += dh * dc_dh[t]
            by_quarter[t, :, :3] *= dc[:, None]
            by_quarter[t, :, 3] *= dh
            dc *= f[t]
            dh = d_gates[t] @ w
        rows = steps * batch
        d_w = d_gates.reshape(rows, -1).T @ h_prev.reshape(rows, -1)
        device = x_gates.device
        return (Tensor._make(d_gates, device), Tensor._make(dh, device),
                Tensor._make(dc, device), Tensor._make(d_w, device), None)


def _scan_backward_with_tensors(x_gates: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor,
                                reverse: bool, grad_hs: Tensor, grad_h: Tensor,
                                grad_c: Tensor) -> tuple:
    """LSTMScan's backward from differentiable ops (the forward again, then back through time
    with LSTMUpdate's tensor-op backward), for gradients of higher order."""
    steps = x_gates.shape[0]
    order = list(range(steps - 1, -1, -1) if reverse else range(steps))
    w_t = w_hh.T
    h, c = h0, c0
    gates, c_prev, h_prev = {}, {}, {}
    for t in order:
        gates[t], c_prev[t], h_prev[t] = x_gates[t] + h @ w_t, c, h
        h, c = lstm_update(gates[t], c)
    dh, dc = grad_h, grad_c
    d_gates: list = [None] * steps
    for t in reversed(order):
        d_gates[t], dc = _backward_with_tensors(gates[t], c_prev[t], dh + grad_hs[t], dc)
        dh = d_gates[t] @ w_hh
    d_all = stack(d_gates, 0)
    rows = steps * x_gates.shape[1]
    h_all = stack([h_prev[t] for t in range(steps)], 0)
    d_w = d_all.reshape(rows, -1).T @ h_all.reshape(rows, -1)
    return d_all, dh, dc, d_w, None


def lstm_scan(x_gates: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor,
              reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer and direction over a whole sequence: h of every step (T, N, H), and the
    final h and c (N, H). ``x_gates`` (T, N, 4H) holds x W_ih^T plus both biases."""
    steps, batch, width = x_gates.shape
    hidden = w_hh.shape[1]
    if width != 4 * hidden or tuple(w_hh.shape) != (4 * hidden, hidden) or steps == 0 or \
            tuple(h0.shape) != (batch, hidden) or tuple(c0.shape) != (batch, hidden):
        raise ValueError(f"lstm_scan: x_gates {tuple(x_gates.shape)}, h0 {tuple(h0.shape)}, "
                         f"c0 {tuple(c0.shape)} and w_hh {tuple(w_hh.shape)} do not fit "
                         "(T >= 1, N, 4H), (N, H), (N, H), (4H, H)")
    if len({x_gates.dtype, h0.dtype, c0.dtype, w_hh.dtype}) != 1:
        raise TypeError(f"lstm_scan: mixed dtypes {x_gates.dtype}, {h0.dtype}, {c0.dtype}, "
                        f"{w_hh.dtype}")
    return LSTMScan.apply(x_gates, h0, c0, w_hh, bool(reverse))

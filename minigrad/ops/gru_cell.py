"""The GRU's arithmetic as two ops: one step, ``gru_update(x_gates, h_gates, h) -> h'``, and a
whole sequence of one layer and direction, ``gru_scan``.

Written as a composition (two chunks, two sigmoids, a tanh, adds, products) a GRU step is about
a dozen ops forward and as many backward, each a pass over a small (N, H) array plus an op's
worth of Python; over a sequence that, not the matrix products, is most of the time (as for
the LSTM, see lstm_cell.py). ``gru_update`` does the step in a few passes and its backward
writes both gate gradients from the activations the forward kept. ``gru_scan`` runs the time
loop inside one op (h W_hh^T + b_hh plus the cell per step), back-propagates through time with
arrays only, and gets the gradients of W_hh and b_hh from one product and one sum over all steps.

Unlike the LSTM, the recurrent half of the gates cannot be added onto the input half before the
cell: b_hn sits inside r * (h W_hn^T + b_hn) (PyTorch's and cuDNN's placement), so the step
takes x_gates = x W_ih^T + b_ih and h_gates = h W_hh^T + b_hh separately.

Gate order is PyTorch's: r, z, n along the last dimension.

    r = sigmoid(xr + hr),  z = sigmoid(xz + hz),  n = tanh(xn + r hn)
    h' = (1 - z) n + z h = n + z (h - n)

With ``create_graph=True`` both backwards build the same formulas from tensor ops instead, so
a GRU still supports gradients of any order.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation_basic import sigmoid, sigmoid_array, tanh
from .rearrange import chunk
from .shape import cat, stack


def _thirds(a: Any) -> tuple:
    """The r, z, n blocks of a (..., 3H) array, as views."""
    h = a.shape[-1] // 3
    return a[..., :h], a[..., h:2 * h], a[..., 2 * h:]


def _cell_forward(xg: Any, hg: Any, h: Any, xp: Any, out: tuple | None = None) -> tuple:
    """Arrays h' and the activations (r, z, n side by side) of one step, written into ``out``
    (two arrays) when given."""
    if out is None:
        out = (xp.empty_like(h), xp.empty_like(xg))
    h_new, act = out
    two = 2 * h.shape[-1]
    act[..., :two] = sigmoid_array(xg[..., :two] + hg[..., :two], xp)
    r, z, n = _thirds(act)
    xp.multiply(r, _thirds(hg)[2], out=n)
    n += _thirds(xg)[2]
    xp.tanh(n, out=n)
    xp.subtract(h, n, out=h_new)
    h_new *= z
    h_new += n
    return out


def _cell_backward(act: Any, hn: Any, h: Any, dh_new: Any, xp: Any,
                   out: tuple | None = None) -> tuple:
    """Arrays dL/dh_gates, dL/dxn and the direct part of dL/dh (dh' z) of one step, from dL/dh'
    and what ``_cell_forward`` kept (``hn`` is h_gates' n block); written into ``out`` when
    given. dL/dx_gates equals dL/dh_gates in the r and z blocks and is dL/dxn in the n block."""
    if out is None:
        out = (xp.empty(act.shape, act.dtype), xp.empty_like(h), xp.empty_like(h))
    d_hg, d_xn, dh = out
    r, z, n = _thirds(act)
    dr, dz, dhn = _thirds(d_hg)
    xp.subtract(h, n, out=dz)
    dz *= dh_new
    dz *= z * (1 - z)
    xp.subtract(1, z, out=d_xn)
    d_xn *= dh_new
    d_xn *= 1 - n * n
    xp.multiply(d_xn, hn, out=dr)
    dr *= r * (1 - r)
    xp.multiply(d_xn, r, out=dhn)
    xp.multiply(dh_new, z, out=dh)
    return out


class GRUUpdate(Function):
    """(x_gates, h_gates, h) -> h' for x_gates = x W_ih^T + b_ih, h_gates = h W_hh^T + b_hh."""

    @staticmethod
    def forward(ctx, x_gates, h_gates, h):
        h_new, ctx.act = _cell_forward(x_gates.array, h_gates.array, h.array, x_gates.xp)
        ctx.save_for_backward(x_gates, h_gates, h)
        return h_new

    @staticmethod
    def backward(ctx, grad):
        x_gates, h_gates, h = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formulas as tensor ops
            return _backward_with_tensors(x_gates, h_gates, h, grad)
        d_hg, d_xn, dh = _cell_backward(ctx.act, _thirds(h_gates.array)[2], h.array, grad.array,
                                        x_gates.xp)
        d_xg = d_hg.copy()
        _thirds(d_xg)[2][...] = d_xn
        device = x_gates.device
        return Tensor._make(d_xg, device), Tensor._make(d_hg, device), Tensor._make(dh, device)


def _backward_with_tensors(x_gates: Tensor, h_gates: Tensor, h: Tensor, grad: Tensor) -> tuple:
    """GRUUpdate's backward from differentiable ops, for gradients of higher order."""
    xr, xz, xn = chunk(x_gates, 3, -1)
    hr, hz, hn = chunk(h_gates, 3, -1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    dz = grad * (h - n) * z * (1 - z)
    dn = grad * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    return cat([dr, dz, dn], -1), cat([dr, dz, dn * r], -1), grad * z


def gru_update(x_gates: Tensor, h_gates: Tensor, h: Tensor) -> Tensor:
    """h' of one GRU step from the input's gates x W_ih^T + b_ih (..., 3H), the recurrent gates
    h W_hh^T + b_hh (..., 3H) and h (..., H); kept apart because b_hn sits inside r * (...)."""
    if tuple(x_gates.shape) != tuple(h_gates.shape) or x_gates.shape[-1] != 3 * h.shape[-1] \
            or x_gates.shape[:-1] != h.shape[:-1]:
        raise ValueError(f"gru_update: x_gates {tuple(x_gates.shape)}, h_gates "
                         f"{tuple(h_gates.shape)} and h {tuple(h.shape)} do not fit "
                         "(..., 3 * hidden), (..., 3 * hidden), (..., hidden)")
    if len({x_gates.dtype, h_gates.dtype, h.dtype}) != 1:
        raise TypeError(f"gru_update: mixed dtypes {x_gates.dtype}, {h_gates.dtype}, {h.dtype}")
    return GRUUpdate.apply(x_gates, h_gates, h)


# --- a whole sequence: one layer, one direction --------------------------------------------------
class GRUScan(Function):
    """(x_gates, h0, w_hh, b_hh) -> (h of every step, h_T) for one layer and direction.

    ``x_gates`` (T, N, 3H) is x W_ih^T + b_ih for the whole sequence; each step computes
    h W_hh^T + b_hh. Backward runs through time in reverse with arrays only; the gradients of
    ``w_hh`` and ``b_hh`` come from one product and one sum over all steps' recurrent-gate
    gradients instead of one small product and reduction per step."""

    @staticmethod
    def forward(ctx, x_gates, h0, w_hh, b_hh, reverse):
        xp, xg, w = x_gates.xp, x_gates.array, w_hh.array
        steps, batch, hidden = xg.shape[0], xg.shape[1], w.shape[1]
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        hs = xp.empty((steps, batch, hidden), dtype=xg.dtype)
        hgs, acts = xp.empty_like(xg), xp.empty_like(xg)
        h, w_t = h0.array, w.T
        for t in order:
            xp.matmul(h, w_t, out=hgs[t])
            if b_hh is not None:
                hgs[t] += b_hh.array
            _cell_forward(xg[t], hgs[t], h, xp, (hs[t], acts[t]))
            h = hs[t]
        ctx.save_for_backward(x_gates, h0, w_hh, b_hh)
        ctx.reverse, ctx.kept = reverse, (hs, hgs, acts)
        return hs, h.copy()

    @staticmethod
    def backward(ctx, grad_hs, grad_h):
        x_gates, h0, w_hh, b_hh = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same recurrence as tensor ops
            return _scan_backward_with_tensors(x_gates, h0, w_hh, b_hh, ctx.reverse, grad_hs,
                                               grad_h)
        xp, w, ghs = x_gates.xp, w_hh.array, grad_hs.array
        hs, hgs, acts = ctx.kept
        steps, two = hs.shape[0], 2 * hs.shape[2]
        order = list(range(steps - 1, -1, -1) if ctx.reverse else range(steps))
        first = h0.array[None]  # h_{t-1} of every step, in the same (T, N, H) slots as step t
        h_prev = xp.concatenate([hs[1:], first] if ctx.reverse else [first, hs[:-1]])
        d_hg, d_xg = xp.empty_like(acts), xp.empty_like(acts)
        dh = grad_h.array.copy()
        for t in reversed(order):
            dh += ghs[t]
            _, _, dh = _cell_backward(acts[t], hgs[t, :, two:], h_prev[t], dh, xp,
                                      (d_hg[t], d_xg[t, :, two:], xp.empty_like(dh)))
            dh += d_hg[t] @ w
        d_xg[..., :two] = d_hg[..., :two]
        rows = steps * hs.shape[1]
        d_hg_rows = d_hg.reshape(rows, -1)
        d_w = d_hg_rows.T @ h_prev.reshape(rows, -1)
        d_b = None if b_hh is None else Tensor._make(d_hg_rows.sum(0), x_gates.device)
        device = x_gates.device
        return (Tensor._make(d_xg, device), Tensor._make(dh, device), Tensor._make(d_w, device),
                d_b, None)


def _scan_backward_with_tensors(x_gates: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None,
                                reverse: bool, grad_hs: Tensor, grad_h: Tensor) -> tuple:
    """GRUScan's backward from differentiable ops (the forward again, then back through time
    with GRUUpdate's tensor-op backward), for gradients of higher order."""
    steps = x_gates.shape[0]
    order = list(range(steps - 1, -1, -1) if reverse else range(steps))
    w_t = w_hh.T
    h = h0
    h_gates, h_prev = {}, {}
    for t in order:
        h_prev[t], h_gates[t] = h, h @ w_t if b_hh is None else h @ w_t + b_hh
        h = gru_update(x_gates[t], h_gates[t], h)
    dh = grad_h
    d_x: list = [None] * steps
    d_hg: list = [None] * steps
    for t in reversed(order):
        d_x[t], d_hg[t], dh_direct = _backward_with_tensors(x_gates[t], h_gates[t], h_prev[t],
                                                           dh + grad_hs[t])
        dh = dh_direct + d_hg[t] @ w_hh
    rows = steps * x_gates.shape[1]
    d_hg_rows = stack(d_hg, 0).reshape(rows, -1)
    h_all = stack([h_prev[t] for t in range(steps)], 0)
    d_w = d_hg_rows.T @ h_all.reshape(rows, -1)
    d_b = None if b_hh is None else d_hg_rows.sum(0)
    return stack(d_x, 0), dh, d_w, d_b, None


def gru_scan(x_gates: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None = None,
             reverse: bool = False) -> tuple[Tensor, Tensor]:
    """One GRU layer and direction over a whole sequence: h of every step (T, N, H) and the
    final h (N, H). ``x_gates`` (T, N, 3H) holds x W_ih^T + b_ih; ``b_hh`` (3H,) or None."""
    steps, batch, width = x_gates.shape
    hidden = w_hh.shape[1]
    if width != 3 * hidden or tuple(w_hh.shape) != (3 * hidden, hidden) or steps == 0 or \
            tuple(h0.shape) != (batch, hidden) or \
            (b_hh is not None and tuple(b_hh.shape) != (3 * hidden,)):
        raise ValueError(f"gru_scan: x_gates {tuple(x_gates.shape)}, h0 {tuple(h0.shape)}, "
                         f"w_hh {tuple(w_hh.shape)} and b_hh "
                         f"{None if b_hh is None else tuple(b_hh.shape)} do not fit "
                         "(T >= 1, N, 3H), (N, H), (3H, H), (3H,)")
    dtypes = [x_gates.dtype, h0.dtype, w_hh.dtype] + ([] if b_hh is None else [b_hh.dtype])
    if len(set(dtypes)) != 1:
        raise TypeError(f"gru_scan: mixed dtypes {', '.join(str(d) for d in dtypes)}")
    return GRUScan.apply(x_gates, h0, w_hh, b_hh, bool(reverse))

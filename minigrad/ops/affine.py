"""``affine(x, W, b) = x W^T + b`` over the last dimension: the fully connected layer as one op.

As a composition it is a transpose, a matrix product and a broadcast add (plus two reshapes
for inputs of more than two dimensions), and backward walks the same five nodes, the add's
reducing the gradient to the bias's shape. Every network has these layers, so here it is one
node: the forward adds the bias into the product's own output, and the backward is the three
classic products

    dx = dy W,   dW = dy^T x,   db = sum of dy over rows,

each computed only when that input needs a gradient. With ``create_graph=True`` the backward
builds the same three from tensor ops, so gradients of any order still work.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor


def _rows(a: Any) -> Any:
    """(..., k) -> (rows, k), with the row count spelled out (reshape(-1, 0) is ambiguous)."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


class Affine(Function):
    """(..., in) x (out, in) [+ (out,)] -> (..., out)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        out = _rows(x.array) @ weight.array.T
        if bias is not None:
            out += bias.array
        ctx.save_for_backward(x, weight)
        return out.reshape(tuple(x.shape[:-1]) + (weight.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if is_grad_enabled():  # create_graph=True: the same products as tensor ops
            g, rows = _rows(grad), _rows(x)
            return ((g @ weight).reshape(x.shape) if need_x else None,
                    g.T @ rows if need_w else None, g.sum(0) if need_b else None)
        g = _rows(grad.array)
        device = x.device
        gx = Tensor._make((g @ weight.array).reshape(x.shape), device) if need_x else None
        gw = Tensor._make(g.T @ _rows(x.array), device) if need_w else None
        gb = Tensor._make(g.sum(axis=0), device) if need_b else None
        return gx, gw, gb

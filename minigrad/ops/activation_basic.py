"""The everyday activations: relu, leaky_relu, sigmoid and tanh.

Kept apart from ``activation`` (GELU, SiLU, ELU, ...) because they are the ones every network
calls on its largest tensors, so their forwards are tuned: sigmoid in four passes, to an ulp
or two (``sigmoid_array``, shared with ``activation`` and ``lstm_cell``), and ReLU saving only
a bool mask, split over the CPU's cores, with a fused GPU kernel when there is one.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .comparison import where
from .elementwise import _float_input
from .layout import as_rows


class Tanh(Function):
    """Backward from the output y, 1 - y^2: no second tanh (half the op's time)."""

    @staticmethod
    def forward(ctx, x):
        out = x.xp.tanh(x.array)
        ctx.save_for_backward(x, Tensor._make(out, x.device))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: tanh as an op of x, differentiable again
            t = tanh(x)
            return grad * (1 - t * t)
        gx = 1 - y.array * y.array
        gx *= grad.array
        return Tensor._make(gx, x.device)


def sigmoid_array(a: Any, xp: Any) -> Any:
    """1 / (1 + e^-a) as written, in four passes over one fresh array (the form PyTorch's
    float32 kernel uses): within 3 ulp for any a (e^-a's relative error passes
    through 1 + e and the reciprocal unchanged). Where e^-a overflows (a below about -88.7 in
    float32, -709 in float64, where sigmoid is under the smallest normal number) the result
    is 1 / inf = 0, as in PyTorch; a NaN stays NaN. No mask, abs or ``maximum`` against a
    bool array: those passes cost as much as the rest together."""
    if a.ndim == 0:
        return 1 / (1 + xp.exp(-a))
    e = xp.negative(a)
    xp.exp(e, out=e)  # in place: no second fresh array to fault in
    e += 1
    xp.reciprocal(e, out=e)
    return e


class Sigmoid(Function):
    """1 / (1 + e^-x), to an ulp or two (see ``sigmoid_array``); backward
    from the saved output, s (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        out = sigmoid_array(x.array, x.xp)
        ctx.save_for_backward(x, Tensor._make(out, x.device))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: sigmoid as an op of x, differentiable again
            s = sigmoid(x)
            return grad * s * (1 - s)
        gx = 1 - y.array  # s (1 - s) from the saved output: no second exp
        gx *= y.array
        gx *= grad.array
        return Tensor._make(gx, x.device)


class ReLU(Function):
    """max(x, 0). Keeps only the bool mask x > 0 for backward (a quarter of x's memory), and
    splits both passes over the CPU's cores: on a CNN's activations they are memory-bound."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x):
        xp, a, zero = x.xp, x.array, x.array.dtype.type(0)
        track = ctx.needs_input_grad[0]
        fused = x.backend.kernel("relu_forward")
        if a.ndim == 0:
            out, mask = xp.maximum(a, zero), (a > zero) if track else None
        elif fused is not None:  # one GPU kernel for the max and the mask
            out, mask = fused(a)
        else:  # outputs in the input's memory order (channels-last stays channels-last)
            out = xp.empty_like(a)
            mask = xp.empty_like(a, dtype=xp.bool_) if track else None
            src, dst, keep, zeros = a, out, mask, zero
            rows = as_rows(a)
            if rows is not None:
                # Seen as rows in memory order, max against a row of zeros: NumPy's loop for
                # two contiguous operands is ~3x faster than its loop against a scalar.
                src, dst = rows, as_rows(out)
                keep = as_rows(mask) if track else None
                zeros = xp.zeros(src.shape[1], dtype=a.dtype)

            def part(s):
                xp.maximum(src[s], zeros, out=dst[s])
                if track:
                    xp.greater(src[s], zero, out=keep[s])
            x.backend.parallel_for(part, a.shape[0], a.size)
        ctx.save_for_backward(Tensor._make(mask, x.device) if track else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return ReLUMask.apply(grad, mask.array)


class ReLUMask(Function):
    """ReLU's backward, grad * (x > 0), in one pass over the saved bool mask (no float copy of
    it). Linear in grad with a constant mask, so it is its own adjoint (double backward)."""

    @staticmethod
    def forward(ctx, grad, mask):
        ctx.mask = mask
        xp, g = grad.xp, grad.array
        if g.ndim == 0:
            return g * mask
        out = xp.empty_like(g)
        grad.backend.parallel_for(lambda s: xp.multiply(g[s], mask[s], out=out[s]),
                                  g.shape[0], g.size)
        return out

    @staticmethod
    def backward(ctx, gg):
        return ReLUMask.apply(gg, ctx.mask), None


class LeakyReLU(Function):
    """x where x > 0, else slope * x. For the usual slopes, 0 < slope <= 1, that is
    max(x, slope * x) and its gradient factor max(x > 0, slope): NumPy's ``where`` over a
    random mask is a branchy loop ~10x slower than these vectorised max passes."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        xp, a = x.xp, x.array
        slope = a.dtype.type(negative_slope)
        if 0 < negative_slope <= 1:
            # both passes write one fresh array (each fresh 4 MB array costs about a pass)
            out = xp.multiply(a, slope, out=xp.empty_like(a))
            return xp.maximum(a, out, out=out)
        return xp.where(a > 0, a, a * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if is_grad_enabled() or not 0 < ctx.slope <= 1:  # the tensor-op form
            return where(x > 0, grad, grad * ctx.slope), None
        xp = grad.xp
        factor = xp.empty_like(grad.array)  # one fresh array, the passes below in place
        xp.greater(x.array, 0, out=factor)  # 1.0 where x > 0, else 0.0
        xp.clip(factor, ctx.slope, 1.0, out=factor)  # 1 there, else slope (clip: ~2x max)
        factor *= grad.array
        return Tensor._make(factor, x.device), None


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(_float_input(x, "tanh"))


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(_float_input(x, "sigmoid"))


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(x, negative_slope)

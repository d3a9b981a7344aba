"""cross_entropy: log-softmax, negative log-likelihood and label smoothing as one op, because
it ends almost every classifier's step.

Both kinds of target define one coefficient array ``a`` shaped like the scores x, so that

    loss_i = -sum_c a[i, c] * log_softmax(x)[i, c]
    d loss_i / d x[i] = softmax(x)[i] * sum_c a[i, c] - a[i]

Three ops, one per kind of target, each with its forward and backward together:

- ``CrossEntropyIndices``: class indices, the usual case. ``a`` is a one-hot plus a
  per-class smoothing term and is never made dense: each target's entry is taken by its
  flat position.
- ``CrossEntropyProbabilities``: class probabilities. ``a`` is the (smoothed, weighted)
  target itself.
- ``CrossEntropyKernel``: the plain class-index case, as the GPU backend's two hand-written
  kernels (``minigrad/cuda_kernels.py``); ``CrossEntropyIndices`` stays its definition.

The first-order backward reuses the softmax saved by forward. Under ``create_graph=True`` it
is rebuilt from tensor ops instead, so that double backward works.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..errors import ArgumentError
from ..tensor import Tensor
from .loss import (_check_targets_in_range, _check_weight, _class_inputs, _class_shape,
                   _grad_scale, _index_coefficients, _legacy, _raise_out_of_range, _reduce,
                   _reduce_array, _target_grad, _target_positions, check_reduction)
from .softmax import LogSoftmax, Softmax


def _shifted_exp(x: Tensor) -> tuple:
    """x minus each row's maximum (so that exp cannot overflow), its exp, and the exp's sum
    over the classes: log_softmax = shifted - log(total), softmax = e / total."""
    shifted = x.array - x.array.max(axis=1, keepdims=True)
    e = x.xp.exp(shifted)
    return shifted, e, e.sum(axis=1, keepdims=True)


def _graph_input_grad(x: Tensor, a: Tensor, g: Tensor) -> Tensor:
    """(softmax(x) sum_c a - a) g, as tensor ops that can be differentiated again."""
    return (Softmax.apply(x, 1) * a.sum(dim=1, keepdim=True) - a) * g


def _index_graph_backward(ctx: Any, grad: Tensor, x: Tensor, target: Tensor) -> Tensor:
    """The input gradient for class indices under create_graph=True, from a dense ``a``."""
    g = _grad_scale(grad, ctx.reduction, ctx.denom, lambda: target.array != ctx.ignore_index)
    a = _index_coefficients(x, target.array, ctx.weight, ctx.ignore_index, ctx.smoothing)[0]
    return _graph_input_grad(x, Tensor._make(a, x.device), g)


class CrossEntropyIndices(Function):
    """Class-index targets t. With w the class weights (or ones), a[i] = alpha_i onehot(t_i)
    + beta_i w, where alpha_i = w[t_i] (1 - smoothing) and beta_i = smoothing / C (both 0 for
    an ignored target). So loss_i = -alpha_i logp[i, t_i] - beta_i sum_c w_c logp[i, c], and
    that class sum is sum_c w_c shifted[i, c] - sum(w) log(total_i): no one-hot is made."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction):
        xp, n_classes = x.xp, x.shape[1]
        shifted, e, total = _shifted_exp(x)
        t = target.array
        valid = t != ignore_index
        safe = xp.where(valid, t, 0)
        index = _target_positions(x.shape, safe, xp)
        log_total = xp.log(total[:, 0])
        kept = valid.astype(x.dtype) if weight is None else weight[safe] * valid
        alpha = kept * (1.0 - smoothing) if smoothing else kept
        per_sample = -alpha * (xp.take(shifted, index) - log_total)
        beta = None
        if smoothing:
            beta = valid.astype(x.dtype) * (smoothing / n_classes)
            if weight is None:
                class_sum = shifted.sum(axis=1) - n_classes * log_total
            else:
                class_sum = xp.einsum("nc...,c->n...", shifted, weight) - weight.sum() * log_total
            per_sample -= beta * class_sum
        e /= total  # the softmax, for backward
        ctx.save_for_backward(x, target)
        ctx.softmax, ctx.picked, ctx.denom = e, (index, alpha, beta), kept.sum()
        ctx.weight, ctx.ignore_index, ctx.smoothing, ctx.reduction = \
            weight, ignore_index, smoothing, reduction
        # where(): an ignored target's 0 * (-inf) score is 0, not NaN
        return _reduce_array(xp, xp.where(valid, per_sample, 0), reduction, ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True
            return _index_graph_backward(ctx, grad, x, target), None, None, None, None, None
        # softmax * sum_c a - a, with a never dense ([:, None]: the class axis)
        index, alpha, beta = ctx.picked
        g = _target_grad(grad, ctx.reduction, ctx.denom, lambda: target.array != ctx.ignore_index)
        ga = alpha * g
        if beta is None:
            gx = ctx.softmax * ga[:, None]
        else:  # sum_c a[i, c] = alpha_i + beta_i sum(w); then minus the beta_i w_c part
            w = ctx.weight
            bg = beta * g
            w_sum = x.shape[1] if w is None else w.sum()
            gx = ctx.softmax * (ga + bg * w_sum)[:, None]
            bg = bg[:, None]
            gx -= bg if w is None else bg * w.reshape(_class_shape(x.ndim, x.shape[1]))
        gx.reshape(-1)[index] -= ga  # (the positions are distinct)
        return Tensor._make(gx, x.device), None, None, None, None, None


class CrossEntropyProbabilities(Function):
    """Class-probability targets: a = the target smoothed toward 1/C, times the class weights.
    -sum_c a logp = sum(a) log(total) - sum_c a shifted, so the loss needs no logp array.
    The target is differentiable: d loss_i / d target[i, c] = -(1 - smoothing) w_c logp[i, c]."""

    @staticmethod
    def forward(ctx, x, target, weight, smoothing, reduction):
        xp = x.xp
        shifted, e, total = _shifted_exp(x)
        log_total = xp.log(total)
        a, denom = _probability_coefficients(x, target.array, weight, smoothing)
        a_sum = a.sum(axis=1, keepdims=True)
        per_sample = (a_sum * log_total)[:, 0] - xp.einsum("nc...,nc...->n...", a, shifted)
        ctx.save_for_backward(x, target)
        # Keep only what the first-order backward will read.
        if ctx.needs_input_grad[0]:
            e /= total
        ctx.softmax = e if ctx.needs_input_grad[0] else None
        ctx.logp = shifted - log_total if ctx.needs_input_grad[1] else None
        ctx.a, ctx.a_sum, ctx.denom = a, a_sum, denom
        ctx.weight, ctx.smoothing, ctx.reduction = weight, smoothing, reduction
        return _reduce_array(xp, per_sample, reduction, denom)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        gx = gt = None
        if is_grad_enabled():  # create_graph=True: the same formulas as tensor ops
            g = _grad_scale(grad, ctx.reduction, ctx.denom)
            if target.requires_grad:
                a = _probability_coefficients_tensor(target, ctx.weight, ctx.smoothing)
            else:
                a = Tensor._make(ctx.a, x.device)
            if ctx.needs_input_grad[0]:
                gx = _graph_input_grad(x, a, g)
            if ctx.needs_input_grad[1]:
                gt = LogSoftmax.apply(x, 1) * g * Tensor._make(_target_factor(ctx, x), x.device)
            return gx, gt, None, None, None
        g = _grad_scale_array(grad.array, ctx.reduction, ctx.denom, grad.xp)
        if ctx.needs_input_grad[0]:  # (softmax sum_c a - a) g
            gx = ctx.softmax * (ctx.a_sum * g)
            gx -= ctx.a * g
            gx = Tensor._make(gx, x.device)
        if ctx.needs_input_grad[1]:
            gt = Tensor._make(ctx.logp * g * _target_factor(ctx, x), x.device)
        return gx, gt, None, None, None


class CrossEntropyKernel(Function):
    """Class indices on (N, C) scores with no weights or smoothing, reduced by a mean or a sum:
    the backend's fused kernels compute CrossEntropyIndices's lines in one pass each (forward
    also checks the targets' range)."""

    @staticmethod
    def forward(ctx, x, target, ignore_index, reduction):
        forward_kernel = x.backend.kernel("cross_entropy_forward")
        softmax, per_sample, kept, bad = forward_kernel(x.array, target.array, ignore_index)
        if bool(bad.any()):
            _raise_out_of_range(target, bad, x.shape[1], ignore_index, "cross_entropy")
        ctx.save_for_backward(x, target)
        ctx.softmax, ctx.denom = softmax, kept.sum()
        ctx.weight, ctx.ignore_index, ctx.smoothing, ctx.reduction = \
            None, ignore_index, 0.0, reduction
        total = per_sample.sum()
        return total / ctx.denom if reduction == "mean" else total  # 0/0 is NaN, as torch

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True
            return _index_graph_backward(ctx, grad, x, target), None, None, None
        scale = grad.array / ctx.denom if ctx.reduction == "mean" else grad.array
        backward_kernel = grad.backend.kernel("cross_entropy_backward")
        gx = backward_kernel(ctx.softmax, target.array, scale, ctx.ignore_index)
        return Tensor._make(gx, x.device), None, None, None


# --- coefficients of class-probability targets ----------------------------------------------
def _probability_coefficients(x: Tensor, target: Any, weight: Any, smoothing: float) -> tuple:
    """``a`` for class-probability targets; 'mean' divides by the number of samples."""
    xp, shape = x.xp, x.shape
    n_classes = shape[1]
    a = target
    if smoothing:
        a = a * (1.0 - smoothing) + smoothing / n_classes
    if weight is not None:
        a = a * weight.reshape(_class_shape(len(shape), n_classes))
    return a, xp.asarray(x.array.size // n_classes, dtype=x.dtype)


def _probability_coefficients_tensor(target: Tensor, weight: Any, smoothing: float) -> Tensor:
    """``_probability_coefficients`` as tensor ops of ``target`` (for double backward)."""
    n_classes = target.shape[1]
    a = target * (1.0 - smoothing) + smoothing / n_classes if smoothing else target
    if weight is not None:
        a = a * Tensor._make(weight.reshape(_class_shape(target.ndim, n_classes)), target.device)
    return a


def _target_factor(ctx: Any, x: Tensor) -> Any:
    """d loss / d target = -(1 - smoothing) * weight_c * log_softmax(x): the constant part."""
    factor = -(1.0 - ctx.smoothing)
    if ctx.weight is None:
        return x.xp.asarray(factor, dtype=x.dtype)
    return ctx.weight.reshape(_class_shape(x.ndim, x.shape[1])) * factor


def _grad_scale_array(g: Any, reduction: str, denom: Any, xp: Any) -> Any:
    """``_grad_scale`` on raw arrays (class probabilities: no target is ever ignored)."""
    if reduction == "none":
        return xp.expand_dims(g, 1)
    if reduction == "mean":
        return g / denom
    return g


def _uses_kernel(x: Tensor, weight: Any, smoothing: float, reduction: str) -> bool:
    """Whether CrossEntropyKernel covers this call: the backend has the kernels (CUDA) and
    the call is the plain case they implement."""
    if weight is not None or smoothing or x.ndim != 2 or reduction == "none":
        return False
    return x.backend.kernel("cross_entropy_forward") is not None


# --- the public functional form -----------------------------------------------------------------
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Classification loss on raw scores: stable log-softmax and NLL in one op.

    ``target`` holds class indices (integer, shape (N, d1, ...)) or class
    probabilities (floating, the input's shape).
    """
    op = "cross_entropy"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    smoothing = float(label_smoothing)
    if not 0.0 <= smoothing <= 1.0:
        raise ArgumentError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {smoothing}")
    x, t, unbatched, probabilities = _class_inputs(input, target, op, allow_probabilities=True)
    if probabilities:
        if isinstance(weight, Tensor) and weight.requires_grad and is_grad_enabled():
            w = _check_weight(weight, x, op, differentiable=True)
            out = _soft_cross_entropy_ops(x, t, w, smoothing, reduction)
        else:
            w = _check_weight(weight, x, op)
            out = CrossEntropyProbabilities.apply(x, t, w, smoothing, reduction)
    else:
        w = _check_weight(weight, x, op)
        if _uses_kernel(x, w, smoothing, reduction):
            out = CrossEntropyKernel.apply(x, t, int(ignore_index), reduction)
        else:
            _check_targets_in_range(t, x.shape[1], ignore_index, op)
            out = CrossEntropyIndices.apply(x, t, w, int(ignore_index), smoothing, reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out


def _soft_cross_entropy_ops(x: Tensor, target: Tensor, weight: Tensor, smoothing: float,
                            reduction: str) -> Tensor:
    """Class-probability cross entropy as tensor ops, for class weights that need a gradient:
    PyTorch differentiates the weights on this path (for class indices it refuses, as here).
    loss_i = -sum_c w_c a_ic logp_ic, a the (smoothed) target; 'mean' averages over samples."""
    n_classes = x.shape[1]
    a = target * (1.0 - smoothing) + smoothing / n_classes if smoothing else target
    w = weight.to(x.dtype).reshape(_class_shape(x.ndim, n_classes))
    per_sample = -(LogSoftmax.apply(x, 1) * a * w).sum(dim=1)
    return _reduce(per_sample, reduction)

"""Margin and ranking losses: margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss, cosine_embedding_loss,
triplet_margin_loss, triplet_margin_with_distance_loss.

Most are compositions of differentiable tensor ops, so double backward comes for free; the
soft margin is one op over the whole input (the composition made a pass and an array per op),
with a plain-array first-order backward and its tensor-op formula under create_graph.
The hinge max(0, z) is written two ways to keep PyTorch's gradient at the kink z = 0:
``clamp(z, min=0)`` passes the gradient there (PyTorch's clamp_min, used by the ranking,
hinge-embedding, cosine-embedding and triplet losses) and ``where(z > 0, z, 0)`` does not
(the ``z > 0`` test of PyTorch's multi-margin and multilabel-margin kernels).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation import logsigmoid, softplus
from .broadcast import broadcast_shapes
from .comparison import clamp, minimum, where
from .distance import pairwise_distance
from .loss import (BCEWithLogits, _legacy, _log1p_unit, _pointwise_grad_scale, _reduce,
                   _reduce_pointwise, check_reduction)


# --- argument checks ------------------------------------------------------------------------
def _float_input(x: Any, name: str, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating-point {name}, got {x.dtype}")
    return x


def _as_input_dtype(t: Any, x: Tensor, name: str, op: str) -> Tensor:
    """A +-1 (or real) target in the input's dtype: int targets are fine, as in PyTorch."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    if t.device != x.device:
        raise RuntimeError(f"{op}: {name} is on {t.device} but the input is on {x.device}")
    if t.dtype == dtypes.bool:
        raise TypeError(f"{op}: a bool {name} is not supported; use +1/-1 values of {x.dtype}")
    return t if t.dtype == x.dtype else t.to(x.dtype)


def _broadcast(op: str, **named: Any) -> tuple:
    """The broadcast shape of the named tensors (or shapes), or PyTorch's RuntimeError naming
    the loss and every shape."""
    shapes = {k: tuple(v.shape) if isinstance(v, Tensor) else tuple(v) for k, v in named.items()}
    try:
        return broadcast_shapes(op, *shapes.values())
    except ValueError:
        shapes = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise RuntimeError(f"{op}: the shapes of {shapes} cannot be broadcast together") from None


def _class_target(target: Any, x: Tensor, op: str) -> Tensor:
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}: expected target to be a Tensor, got {type(target).__name__}")
    if target.device != x.device:
        raise RuntimeError(f"{op}: target is on {target.device} but the input is on {x.device}")
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected integer (int64) class indices as target, got "
                           f"{target.dtype}")
    return target if target.dtype == dtypes.int64 else target.to(dtypes.int64)


def _vector_or_matrix(x: Tensor, op: str) -> tuple[int, int]:
    """(batch, classes) of a (C,), (N, C) or 0-d input, as PyTorch's multi*-margin kernels."""
    if x.ndim > 2 or (x.ndim >= 1 and x.shape[-1] == 0):
        raise RuntimeError(f"{op}: expected a non-empty vector (C,) or matrix (N, C) input, got "
                           f"shape {tuple(x.shape)}")
    return (x.shape[0] if x.ndim == 2 else 1), (x.shape[-1] if x.ndim else 1)


def _positive_part(z: Tensor) -> Tensor:
    """max(z, 0) with no gradient at z = 0 (PyTorch's ``z > 0`` in the margin kernels)."""
    return where(z > 0, z, 0.0)


def _constant_weight(weight: Any, x: Tensor, size: int, op: str) -> Tensor:
    """Class weights as a constant of the input's dtype (PyTorch gives them no gradient)."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a Tensor or None, got {type(weight).__name__}")
    if weight.ndim != 1:
        raise ValueError(f"{op}: weight must be one-dimensional, got shape "
                         f"{tuple(weight.shape)}")
    if weight.shape[0] != size:
        raise RuntimeError(f"{op}: inconsistent weight size, expected {size} but got "
                           f"{tuple(weight.shape)}")
    if weight.device != x.device:
        raise RuntimeError(f"{op}: weight is on {weight.device} but the input is on {x.device}")
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: the derivative for 'weight' is not implemented; pass "
                           "weight.detach()")
    return weight.detach().to(x.dtype)


# --- pairwise and pointwise margins -----------------------------------------------------------
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor,
                        margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin): learn an order (y = 1: x1 should rank higher)."""
    op = "margin_ranking_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input1, "input1", op)
    _float_input(input2, "input2", op)
    target = _as_input_dtype(target, input1, "target", op)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"{op}: all input tensors should have the same dimension but got "
                           f"sizes: input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)}, "
                           f"target {tuple(target.shape)}")
    _broadcast(op, input1=input1, input2=input2, target=target)
    return _reduce(clamp(-target * (input1 - input2) + float(margin), min=0.0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1: pull similar pairs' distances ``x`` to 0
    and push dissimilar ones past ``margin``. Other target values get both terms, as PyTorch."""
    op = "hinge_embedding_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input, "input", op)
    target = _as_input_dtype(target, input, "target", op)
    _broadcast(op, input=input, target=target)
    push = where(target != 1, clamp(float(margin) - input, min=0.0), 0.0)
    return _reduce(push + where(target != -1, input, 0.0), reduction)


class SoftMargin(Function):
    """softplus(-s) for s = y x, reduced: -min(s, 0) + log1p(e^-|s|), finite for any s;
    d/dx = -y sigmoid(-s), d/dy = -x sigmoid(-s), that sigmoid from the kept e^-|s|."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        xp = x.xp
        s = x.array * y.array
        e = xp.exp(-xp.abs(s))
        loss = _log1p_unit(e, xp)
        loss -= xp.clip(s, -math.inf, 0)  # min(s, 0) by clip: 2x faster than NumPy's minimum
        ctx.s, ctx.e, ctx.reduction = s, e, reduction
        ctx.save_for_backward(x, y)
        return _reduce_pointwise(xp, loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        from .activation_basic import sigmoid
        x, y = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formula as tensor ops
            g = -sigmoid(-(x * y)) * _pointwise_grad_scale(grad, ctx.reduction, x.numel())
            return y * g, x * g, None
        xp, e = x.xp, ctx.e
        g = xp.maximum(e, ctx.s < 0)  # sigmoid(-s): e / (1 + e) for s >= 0, else 1 / (1 + e)
        g /= 1 + e
        g *= -_pointwise_grad_scale(grad.array, ctx.reduction, e.size)
        gx = Tensor._make(y.array * g, x.device) if ctx.needs_input_grad[0] else None
        gy = Tensor._make(x.array * g, x.device) if ctx.needs_input_grad[1] else None
        return gx, gy, None


def soft_margin_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                     reduce: Any = None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)): a smooth two-class hinge for y in {-1, 1}. Computed as softplus,
    finite where PyTorch's log1p(exp(.)) overflows to inf."""
    op = "soft_margin_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input, "input", op)
    target = _as_input_dtype(target, input, "target", op)
    if _broadcast(op, input=input, target=target) != tuple(input.shape):  # as PyTorch
        raise RuntimeError(f"{op}: target of shape {tuple(target.shape)} would broadcast the "
                           f"input of shape {tuple(input.shape)} to a larger loss")
    if input.shape == target.shape:  # no broadcasting to undo in backward: one op
        return SoftMargin.apply(input, target, reduction)
    return _reduce(softplus(-input * target, threshold=float("inf")), reduction)


# --- multi-class margins ----------------------------------------------------------------------
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1,  # noqa: A002
                      margin: float = 1.0, weight: Tensor | None = None,
                      size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Tensor:
    """sum_{j != y} max(0, margin - x_y + x_j)^p / C: the multi-class SVM (Weston-Watkins)
    hinge; ``weight[y]`` rescales each sample's terms."""
    op = "multi_margin_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p!r}")
    _float_input(input, "input", op)
    target = _class_target(target, input, op)
    n, c = _vector_or_matrix(input, op)
    if target.ndim > 1 or target.numel() != n:
        raise RuntimeError(f"{op}: target should be 1-D with one class index per sample; "
                           f"expected {n} targets for input of shape {tuple(input.shape)}, got "
                           f"target of shape {tuple(target.shape)}")
    t = target.reshape(n, 1)
    _check_class_range(t, c, 0, op)
    x = input.reshape(n, c)
    z = _positive_part(x - x.gather(1, t) + float(margin))
    if p == 2:
        z = z * z
    others = Tensor._make(x.xp.arange(c).reshape(1, c) != t.array, x.device)
    h = where(others, z, 0.0)
    if weight is not None:
        h = h * _constant_weight(weight, x, c, op)[t.reshape(n)].reshape(n, 1)
    return _reduce((h.sum(dim=1) / c).reshape(target.shape), reduction)


def _check_class_range(t: Tensor, c: int, low: int, op: str) -> None:
    a = t.array
    if a.size and bool(((a < low) | (a >= c)).any()):
        bad = int(t.backend.to_numpy(a[(a < low) | (a >= c)])[0])
        raise RuntimeError(f"{op}: target {bad} is out of range for {c} classes (valid: "
                           f"{low}..{c - 1})")


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """sum_{j in y} sum_{k not in y} max(0, 1 - (x_j - x_k)) / C: every target class should
    beat every other class by 1. ``target`` lists class indices, ended by the first -1."""
    op = "multilabel_margin_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input, "input", op)
    target = _class_target(target, input, op)
    n, c = _vector_or_matrix(input, op)
    if not ((target.ndim <= 1 and target.numel() == c) if input.ndim <= 1
            else tuple(target.shape) == tuple(input.shape)):
        raise RuntimeError(f"{op}: inconsistent target size: {tuple(target.shape)} for input of "
                           f"size {tuple(input.shape)} (expected the input's shape)")
    t = target.reshape(n, c)
    _check_class_range(t, c, -1, op)
    xp, a = t.xp, t.array
    listed = xp.cumsum(a == -1, axis=1) == 0                    # entries before the first -1
    onehot = (a[:, :, None] == xp.arange(c)) & listed[:, :, None]  # (N, entry, class)
    count = onehot.sum(axis=1).astype(input.dtype)              # duplicates count twice
    others = (count == 0).astype(input.dtype)
    pairs = Tensor._make(count[:, :, None] * others[:, None, :], input.device)
    x = input.reshape(n, c)
    z = _positive_part(1.0 - x.unsqueeze(2) + x.unsqueeze(1))  # z[n, j, k] = 1 - x_j + x_k
    loss = (z * pairs).sum(dim=(1, 2)) / c
    return _reduce(loss.reshape(input.shape[:-1]), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                                weight: Tensor | None = None, size_average: Any = None,
                                reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Per-class logistic loss averaged over the classes (the last dimension): independent
    yes/no decisions for each label, with optional per-class ``weight``."""
    op = "multilabel_soft_margin_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input, "input", op)
    if input.ndim == 0:
        raise RuntimeError(f"{op}: expected an input with a class dimension (C,) or (N, C), "
                           "got a 0-d tensor")
    target = _as_input_dtype(target, input, "target", op)
    named = {"input": input, "target": target}
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"{op}: weight must be a Tensor or None, got {type(weight).__name__}")
        named["weight"] = weight
    shape = _broadcast(op, **named)
    if weight is not None:
        weight = weight.to(input.dtype)
    if shape == input.shape == target.shape and \
            (weight is None or not (weight.requires_grad and is_grad_enabled())):
        # the same per-class loss as binary_cross_entropy_with_logits: its single op
        loss = BCEWithLogits.apply(input, target, weight, None, "none")
    else:
        loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
        if weight is not None:
            loss = loss * weight
    return _reduce(loss.sum(dim=-1) / input.shape[-1], reduction)


# --- embeddings -------------------------------------------------------------------------------
class CosineEmbedding(Function):
    """The cosine embedding loss over the last axis from three row sums (<x1, x2>, |x1|^2,
    |x2|^2) with no product arrays; d/dx1 = c g (x2 / den - cos x1 / (|x1|^2 + 1e-12)) (and
    symmetrically for x2), c = d loss / d cos: -1 where y = 1, 1 where y = -1 and
    cos >= margin (PyTorch's clamp_min passes the gradient at the kink), else 0."""

    @staticmethod
    def forward(ctx, x1, x2, y, margin, reduction):
        xp, a, b, t = x1.xp, x1.array, x2.array, y.array
        dot = xp.einsum("...d,...d->...", a, b)
        sq1 = xp.einsum("...d,...d->...", a, a) + 1e-12
        sq2 = xp.einsum("...d,...d->...", b, b) + 1e-12
        den = xp.sqrt(sq1 * sq2)
        cos = dot / den
        hinge = cos - margin
        loss = xp.where(t == 1, 1 - cos, 0) + xp.where(t == -1, xp.maximum(hinge, 0), 0)
        c = (t == -1) & (hinge >= 0)
        ctx.c = c.astype(a.dtype) - (t == 1)
        ctx.sums, ctx.reduction = (sq1, sq2, den, cos), reduction
        ctx.save_for_backward(x1, x2)
        return _reduce_pointwise(xp, loss.astype(a.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x1, x2 = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formula as tensor ops
            sq1 = (x1 * x1).sum(dim=-1) + 1e-12
            sq2 = (x2 * x2).sum(dim=-1) + 1e-12
            den = (sq1 * sq2).sqrt()
            cos = (x1 * x2).sum(dim=-1) / den
            cg = Tensor._make(ctx.c, x1.device) * \
                _pointwise_grad_scale(grad, ctx.reduction, ctx.c.size)
            gx1 = (cg / den).unsqueeze(-1) * x2 - (cg * cos / sq1).unsqueeze(-1) * x1
            gx2 = (cg / den).unsqueeze(-1) * x1 - (cg * cos / sq2).unsqueeze(-1) * x2
            return gx1, gx2, None, None, None
        sq1, sq2, den, cos = ctx.sums
        a, b = x1.array, x2.array
        cg = ctx.c * _pointwise_grad_scale(grad.array, ctx.reduction, ctx.c.size)
        along = (cg / den)[..., None]  # the factor of the other input
        gx1 = gx2 = None
        if ctx.needs_input_grad[0]:
            gx1 = b * along
            gx1 -= a * (cg * cos / sq1)[..., None]
            gx1 = Tensor._make(gx1, x1.device)
        if ctx.needs_input_grad[1]:
            gx2 = a * along
            gx2 -= b * (cg * cos / sq2)[..., None]
            gx2 = Tensor._make(gx2, x1.device)
        return gx1, gx2, None, None, None


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1: similar pairs
    align, dissimilar ones are pushed below ``margin``. The cosine is PyTorch's:
    <x1, x2> / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))."""
    op = "cosine_embedding_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _float_input(input1, "input1", op)
    _float_input(input2, "input2", op)
    target = _as_input_dtype(target, input1, "target", op)
    if target.ndim > 1:
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported "
                           f"(got target of shape {tuple(target.shape)})")
    if input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise RuntimeError(f"{op}: {target.ndim}D target tensor expects {target.ndim + 1}D input "
                           f"tensors, but found inputs with sizes {tuple(input1.shape)} and "
                           f"{tuple(input2.shape)}")
    d = target.ndim
    _broadcast(op, inputs=_broadcast(op, input1=input1, input2=input2)[:d], target=target)
    if input1.shape == input2.shape and input1.shape[:d] == target.shape and \
            input1.dtype == input2.dtype:  # nothing broadcast: one op
        return CosineEmbedding.apply(input1, input2, target, float(margin), reduction)
    squares = ((input1 * input1).sum(dim=d) + 1e-12) * ((input2 * input2).sum(dim=d) + 1e-12)
    cos = (input1 * input2).sum(dim=d) / squares.sqrt()
    loss = where(target == 1, 1.0 - cos, 0.0) + \
        where(target == -1, clamp(cos - float(margin), min=0.0), 0.0)
    return _reduce(loss, reduction)


def _triplet_dims(anchor: Any, positive: Any, negative: Any, op: str) -> None:
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {anchor.ndim}D, "
                           f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")


def _check_margin(margin: Any, op: str) -> float:
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
        raise TypeError(f"{op}: margin must be a number, got {margin!r}")
    if not margin > 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    return float(margin)


def _triplet(dist: Callable, anchor: Tensor, positive: Tensor, negative: Tensor,
             margin: float, swap: bool, reduction: str) -> Tensor:
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:  # Balntas et al.: use the positive's distance to the negative if it is smaller
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce(clamp(d_pos - d_neg + margin, min=0.0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm pairwise distance: embed an anchor
    nearer its positive than its negative (FaceNet)."""
    op = "triplet_margin_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    margin = _check_margin(margin, op)
    _triplet_dims(anchor, positive, negative, op)

    def dist(a: Tensor, b: Tensor) -> Tensor:
        return pairwise_distance(a, b, p, eps)

    return _triplet(dist, anchor, positive, negative, margin, bool(swap), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """The triplet loss with any distance (default: pairwise_distance), e.g. 1 - cosine."""
    op = "triplet_margin_with_distance_loss"
    check_reduction(reduction, op)
    margin = _check_margin(margin, op)
    _triplet_dims(anchor, positive, negative, op)
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{op}: distance_function must be callable, got "
                        f"{type(distance_function).__name__}")
    dist = pairwise_distance if distance_function is None else distance_function
    return _triplet(dist, anchor, positive, negative, margin, bool(swap), reduction)

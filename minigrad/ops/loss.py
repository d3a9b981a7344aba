"""Loss functions: nll_loss, mse_loss, binary_cross_entropy(_with_logits), l1/smooth_l1/huber,
kl_div, and the target and reduction helpers that cross_entropy (ops/cross_entropy.py) shares.

``nll_loss`` is linear in its input: -w[t] x[i, t], its targets taken by flat position as in
cross_entropy. The pointwise losses (MSE, BCE with logits, Huber) are single ops with two
backwards: one on arrays for the first order, and one of tensor ops under
``create_graph=True`` so that double backward works. The rest are compositions of tensor ops.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..errors import ArgumentError, DtypeError, InvalidIndexError, ShapeError
from ..tensor import Tensor
from .activation import softplus

_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str, op: str) -> None:
    """Refuse a misspelt reduction up front instead of silently picking one."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction={reduction!r} is not valid; use 'none', 'mean' or 'sum'")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# --- class coefficients (arrays) ------------------------------------------------------------
def _class_shape(ndim: int, n_classes: int) -> tuple:
    """Shape that broadcasts a per-class vector along axis 1 of an (N, C, d1, ...) array."""
    return (1, n_classes) + (1,) * (ndim - 2)


def _index_coefficients(x: Tensor, target: Any, weight: Any, ignore_index: int,
                        smoothing: float) -> tuple:
    """``a`` for integer targets, and the 'mean' denominator: the summed weight of kept targets."""
    xp, dtype, shape = x.xp, x.dtype, x.shape
    n_classes = shape[1]
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    classes = xp.arange(n_classes).reshape(_class_shape(len(shape), n_classes))
    onehot = xp.expand_dims(safe, 1) == classes
    if weight is None:
        kept = valid.astype(dtype)
        a = (onehot & xp.expand_dims(valid, 1)).astype(dtype)
        if smoothing:
            a = a * (1.0 - smoothing) + xp.expand_dims(kept, 1) * (smoothing / n_classes)
        return a, kept.sum(dtype=dtype)
    kept = weight[safe] * valid.astype(dtype)
    a = onehot.astype(dtype) * xp.expand_dims(kept, 1)
    if smoothing:
        w = weight.reshape(_class_shape(len(shape), n_classes))
        a = a * (1.0 - smoothing) + xp.expand_dims(valid.astype(dtype), 1) * w * \
            (smoothing / n_classes)
    return a, kept.sum(dtype=dtype)


def _reduce_array(xp: Any, per_sample: Any, reduction: str, denom: Any) -> Any:
    if reduction == "none":
        return per_sample
    # Full reductions give NumPy scalars; asarray keeps the result a (0-d) array of the device.
    # 'mean' with every target ignored is 0/0 = NaN, as in PyTorch (ops run with NumPy's float
    # warnings off, in forward and backward alike).
    total = xp.asarray(per_sample.sum(), dtype=per_sample.dtype)
    if reduction == "sum":
        return total
    return xp.asarray(total / denom, dtype=per_sample.dtype)


def _grad_scale(grad: Tensor, reduction: str, denom: Any, valid: Any = None) -> Tensor:
    """The incoming gradient shaped to broadcast over (N, C, d1, ...); ``valid()`` as in
    ``_target_grad``."""
    if reduction == "none":
        return grad.unsqueeze(1)
    if reduction == "mean":
        if valid is not None and not denom:
            d = _zero_denominator(denom, valid(), grad.xp)
            return grad / Tensor._make(grad.xp.expand_dims(d, 1), grad.device)
        return grad / Tensor._make(denom, grad.device)
    return grad


def _target_grad(grad: Tensor, reduction: str, denom: Any, valid: Any) -> Any:
    """The incoming gradient as an array per target ('none'), or its share per unit weight.
    ``valid()`` gives the kept-target mask; it is read only when 'mean' divides by 0."""
    if reduction == "mean":
        if not denom:
            return grad.array / _zero_denominator(denom, valid(), grad.xp)
        return grad.array / denom
    return grad.array


def _zero_denominator(denom: Any, valid: Any, xp: Any) -> Any:
    """'mean' over a zero total weight: the loss is 0/0 = NaN, as in PyTorch, but an ignored
    target still gets a zero gradient (as in PyTorch): divide its share by inf instead of 0,
    so 0 * (g / inf) is 0 where 0 * (g / 0) would be NaN. Kept targets of weight 0 stay NaN."""
    return xp.where(valid, denom, xp.asarray(math.inf, dtype=denom.dtype))


def _target_positions(shape: tuple, classes: Any, xp: Any) -> Any:
    """Flat positions, in a C-ordered (N, C, d1, ...) array, of each target's entry: its class
    on axis 1 and its own place on the others. No one-hot is made, and one flat take/put is
    several times faster than indexing with an index array per axis."""
    n, rest = shape[0], math.prod(shape[2:])
    if classes.ndim == 1:  # (N, C) scores: the common case, in one pass
        return xp.arange(0, n * shape[1], shape[1]) + classes
    flat = classes.reshape(n, rest) * rest
    flat += xp.arange(n).reshape(n, 1) * (shape[1] * rest) + xp.arange(rest)
    return flat.reshape(classes.shape)


class NLLLoss(Function):
    """-w[t] x[i, t] for each target t (0 where ignored): linear in x, so backward puts
    -w[t] times the gradient at the same entries of a zero array."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp, t = x.xp, target.array
        valid = t != ignore_index
        safe = xp.where(valid, t, 0)
        index = _target_positions(x.shape, safe, xp)
        kept = valid.astype(x.dtype) if weight is None else weight[safe] * valid
        ctx.save_for_backward(x, target)
        ctx.index, ctx.kept, ctx.denom, ctx.reduction = index, kept, kept.sum(), reduction
        ctx.weight, ctx.ignore_index = weight, ignore_index
        # where(): an ignored target's 0 * (-inf) score is 0, not NaN
        per_sample = xp.where(valid, -kept * xp.take(x.array, index), 0)
        return _reduce_array(xp, per_sample, reduction, ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        if not is_grad_enabled():
            gx = x.xp.zeros(x.shape, dtype=x.dtype)
            g = _target_grad(grad, ctx.reduction, ctx.denom,
                             lambda: target.array != ctx.ignore_index)
            gx.reshape(-1)[ctx.index] = -ctx.kept * g
            return Tensor._make(gx, grad.device), None, None, None, None
        # create_graph=True: the dense coefficients times g, differentiable in ``grad``
        a = _index_coefficients(x, target.array, ctx.weight, ctx.ignore_index, 0.0)[0]
        g = _grad_scale(grad, ctx.reduction, ctx.denom, lambda: target.array != ctx.ignore_index)
        gx = -Tensor._make(a, grad.device) * g
        if ctx.reduction == "mean" and not ctx.denom:  # 0 * (g / 0) off the targets is 0, as
            from .comparison import where                # the first-order backward gives
            picked = x.xp.zeros(x.shape, dtype=bool)
            picked.reshape(-1)[ctx.index] = target.array != ctx.ignore_index
            gx = where(Tensor._make(picked, grad.device), gx, 0.0)
        return gx, None, None, None, None


# --- checking arguments ---------------------------------------------------------------------
def _check_weight(weight: Any, x: Tensor, op: str, differentiable: bool = False) -> Any:
    """The class weights as an array of the input's dtype (they are constants, as in PyTorch,
    except where ``differentiable``: then the checked Tensor itself comes back)."""
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a Tensor, got {type(weight).__name__}")
    if weight.device != x.device:
        raise RuntimeError(f"{op}: weight is on {weight.device} but the input is on {x.device}")
    if tuple(weight.shape) != (x.shape[1],):
        raise ShapeError(f"{op}: weight should be a 1-D tensor of {x.shape[1]} class weights "
                         f"(input of shape {tuple(x.shape)}), got shape {tuple(weight.shape)}")
    if differentiable:
        return weight
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: the derivative for 'weight' is not implemented; pass "
                           "weight.detach()")
    return weight.array.astype(x.dtype, copy=False)


def _class_inputs(x: Any, target: Any, op: str, allow_probabilities: bool) -> tuple:
    """Validate (input, target) and bring an unbatched (C,) input to (1, C).

    Returns (input, target, unbatched, probabilities).
    """
    if not isinstance(x, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{op}: expected input and target tensors, got {type(x).__name__} and "
                        f"{type(target).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise DtypeError(f"{op}: expected a floating-point input (scores), got {x.dtype}")
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have at least 1 dimension (classes), got a 0-d tensor")
    if x.device != target.device:
        raise RuntimeError(f"{op}: input is on {x.device} but target is on {target.device}")
    probabilities = dtypes.is_floating(target.dtype)
    if probabilities:
        if not allow_probabilities:
            raise DtypeError(f"{op}: expected integer class indices as target (int64), got "
                             f"{target.dtype}")
        if tuple(target.shape) != tuple(x.shape):
            raise ShapeError(f"{op}: class-probability target must have the input's shape "
                             f"{tuple(x.shape)}, got {tuple(target.shape)} (for class indices "
                             "use an integer target)")
        if target.dtype != x.dtype:
            target = target.to(x.dtype)
    elif target.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer class indices (int64) or class probabilities "
                        f"as target, got {target.dtype}")
    else:
        if target.dtype != dtypes.int64:
            target = target.to(dtypes.int64)
        expected = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
        if tuple(target.shape) != tuple(expected):
            raise ShapeError(f"{op}: expected target of shape {tuple(expected)} for input of shape "
                             f"{tuple(x.shape)} (N, C, ...), got target of shape "
                             f"{tuple(target.shape)}")
    unbatched = x.ndim == 1
    if unbatched:
        x, target = x.unsqueeze(0), target.unsqueeze(0)
    return x, target, unbatched, probabilities


def _check_targets_in_range(target: Tensor, n_classes: int, ignore_index: int, op: str) -> None:
    """Out-of-range class indices are an error (NumPy would wrap negatives silently)."""
    t = target.array
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bool(bad.any()):
        _raise_out_of_range(target, bad, n_classes, ignore_index, op)


def _raise_out_of_range(target: Tensor, bad: Any, n_classes: int, ignore_index: int,
                        op: str) -> None:
    value = int(target.backend.to_numpy(target.array[bad])[0])
    # PyTorch raises IndexError here; minigrad raised ValueError: InvalidIndexError is both
    raise InvalidIndexError(f"{op}: target {value} is out of bounds for {n_classes} classes "
                            f"(valid targets are 0..{n_classes - 1}, or "
                            f"ignore_index={ignore_index})")


def _legacy(size_average: Any, reduce: Any, op: str) -> None:
    if size_average is not None or reduce is not None:
        raise ValueError(f"{op}: size_average and reduce are deprecated in PyTorch and not "
                         "supported; use reduction='none'|'mean'|'sum'")


# --- public functional forms ---------------------------------------------------------------------
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (pair it with ``log_softmax``)."""
    op = "nll_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    x, t, unbatched, _ = _class_inputs(input, target, op, allow_probabilities=False)
    w = _check_weight(weight, x, op)
    _check_targets_in_range(t, x.shape[1], ignore_index, op)
    out = NLLLoss.apply(x, t, w, int(ignore_index), reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out


def _pointwise_inputs(input: Any, target: Any, op: str) -> None:
    """Same-shaped float tensors (broadcasting would silently change the loss, as in mse_loss)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{op}: expected input and target tensors, got {type(input).__name__} "
                        f"and {type(target).__name__}")
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if input.device != target.device:
        raise RuntimeError(f"{op}: input is on {input.device} but target is on {target.device}")
    if tuple(input.shape) != tuple(target.shape):
        raise ShapeError(f"{op}: target shape {tuple(target.shape)} differs from input shape "
                         f"{tuple(input.shape)}; broadcasting them would silently change the "
                         "loss, so reshape one to match")


def _numeric_target(target: Tensor, input: Tensor) -> Tensor:  # noqa: A002
    """An integer or bool target in the input's dtype, as PyTorch's promotion gives (the ops
    below subtract raw arrays, and NumPy makes float32 - int64 float64)."""
    return target if dtypes.is_floating(target.dtype) else target.to(input.dtype)


# --- pointwise losses as single ops ------------------------------------------------------------
# A loss written as a composition makes a pass over the whole input (and an array as large) per
# op, forward and backward; these ops compute the loss and both gradients in a few passes.
def _reduce_pointwise(xp: Any, loss: Any, reduction: str) -> Any:
    """A pointwise loss array reduced as asked ('mean' divides by the number of elements)."""
    if reduction == "none":
        return loss
    total = xp.asarray(loss.sum(), dtype=loss.dtype)  # a 0-d array of the device
    return total if reduction == "sum" else xp.asarray(total / loss.size, dtype=loss.dtype)


def _pointwise_grad_scale(grad: Any, reduction: str, size: int) -> Any:
    """The incoming gradient (array or Tensor) as the factor of each element's derivative."""
    return grad / size if reduction == "mean" else grad


def _log1p_unit(e: Any, xp: Any) -> Any:
    """log(1 + e) for e in [0, 1] to two ulps, 4x faster than NumPy's float32 ``log1p`` (a
    scalar loop): log(u) of the rounded u = 1 + e, corrected by that rounding, which
    (u - 1) - e gives exactly; log(1 + e) = log(u) - ((u - 1) - e) / u to first order.
    (asarray: a 0-d input's ``e + 1`` is a NumPy scalar, which ``out=`` cannot take.)"""
    u = xp.asarray(e + 1)
    rounding = u - 1
    rounding -= e
    rounding /= u
    out = xp.log(u, out=u)
    out -= rounding
    return out


class MSELoss(Function):
    """(x - y)^2 reduced; d/dx = 2 (x - y) = -d/dy."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x.array - y.array
        ctx.reduction = reduction
        ctx.save_for_backward(x, y)
        ctx.diff = diff
        return _reduce_pointwise(x.xp, diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formula as tensor ops
            gx = (x - y) * (_pointwise_grad_scale(grad, ctx.reduction, x.numel()) * 2)
            return gx, -gx, None
        gx = ctx.diff * (_pointwise_grad_scale(grad.array, ctx.reduction, ctx.diff.size) * 2)
        gy = -gx if ctx.needs_input_grad[1] else None
        return (Tensor._make(gx, x.device),
                None if gy is None else Tensor._make(gy, x.device), None)


class BCEWithLogits(Function):
    """w ((1 - y) x + k softplus(-x)) reduced, k = 1 + (p - 1) y (p: pos_weight, w: weight, both
    constants, 1 when absent), with softplus(-x) = max(-x, 0) + log1p(e^-|x|) (no overflow for
    any x); d/dx = w (k sigmoid(x) - p y) (k rounded as p y + 1 - y, PyTorch's order),
    d/dy = w ((p - 1) softplus(-x) - x). The forward keeps e^-|x| so that backward's sigmoid
    costs no second exponential."""

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight, reduction):
        xp, a, t = x.xp, x.array, y.array
        w = None if weight is None else weight.array
        p = None if pos_weight is None else pos_weight.array
        e = xp.exp(-xp.abs(a))
        loss = _log1p_unit(e, xp)
        loss -= xp.clip(a, -math.inf, 0)  # softplus(-x); min(x, 0) by clip: 2x faster in NumPy
        ctx.softplus = loss.copy() if p is not None and ctx.needs_input_grad[1] else None
        if p is not None:
            loss *= (p - 1) * t + 1
        loss += (1 - t) * a
        if w is not None:
            loss *= w
        ctx.reduction, ctx.e, ctx.w, ctx.p = reduction, e, w, p
        ctx.save_for_backward(x, y)
        return _reduce_pointwise(xp, loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        from .activation import softplus
        from .activation_basic import sigmoid
        x, y = ctx.saved_tensors
        w, p = ctx.w, ctx.p
        if is_grad_enabled():  # create_graph=True: the same formula as tensor ops
            g = _pointwise_grad_scale(grad, ctx.reduction, x.numel())
            if w is not None:
                g = g * Tensor._make(w, x.device)
            if p is None:
                return (sigmoid(x) - y) * g, -x * g, None, None, None
            pw = Tensor._make(p, x.device)
            gx = (pw * y + 1 - y) * sigmoid(x) - pw * y
            gy = (pw - 1) * softplus(-x, threshold=math.inf) - x
            return gx * g, gy * g, None, None, None
        xp, e, a, t = x.xp, ctx.e, x.array, y.array
        g = _pointwise_grad_scale(grad.array, ctx.reduction, e.size)
        if w is not None:
            g = g * w
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = xp.maximum(e, a >= 0)  # sigmoid(x) as in sigmoid_array, from e^-|x|
            gx /= 1 + e
            if p is None:
                gx -= t
            else:  # k s - p y, with k = p y + 1 - y rounded in PyTorch's order
                pt = p * t
                gx *= pt + 1 - t
                gx -= pt
            gx *= g
            gx = Tensor._make(gx, x.device)
        if ctx.needs_input_grad[1]:
            gy = a * -g if p is None else ((p - 1) * ctx.softplus - a) * g
            gy = Tensor._make(gy, x.device)
        return gx, gy, None, None, None


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Mean squared error, (input - target)^2 reduced; both arguments are differentiable."""
    op = "mse_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _pointwise_inputs(input, target, op)
    return MSELoss.apply(input, _numeric_target(target, input), reduction)


def _binary_target(input: Any, target: Any, what: str, op: str,
                   same_dtype: bool = False) -> Tensor:
    """The checks both binary cross-entropies make: a floating input (``what``: logits or
    probabilities) and a floating target of its shape, which is returned in the input's dtype
    (``same_dtype``: it must have it already, as PyTorch's binary_cross_entropy demands)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{op}: expected input and target tensors, got {type(input).__name__} "
                        f"and {type(target).__name__}")
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"{op}: expected floating-point {what}, got {input.dtype}")
    if input.device != target.device:
        raise RuntimeError(f"{op}: input is on {input.device} but target is on {target.device}")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{op}: target size {tuple(target.shape)} must be the same as input "
                         f"size {tuple(input.shape)}")
    if same_dtype and target.dtype != input.dtype:
        raise RuntimeError(f"{op}: expected target of dtype {input.dtype} (the input's), got "
                           f"{target.dtype}")
    if not dtypes.is_floating(target.dtype):  # PyTorch refuses int and bool targets here
        raise RuntimeError(f"{op}: expected a floating-point target (as the input's "
                           f"{input.dtype}), got {target.dtype}")
    return target if target.dtype == input.dtype else target.to(input.dtype)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy on raw logits: (1 - y) x + (1 + (p - 1) y) softplus(-x), stable."""
    op = "binary_cross_entropy_with_logits"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    target = _binary_target(input, target, "logits", op)
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None:
            _check_broadcast(t, input, name, op)
    if all(t is None or (t.dtype == input.dtype and not (t.requires_grad and is_grad_enabled()))
           for t in (weight, pos_weight)):  # constant weights (the usual case): one op
        return BCEWithLogits.apply(input, target, weight, pos_weight, reduction)
    softplus_neg = softplus(-input, threshold=math.inf)  # log(1 + e^-x), never switched to linear
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _check_broadcast(t: Any, x: Tensor, name: str, op: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if t.device != x.device:
        raise RuntimeError(f"{op}: {name} is on {t.device} but the input is on {x.device}")
    from .broadcast import broadcast_shapes
    try:
        shape = broadcast_shapes(op, tuple(t.shape), tuple(x.shape))
    except ValueError:
        shape = None
    if shape != tuple(x.shape):
        raise ShapeError(f"{op}: {name} of shape {tuple(t.shape)} does not broadcast to the input "
                         f"shape {tuple(x.shape)}")


# --- regression losses: L1, smooth L1, Huber ---------------------------------------------------
def _same_shape_weight(weight: Any, input: Tensor, op: str) -> None:
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a Tensor or None, got {type(weight).__name__}")
    if weight.device != input.device:
        raise RuntimeError(f"{op}: weight is on {weight.device} but the input is on {input.device}")
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} must have the input's "
                         f"shape {tuple(input.shape)}")


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
            reduce: Any = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: robust to outliers where MSE squares them. The gradient at a zero
    difference is 0 (sign(0)), as PyTorch. With ``weight``, 'mean' is sum(w |d|) / sum(w)."""
    op = "l1_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _pointwise_inputs(input, target, op)
    if target.dtype == dtypes.bool:  # PyTorch: subtracting a bool tensor is not supported
        raise RuntimeError(f"{op}: a bool target is not supported (input - target subtracts "
                           f"it); convert it to {input.dtype}")
    loss = (input - target).abs()
    if weight is None:
        return _reduce(loss, reduction)
    _same_shape_weight(weight, input, op)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


class Huber(Function):
    """Huber's loss of d = x - y times ``scale`` (1 / beta for smooth_l1), reduced. With
    c = clip(d, -delta, delta) it is c (d - c / 2): 0.5 d^2 inside delta, delta (|d| - delta / 2)
    outside, each rounded as PyTorch's two branches (c / 2 is exact); d/dx = c * scale = -d/dy,
    so forward keeps c for backward."""

    @staticmethod
    def forward(ctx, x, y, delta, scale, reduction):
        xp = x.xp
        d = x.array - y.array
        c = xp.clip(d, -delta, delta)  # (NumPy's clip is 2x faster than minimum + maximum)
        ctx.c, ctx.delta, ctx.scale, ctx.reduction = c, delta, scale, reduction
        ctx.save_for_backward(x, y)
        half = c * 0.5
        d -= half
        d *= half  # c (d - c / 2) / 2: the factor 2 * scale goes on the total, when there is one
        out = _reduce_pointwise(xp, d, reduction)  # a 0-d array or d itself
        out *= 2 * scale
        return out

    @staticmethod
    def backward(ctx, grad):
        from .comparison import clamp
        x, y = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: the same formula as tensor ops
            g = _pointwise_grad_scale(grad, ctx.reduction, x.numel()) * ctx.scale
            gx = clamp(x - y, min=-ctx.delta, max=ctx.delta) * g
            return gx, -gx, None, None, None
        gx = ctx.c * (_pointwise_grad_scale(grad.array, ctx.reduction, ctx.c.size) * ctx.scale)
        gy = -gx if ctx.needs_input_grad[1] else None
        return (Tensor._make(gx, x.device),
                None if gy is None else Tensor._make(gy, x.device), None, None, None)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                   reduce: Any = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Quadratic near zero, L1 beyond ``beta`` (Fast R-CNN's box loss): Huber divided by beta,
    so its gradient is at most 1; beta = 0 is exactly the L1 loss, as PyTorch."""
    op = "smooth_l1_loss"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    _pointwise_inputs(input, target, op)
    beta = float(beta)
    if beta < 0:
        raise ArgumentError(f"{op}: does not support negative values for beta, got {beta}")
    if beta == 0.0:
        return _reduce((input - target).abs(), reduction)
    return Huber.apply(input, _numeric_target(target, input), beta, 1.0 / beta, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """Quadratic near zero, delta-scaled L1 beyond ``delta``: the gradient is clipped at delta.
    With ``weight``, 'mean' is mean(w * loss), as PyTorch."""
    op = "huber_loss"
    check_reduction(reduction, op)
    _pointwise_inputs(input, target, op)
    delta = float(delta)
    if not delta > 0:
        raise ArgumentError(f"{op}: does not support non-positive values for delta, got {delta}")
    target = _numeric_target(target, input)
    if weight is None:
        return Huber.apply(input, target, delta, 1.0, reduction)
    _same_shape_weight(weight, input, op)
    return _reduce(Huber.apply(input, target, delta, 1.0, "none") * weight, reduction)


# --- binary cross-entropy on probabilities -----------------------------------------------------
class BinaryCrossEntropy(Function):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 so that x = 0 or 1 gives a
    finite loss, as PyTorch. Backward is PyTorch's: (x - y) / max(x (1 - x), 1e-12) for the
    input, log(1 - x) - log(x) for the target; written with tensor ops (double backward).
    The 1e-12 is PyTorch's, rounded to float32 as PyTorch's kernel has it."""

    @staticmethod
    def forward(ctx, x, y):
        xp, a, t = x.xp, x.array, y.array
        ctx.save_for_backward(x, y)
        log_x = xp.maximum(xp.log(a), -100.0)
        log_1mx = xp.maximum(xp.log1p(-a), -100.0)
        return -(t * log_x + (1 - t) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        from .comparison import clamp
        from .unary_math import log
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - y) / clamp(x * (1 - x), min=9.999999960041972e-13)
        if ctx.needs_input_grad[1]:
            gy = grad * (log(1 - x) - log(x))
        return gx, gy


def _check_unit_interval(t: Tensor, what: str, op: str) -> None:
    a = t.array
    if a.size and not bool(((a >= 0) & (a <= 1)).all()):  # NaN fails too, as in PyTorch
        xp = t.xp
        raise RuntimeError(f"{op}: all elements of {what} should be between 0 and 1, got values "
                           f"in [{float(xp.nanmin(a))}, {float(xp.nanmax(a))}]"
                           f"{' (and NaN)' if bool(xp.isnan(a).any()) else ''}")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities (after a sigmoid). Prefer
    ``binary_cross_entropy_with_logits`` on raw scores: it is stable where this one clamps."""
    op = "binary_cross_entropy"
    _legacy(size_average, reduce, op)
    check_reduction(reduction, op)
    target = _binary_target(input, target, "probabilities", op, same_dtype=True)
    _check_unit_interval(input, "input", op)
    _check_unit_interval(target, "target", op)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        _check_broadcast(weight, input, "weight", op)
        loss = loss * weight
    return _reduce(loss, reduction)


# --- Kullback-Leibler divergence ---------------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
           reduce: Any = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || model) pointwise, with ``input`` the model's log-probabilities:
    target * (log target - input), 0 where target is 0. Use reduction='batchmean' for the
    mathematical KL divergence; 'mean' divides by every element, as PyTorch (which warns)."""
    from .comparison import where
    from .unary_math import exp, log
    op = "kl_div"
    _legacy(size_average, reduce, op)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{op}: reduction={reduction!r} is not valid; use 'none', 'batchmean', "
                         "'sum' or 'mean'")
    _pointwise_inputs(input, target, op)
    if reduction == "mean":
        import warnings
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size. 'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition. 'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    if not dtypes.is_floating(target.dtype):
        raise RuntimeError(f"{op}: integral inputs are not supported, got a {target.dtype} "
                           "target")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        # xlogy(t, t): 0 at t = 0 (its gradient there is 0 too; PyTorch's is NaN).
        safe = where(target == 0, 1.0, target)
        loss = target * log(safe) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)

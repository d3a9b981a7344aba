"""Helpers shared by the distributions: parameters to broadcast Tensors, probabilities to and
from logits, standard draws from the device generator, and sums over the event dims."""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from .. import dtypes
from ..autograd import no_grad
from ..creation import tensor
from ..ops import broadcast_tensors, clamp, log, log1p, logsumexp, sigmoid, softmax
from ..tensor import Tensor


def broadcast_all(*values: Any) -> tuple:
    """Numbers and Tensors to Tensors of one broadcast shape; numbers take the dtype and device
    of the first Tensor given (the default float dtype if there is none), as torch does."""
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    for v in values:
        if not isinstance(v, (Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number or "
                             f"Tensor, got {type(v).__name__}")
    dtype = ref.dtype if ref is not None and dtypes.is_floating(ref.dtype) else None
    device = ref.device if ref is not None else None
    tensors = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype, device=device)
               for v in values]
    return broadcast_tensors(*tensors)


def as_size(sample_shape: Any) -> tuple:
    """torch.Size(sample_shape) as a tuple (an int is taken as one dimension)."""
    if isinstance(sample_shape, numbers.Integral):
        return (int(sample_shape),)
    return tuple(int(s) for s in sample_shape)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept inside (eps, 1 - eps) of their dtype so that logs stay finite."""
    eps = float(probs.xp.finfo(probs.dtype).eps)
    return clamp(probs, eps, 1.0 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (binary) or log-probabilities (categorical) of probabilities."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return log(ps_clamped) - log1p(-ps_clamped)
    return log(ps_clamped)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities of log-odds (binary: sigmoid) or of unnormalised logits (softmax)."""
    return sigmoid(logits) if is_binary else softmax(logits, -1)


def normalize_logits(logits: Tensor) -> Tensor:
    return logits - logsumexp(logits, -1, keepdim=True)


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|), with max(x, 0) written as
    x/2 + |x|/2 (exact) so that the gradient is sigmoid(x) everywhere, 1/2 at x = 0, where
    clamp's gradient would give 1 (Bernoulli/Geometric entropy and log_prob gradients at
    probs = 1/2)."""
    return 0.5 * x + 0.5 * x.abs() + log1p((-x.abs()).exp())


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the ``dim`` rightmost dimensions (the event dims of Independent)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def support_values(values: Tensor, batch_shape: tuple, expand: bool) -> Tensor:
    """enumerate_support's layout: the support ``values`` (K, *event) along a new leading dim,
    over size-1 batch dims, or expanded to ``batch_shape`` when ``expand``."""
    k, *event = values.shape
    values = values.reshape((k,) + (1,) * len(batch_shape) + tuple(event))
    if expand:
        values = values.expand((k,) + tuple(batch_shape) + tuple(event))
    return values


def finfo(ref: Tensor) -> Any:
    """Machine limits of ``ref``'s float dtype (eps, tiny, min)."""
    return ref.xp.finfo(ref.dtype)


def draw(ref: Tensor, shape: Sequence, kind: str, *args: Any) -> Tensor:
    """A Tensor of ``shape`` drawn by the device generator's ``kind`` method (``normal``,
    ``standard_exponential``, ``gamma``...), in ``ref``'s float dtype and device, without grad.
    Tensor arguments are passed as arrays broadcast to ``shape``."""
    xp = ref.xp
    rng = ref.backend.rng
    shape = tuple(shape)
    arrays = [xp.broadcast_to(a.detach().array, shape) if isinstance(a, Tensor) else a
              for a in args]
    with no_grad():
        if kind == "standard_normal":
            out = rng.standard_normal(shape)
        elif kind == "random":
            out = rng.random(shape)
        elif kind == "standard_exponential":
            out = rng.standard_exponential(shape)
        else:
            out = getattr(rng, kind)(*arrays, size=shape)
    dtype = ref.dtype if dtypes.is_floating(ref.dtype) else dtypes.get_default_dtype()
    return Tensor._make(xp.asarray(out).astype(dtype, copy=False), ref.device)


class lazy_property:
    """A parameter computed on first use from its twin (Bernoulli's logits from probs), then
    stored on the instance; validation skips it until then, as torch does."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        with_grad = self.fn(instance)
        instance.__dict__[self.fn.__name__] = with_grad
        return with_grad

"""Random sampling from tensors of parameters (not differentiable): normal, bernoulli,
multinomial, poisson, and the in-place fillers bernoulli_ / exponential_. Every draw comes from
the device generator (``get_backend(device).rng``), so ``mg.manual_seed`` makes them
repeatable, or from ``generator=`` (an ``mg.Generator``) without touching that stream."""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from .. import dtypes
from ..tensor import Tensor


def _rng(device: str, generator: Any = None, op: str = "") -> Any:
    from ..random import draws
    return draws(generator, device, op)


def _uniform(shape: tuple, dtype: Any, device: str, generator: Any = None, op: str = "") -> Any:
    from ..creation import _uniform_array
    return _uniform_array(tuple(shape), dtype, device, generator=generator, op=op)


def normal(mean: Any, std: Any = 1.0, size: Sequence | None = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std^2): elementwise for tensor mean and/or std (broadcast together),
    or ``size`` samples for float mean and std."""
    from ..creation import _device, _normal_array
    from .broadcast import broadcast_shapes
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal: with float mean and std, size must be given")
        if std < 0:
            raise RuntimeError(f"normal: expects std >= 0.0, but found std {std}")
        dev = _device(device)
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) \
            else tuple(size)
        out = Tensor._make(_normal_array(shape, dtype, dev, float(mean), float(std),
                                         generator=generator, op="normal"), dev)
        return out.requires_grad_() if requires_grad else out
    if size is not None:
        raise TypeError("normal: size is only accepted with float mean and std")
    ref = mean if mt else std
    for name, t in (("mean", mean), ("std", std)):
        if isinstance(t, Tensor) and not dtypes.is_floating(t.dtype):
            raise RuntimeError(f"normal: expected a floating point {name} tensor, got {t.dtype}")
    if mt and st and mean.dtype != std.dtype:
        raise RuntimeError(f"normal: mean and std must have the same dtype, got {mean.dtype} "
                           f"and {std.dtype}")
    xp = ref.xp
    if st and bool((std.array < 0).any()):
        raise RuntimeError("normal: expects all elements of std >= 0.0")
    if not st and std < 0:
        raise RuntimeError(f"normal: expects std >= 0.0, but found std {std}")
    shape = broadcast_shapes("normal", tuple(mean.shape) if mt else (),
                             tuple(std.shape) if st else ())
    z = _normal_array(shape, ref.dtype, ref.device, generator=generator, op="normal")
    m = mean.array if mt else mean
    s = std.array if st else std
    return Tensor._make(xp.asarray(z * s + m, dtype=ref.dtype), ref.device)


def _check_probs(op: str, p: Tensor) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(p).__name__}")
    if not dtypes.is_floating(p.dtype):
        raise RuntimeError(f"{op}: expected a floating point tensor, got {p.dtype}")


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 draws, 1 with probability ``input`` elementwise (or the float ``p``), in input's
    dtype."""
    _check_probs("bernoulli", input)
    probs = input.array if p is None else p
    if p is None and bool(((input.array < 0) | (input.array > 1)).any()):
        raise RuntimeError("bernoulli: expected all probabilities in [0, 1]")
    if p is not None and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli: expected 0 <= p <= 1, got p={p}")
    draws = _uniform(input.shape, input.dtype, input.device, generator, "bernoulli") < probs
    return Tensor._make(draws.astype(input.dtype), input.device)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill ``self`` with 0/1 draws that are 1 with probability ``p`` (float or tensor)."""
    self._check_inplace("bernoulli_", p)
    if isinstance(p, Tensor):
        if not bool(((p.array >= 0) & (p.array <= 1)).all()):
            raise RuntimeError("bernoulli_: expected all probabilities in [0, 1]")
        probs = p.array
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_: expected 0 <= p <= 1, got p={p}")
        probs = p
    u = _uniform(self.shape, dtypes.float64 if self.dtype == dtypes.float64 else dtypes.float32,
                 self.device, generator, "bernoulli_")
    self.array[...] = u < probs
    return self


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill ``self`` with Exp(lambd) draws (density lambd * exp(-lambd x))."""
    self._check_inplace("exponential_")
    if not dtypes.is_floating(self.dtype):
        raise RuntimeError(f"exponential_: expected a floating point tensor, got {self.dtype}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    u = _uniform(self.shape, self.dtype, self.device, generator, "exponential_")
    self.array[...] = -self.xp.log1p(-u) / lambd
    return self


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Poisson draws with rates ``input``, in input's dtype."""
    _check_probs("poisson", input)
    if bool((input.array < 0).any()):
        raise RuntimeError("poisson: expected all rates to be non-negative")
    draws = _rng(input.device, generator, "poisson").poisson(input.array.astype(dtypes.float64))
    return Tensor._make(draws.astype(input.dtype), input.device)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Category indices drawn with probability proportional to each row's weights (1-D or 2-D
    input). Without replacement the draws are successive: the exponential-race ordering
    -log(U)/w gives exactly that distribution."""
    _check_probs("multinomial", input)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape "
                           f"{tuple(input.shape)}")
    if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got "
                           f"{num_samples}")
    xp = input.xp
    w = input.array.reshape(-1, input.shape[-1]).astype(dtypes.float64)
    n = w.shape[-1]
    if bool((w < 0).any()) or not bool(xp.isfinite(w).all()):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if bool((w.sum(-1) <= 0).any()):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    if not replacement:
        if num_samples > n:
            raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) "
                               f"samples without replacement ({num_samples} > {n})")
        u = _uniform(w.shape, dtypes.float64, input.device, generator, "multinomial")
        with_weight = w > 0
        keys = xp.where(with_weight, -xp.log1p(-u) / xp.where(with_weight, w, 1.0), 0.0)
        # As torch: once the weighted categories run out, zero-weight ones follow (randomly).
        keys = xp.where(with_weight, keys, keys.max(-1, keepdims=True) + 1.0 + u)
        idx = xp.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    else:
        cdf = xp.cumsum(w / w.sum(-1, keepdims=True), axis=-1)
        cdf[:, -1] = 1.0
        u = _uniform((w.shape[0], num_samples), dtypes.float64, input.device, generator,
                     "multinomial")
        idx = (u[:, :, None] >= cdf[:, None, :]).sum(-1)
        # (a zero-weight category repeats its predecessor's cdf value, so it is never chosen)
        idx = xp.minimum(idx, n - 1)
    idx = idx.astype(dtypes.int64)
    out_shape = (num_samples,) if input.ndim == 1 else (input.shape[0], num_samples)
    return Tensor._make(idx.reshape(out_shape), input.device)

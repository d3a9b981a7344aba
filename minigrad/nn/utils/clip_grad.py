"""Gradient clipping: bound the size of an update before ``optimizer.step()``."""
from __future__ import annotations

import math
from typing import Iterable

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor], op: str) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    devices = {g.device for g in grads}
    if len(devices) > 1:
        raise RuntimeError(f"{op}: gradients are on several devices ({sorted(devices)}); move the "
                           "model to one device first")
    return grads


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    Returns the joint norm before clipping (a 0-d tensor), as PyTorch does; logging
    it is the usual way to spot exploding gradients. ``foreach`` is accepted for
    compatibility; there is one implementation.
    """
    op = "clip_grad_norm_"
    grads = _grads(parameters, op)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        from ...creation import tensor
        return tensor(0.0)
    # the promoted dtype, as PyTorch: float32 and float64 gradients give a float64 norm, so the
    # float64 ones are not scaled by a float32-rounded coefficient
    xp, dtype = grads[0].xp, grads[0].xp.result_type(*(g.dtype for g in grads))
    if norm_type == math.inf:
        norms = [xp.abs(g.array).max() if g.numel() else xp.zeros((), dtype) for g in grads]
        total = xp.max(xp.stack([xp.asarray(n, dtype=dtype) for n in norms]))
    elif norm_type <= 0:
        raise ValueError(f"{op}: norm_type must be positive or inf, got {norm_type}")
    else:
        norms = [(xp.abs(g.array.astype(dtype, copy=False)) ** norm_type).sum() for g in grads]
        total = xp.stack([xp.asarray(n, dtype=dtype) for n in norms]).sum() ** (1.0 / norm_type)
    total = xp.asarray(total, dtype=dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"{op}: the total norm of order {norm_type} of the gradients is "
                           f"non-finite ({float(total)}), so they cannot be clipped. Pass "
                           "error_if_nonfinite=False to clip anyway.")
    coef = xp.minimum(xp.asarray(max_norm, dtype=dtype) / (total + dtype.type(1e-6)),
                      dtype.type(1.0))
    with no_grad():
        for g in grads:
            g.array *= coef.astype(g.dtype, copy=False)
    return Tensor._make(total, grads[0].device)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place.

    ``foreach`` is accepted for compatibility; there is one implementation.
    """
    clip_value = float(clip_value)
    for g in _grads(parameters, "clip_grad_value_"):
        g.xp.clip(g.array, -clip_value, clip_value, out=g.array)

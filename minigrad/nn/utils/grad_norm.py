"""``get_total_norm`` and ``clip_grads_with_norm_``: ``clip_grad_norm_`` split in its two
halves, so a training loop can log (or all-reduce) the norm before deciding how to clip."""
from __future__ import annotations

import math
from typing import Iterable

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def _as_tensor_list(tensors: Tensor | Iterable[Tensor], op: str) -> list:
    items = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} at position {i}")
    return items


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type`` norm of all ``tensors`` seen as one vector (a 0-d tensor): the norm of
    their norms. Pass gradients (``[p.grad for p in ...]``) to get what clipping would see.
    ``foreach`` is accepted for compatibility; there is one implementation."""
    from ... import linalg
    from ...creation import tensor
    from ...ops import stack
    op = "get_total_norm"
    items = _as_tensor_list(tensors, op)
    norm_type = float(norm_type)
    if not items:
        return tensor(0.0)
    devices = {t.device for t in items}
    if len(devices) > 1:
        raise RuntimeError(f"{op}: tensors are on several devices ({sorted(devices)})")
    with no_grad():
        norms = [linalg.vector_norm(t, norm_type) for t in items]
        dtype = norms[0].dtype
        total = linalg.vector_norm(stack([n.to(dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"{op}: the total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable this "
                           "error and scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Scale every ``.grad`` in place by ``min(max_norm / (total_norm + 1e-6), 1)``, with a
    norm computed beforehand (``get_total_norm``), e.g. one shared across model shards."""
    op = "clip_grads_with_norm_"
    params = _as_tensor_list(parameters, op)
    grads = [p.grad for p in params if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    if not isinstance(total_norm, Tensor):
        raise TypeError(f"{op}: total_norm must be a Tensor (from get_total_norm), got "
                        f"{type(total_norm).__name__}")
    with no_grad():
        coef = (max_norm / (total_norm.detach() + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device).to(g.dtype))

"""Reverse-mode automatic differentiation: ``Function``, ``backward``, ``grad`` and grad modes."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

from .anomaly import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                      set_anomaly_enabled, set_detect_anomaly)
from .engine import accumulate_grad, run_backward
from .function import Function, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)

__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "inference_mode",
           "is_grad_enabled", "set_grad_enabled", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
           "is_inference_mode_enabled", "once_differentiable",
           "gradcheck", "gradgradcheck"]


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _initial_grads(outputs: list, grad_outputs: list | None, op: str) -> list:
    """The seed gradients: ones for scalars, otherwise they must be given."""
    from ..tensor import Tensor
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if not out.requires_grad:
            raise RuntimeError(f"{op}: output {i} (shape {tuple(out.shape)}) does not require grad "
                               "and has no grad_fn; did you compute it under no_grad or from "
                               "tensors without requires_grad=True?")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but output {i} "
                    f"has shape {tuple(out.shape)}; pass gradient= with that shape "
                    "(or reduce it, e.g. loss.sum())")
            g = Tensor._make(out.xp.ones(out.shape, dtype=out.dtype), out.device)
        if not isinstance(g, Tensor):
            g = Tensor(g, dtype=out.dtype, device=out.device)
        if g.shape != out.shape:
            raise RuntimeError(f"{op}: gradient of shape {tuple(g.shape)} does not match output "
                               f"shape {tuple(out.shape)}")
        elif g.device != out.device:
            raise RuntimeError(f"{op}: gradient is on {g.device} but the output is on {out.device}")
        grads.append(g)
    return grads


def _check_inputs(inputs: list, op: str) -> None:
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"{op}: input {i} (shape {tuple(t.shape)}) does not "
                               "require grad")


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of every leaf they depend on,
    or, given ``inputs``, into the ``.grad`` of those tensors only (leaves or not; the rest
    of the graph does not run), as in PyTorch."""
    outputs = _as_list(tensors)
    grads = _initial_grads(outputs, None if grad_tensors is None else _as_list(grad_tensors),
                           "backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        run_backward(outputs, grads, retain_graph, create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("backward: the inputs argument cannot be empty; leave it out to "
                           "accumulate into every leaf")
    _check_inputs(inputs, "backward")
    found = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                         allow_unused=True)
    done: set = set()
    for t, g in zip(inputs, found):
        if g is not None and id(t) not in done:  # a tensor listed twice gets its gradient once
            done.add(id(t))
            if not (t.grad_fn is not None and t.retains_grad):  # retain_grad stored it already
                accumulate_grad(t, g, create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    ``allow_unused=True``: ``None`` for an input the outputs do not depend on (an error
    otherwise); ``materialize_grads=True``: zeros for it instead. ``only_inputs`` is
    PyTorch's deprecated argument, ignored as there."""
    if materialize_grads and allow_unused is False:
        raise ValueError("autograd.grad: expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got allow_unused=False.")
    if not only_inputs:
        warnings.warn("autograd.grad: only_inputs is deprecated and ignored (as in PyTorch); "
                      "use autograd.backward to accumulate into other tensors' .grad",
                      FutureWarning, stacklevel=2)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    _check_inputs(inputs, "autograd.grad")
    grads = _initial_grads(outputs, None if grad_outputs is None else _as_list(grad_outputs),
                           "autograd.grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                          allow_unused=bool(allow_unused or materialize_grads))
    if materialize_grads:
        from ..creation import zeros_like
        result = tuple(zeros_like(t).requires_grad_(create_graph) if g is None else g
                       for g, t in zip(result, inputs))
    return result


def _batched_grad(outputs: Any, inputs: Any, grad_outputs: Any, retain_graph: bool | None,
                  create_graph: bool, allow_unused: bool | None, materialize_grads: bool) -> tuple:
    """``is_grads_batched=True``: the first dimension of every grad_output is a batch of
    vectors; one backward pass per vector (PyTorch vectorises them with vmap), results stacked
    along a new first dimension."""
    from ..ops import stack
    gos = None if grad_outputs is None else _as_list(grad_outputs)
    sizes = {g.shape[0] if g.ndim else None for g in gos or () if g is not None}
    if not sizes or None in sizes or len(sizes) != 1:
        raise RuntimeError("autograd.grad: is_grads_batched=True needs grad_outputs whose first "
                           "dimensions are one batch size, got shapes "
                           f"{[None if g is None else tuple(g.shape) for g in gos or ()]}")
    (batch,) = sizes
    if batch == 0:
        raise RuntimeError("autograd.grad: is_grads_batched=True with an empty batch")
    final = create_graph if retain_graph is None else retain_graph
    rows = [grad(outputs, inputs, [None if g is None else g[b] for g in gos],
                 retain_graph=True if b < batch - 1 else final, create_graph=create_graph,
                 allow_unused=allow_unused, materialize_grads=materialize_grads)
            for b in range(batch)]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


from . import functional  # noqa: E402,F401  (autograd.functional: jacobian, hessian, vjp, ...)
from . import graph  # noqa: E402,F401  (autograd.graph.saved_tensors_hooks)
__all__ += ["functional", "graph"]


def __getattr__(name: str) -> Any:
    # PyTorch's ``torch.autograd.gradcheck``; minigrad.gradcheck imports this package, so it is
    # looked up on first use rather than imported here.
    if name in ("gradcheck", "gradgradcheck"):
        import importlib
        return getattr(importlib.import_module("minigrad.gradcheck"), name)
    raise AttributeError(f"module 'minigrad.autograd' has no attribute {name!r}")

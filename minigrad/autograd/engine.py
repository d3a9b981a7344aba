"""Reverse-mode differentiation: walk the graph once, consumers before producers.

The order is a depth-first post-order computed with an explicit stack, so a
graph of any depth (a 10,000-op chain) backpropagates without recursion.
"""
from __future__ import annotations

import sys
import threading
from typing import Any, Sequence

from .. import creation
from ..backend import float_errors_ignored
from ..ops.broadcast import sum_to_shape
from ..tensor import Tensor
from .anomaly import checked_backward, is_anomaly_enabled
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad


def topological_order(roots: Sequence[Any]) -> list:
    """Every node reachable from ``roots``, each listed before the nodes it consumes."""
    post, visited = [], set()
    stack = [(node, False) for node in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            post.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for edge in node.parents:
            if edge is not None and edge[0] is not None and edge[0] not in visited:
                stack.append((edge[0], False))
    post.reverse()
    return post


def run_backward(outputs: Sequence[Any], grad_outputs: Sequence[Any], retain_graph: bool,
                 create_graph: bool, inputs: Sequence[Any] | None = None,
                 allow_unused: bool = False) -> tuple | None:
    """Send ``grad_outputs`` back from ``outputs``.

    With ``inputs=None`` gradients accumulate into every leaf's ``.grad``
    (``Tensor.backward``). Otherwise nothing is accumulated and the gradients
    of ``inputs`` are returned (``autograd.grad``); as in PyTorch only the part of
    the graph between the outputs and those inputs runs (other tensors' hooks are
    not called, other leaves get nothing).
    """
    captured: dict[Any, Any] = {}  # target key -> its gradient
    targets: set | None = None
    if inputs is not None:
        targets = {_target_key(t) for t in inputs}

    pending: dict[Any, list] = {}
    # Leaf gradients are summed over every path first, so a leaf's hooks see the total once.
    leaf_grads: dict[int, list] = {}
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if out.grad_fn is None:
            if targets is None or id(out) in targets:
                _add_leaf_grad(leaf_grads, out, g)
            continue
        slots = pending.setdefault(out.grad_fn, [None] * out.grad_fn.n_outputs)
        slots[out._output_nr] = g if slots[out._output_nr] is None else slots[out._output_nr] + g
        roots.append(out.grad_fn)

    mode = enable_grad() if create_graph else no_grad()
    outer = accumulates_into_leaves()
    _pass.accumulating = inputs is None
    try:
        with mode, float_errors_ignored():  # raw-array backwards follow IEEE silently too
            _backpropagate(roots, pending, leaf_grads, targets, captured, retain_graph,
                           create_graph)
            for key in list(leaf_grads):
                leaf, g = leaf_grads.pop(key)  # afterwards only this frame holds g
                _deliver_to_leaf(leaf, g, create_graph, targets, captured)
    finally:
        _pass.accumulating = outer

    if inputs is None:
        return None
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(_target_key(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: input {i} (shape {tuple(t.shape)}) was not used to compute the "
                "outputs; pass allow_unused=True to get None for it.")
        result.append(g)
    return tuple(result)


_pass = threading.local()  # .accumulating: whether the running pass fills leaves' .grad


def accumulates_into_leaves() -> bool:
    """Whether the backward pass running in this thread accumulates into every leaf's
    ``.grad`` (``Tensor.backward``), rather than returning gradients (``autograd.grad``, or
    ``backward(inputs=...)``). An op that runs a backward of its own (checkpoint) follows it."""
    return getattr(_pass, "accumulating", True)


def _target_key(t: Any) -> Any:
    """How the engine recognises a tensor whose gradient is asked for: a non-leaf by the
    node output that made it, a leaf by identity."""
    return (t.grad_fn, t._output_nr) if t.grad_fn is not None else id(t)


def _leading_to(order: list, targets: set) -> set:
    """The nodes in ``order`` (consumers first) whose backward sends a gradient on towards
    one of ``targets``: the only ones ``autograd.grad`` has to run."""
    needed: set = set()
    for node in reversed(order):  # producers first
        for edge in node.parents:
            if edge is None:
                continue
            parent, where = edge
            if (id(where) in targets) if parent is None else \
                    (parent in needed or (parent, where) in targets):
                needed.add(node)
                break
    return needed


def _backpropagate(roots: list, pending: dict, leaf_grads: dict, targets: set | None,
                   captured: dict, retain_graph: bool, create_graph: bool) -> None:
    """Call every node's backward in topological order; leaf gradients collect in
    ``leaf_grads``. A function of its own so that its locals (the last node's gradients)
    are gone before the leaves are served."""
    order = topological_order(roots)
    if targets is not None:
        needed = _leading_to(order, targets)
        target_nodes = {key[0] for key in targets if isinstance(key, tuple)}
    for node in order:
        grads = pending.pop(node, None)
        if grads is None:
            continue
        runs = targets is None or node in needed
        if not runs and node not in target_nodes:
            continue
        if runs and node.freed:
            node.saved_tensors  # raises the clear "second time" error
        if runs and create_graph and node.once_differentiable:
            raise RuntimeError(
                f"{node.name}: its backward works on raw arrays and cannot be differentiated "
                "again (create_graph=True). Use ops without once_differentiable for "
                "higher-order gradients.")
        grads = _run_hooks(node, grads)
        if targets:
            for nr, g in enumerate(grads):
                if (node, nr) in targets and g is not None:
                    captured[(node, nr)] = g
        if not runs:
            continue
        if node.__dict__.get("pre_hooks"):
            grads = _run_node_hooks(node, "pre_hooks", list(grads), (tuple(grads),))
        input_grads = checked_backward(_call_backward, node, grads) \
            if is_anomaly_enabled() else _call_backward(node, grads)
        if node.__dict__.get("post_hooks"):
            input_grads = _run_node_hooks(node, "post_hooks", input_grads,
                                          (tuple(input_grads), tuple(grads)))
        if not retain_graph and node._saved:  # a node that saved nothing can run again,
            node._saved = ()                   # as in PyTorch (broadcasts, sums, adds)
            node.freed = True
        for edge, g in zip(node.parents, input_grads):
            if edge is None or g is None:
                continue
            parent, where = edge
            if parent is None:
                if targets is None or id(where) in targets:
                    _add_leaf_grad(leaf_grads, where, g)
            else:
                slots = pending.setdefault(parent, [None] * parent.n_outputs)
                slots[where] = g if slots[where] is None else slots[where] + g


def _run_hooks(node: Any, grads: list) -> list:
    """Apply ``register_hook`` functions of non-leaf outputs; a hook may replace the gradient."""
    if not node.hooks:
        return grads
    grads = list(grads)
    for nr, hooks in node.hooks.items():
        # retain_grad keeps the gradient as the other hooks leave it, whenever it was called
        # (PyTorch runs it last too)
        for hook in sorted(hooks, key=lambda h: getattr(h, "retains_grad", False)):
            if grads[nr] is not None:
                new = hook(grads[nr])
                if new is not None:
                    grads[nr] = _check_hook_result(hook, grads[nr], new)
    return grads


def _run_node_hooks(node: Any, kind: str, grads: Any, args: tuple) -> Any:
    """A node's ``register_prehook`` (``hook(grad_outputs)``) or ``register_hook``
    (``hook(grad_inputs, grad_outputs)``) functions: each may return replacements for all of
    the gradients (None included), as in PyTorch."""
    for hook in list(node.__dict__[kind]):
        new = hook(*args)
        if new is None:
            continue
        new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        if len(new) != len(grads):
            raise RuntimeError(f"{node.name}: hook '{getattr(hook, '__name__', hook)}' returned "
                               f"{len(new)} gradients, expected {len(grads)}")
        if any(g is None and n is not None for g, n in zip(grads, new)):
            raise RuntimeError(f"{node.name}: hook '{getattr(hook, '__name__', hook)}' cannot "
                               "replace a None gradient with a non-None value")
        grads = [n if n is None else _check_hook_result(hook, g, n) for g, n in zip(grads, new)]
        args = (tuple(grads),) + args[1:]
    return grads


def _check_hook_result(hook: Any, old: Any, new: Any) -> Any:
    """A tensor hook may replace a gradient, not change its shape or dtype (as in PyTorch)."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(new, Tensor):
        raise TypeError(f"hook '{name}' returned a {type(new).__name__}; a tensor hook returns "
                        "a Tensor (the new gradient) or None")
    if new.shape != old.shape or new.dtype != old.dtype:
        raise RuntimeError(f"hook '{name}' has changed the gradient from shape "
                           f"{tuple(old.shape)}, {old.dtype} to shape {tuple(new.shape)}, "
                           f"{new.dtype}; return a gradient like the one it received")
    return new


def _call_backward(node: Any, grads: list) -> tuple:
    """Call the op's backward with a zero gradient for unused outputs; check what comes back."""
    if any(g is None for g in grads) and node.__dict__.get("materialize_grads", True):
        grads = [creation.zeros(meta[0], dtype=meta[1], device=_device_of(grads))
                 if g is None and meta is not None else g
                 for g, meta in zip(grads, node.output_meta)]
    result = type(node).backward(node, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    n = len(node.parents)
    if len(result) != n:
        if len(result) > n and all(g is None for g in result[n:]):
            result = result[:n]  # PyTorch accepts trailing Nones
        elif len(result) < n and not node._exact_grad_count:
            result = result + (None,) * (n - len(result))
        else:
            raise RuntimeError(
                f"{node.name}.backward returned {len(result)} gradients, but forward took {n} "
                "inputs: return one per input, in order (None for a non-tensor input or one "
                "that needs no gradient)")
    checked = []
    for i, (edge, g) in enumerate(zip(node.parents, result)):
        if edge is None or g is None:
            checked.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(g, _device_of(grads))
        expected = edge[1].shape if edge[0] is None else edge[0].output_meta[edge[1]][0]
        if g.shape != expected and _expandable(expected, g.shape):
            g = sum_to_shape(g, tuple(expected))  # PyTorch sums a broadcast gradient down too
        if g.shape != expected:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {tuple(g.shape)} for input {i}, "
                f"which has shape {tuple(expected)}")
        checked.append(g)
    if node.piecewise_linear and is_grad_enabled():  # (on in backward: create_graph=True)
        checked = [g if g is None or g.requires_grad else _ZeroSlope.apply(g, _input_of(edge, g))
                   for g, edge in zip(checked, node.parents)]
    return tuple(checked)


class _ZeroSlope(Function):
    """``g`` as it is, recorded as a function of the op's input ``x`` with derivative zero.
    A piecewise-linear op's gradient (relu's: grad * (x > 0)) does not change with x between
    kinks, but it is a function of x: differentiating it again gives zeros, not an error."""

    @staticmethod
    def forward(ctx, g, x):
        ctx.x_meta = x.shape, x.dtype
        return g.array

    @staticmethod
    def backward(ctx, gg):
        shape, dtype = ctx.x_meta
        return gg, creation.zeros(shape, dtype=dtype, device=gg.device)


def _input_of(edge: tuple, like: Tensor) -> Tensor:
    """The tensor an edge stands for: the leaf itself, or a stand-in for output ``nr`` of node
    ``parent`` (its grad_fn; its values are not needed, only its place in the graph)."""
    parent, where = edge
    if parent is None:
        return where
    shape, dtype = parent.output_meta[where]
    xp = like.xp
    stand_in = Tensor._make(xp.broadcast_to(xp.zeros((), dtype=dtype), shape), like.device)
    stand_in._requires_grad, stand_in.grad_fn, stand_in._output_nr = True, parent, where
    return stand_in


def _expandable(shape: tuple, target: tuple) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (the gradient's shape)."""
    return len(shape) <= len(target) and all(
        d == 1 or d == t for d, t in zip(reversed(shape), reversed(target)))


def _device_of(grads: list) -> str:
    for g in grads:
        if g is not None:
            return g.device
    return "cpu"


def _add_leaf_grad(leaf_grads: dict, leaf: Any, g: Any) -> None:
    slot = leaf_grads.get(id(leaf))
    if slot is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        slot[1] = slot[1] + g


def _deliver_to_leaf(leaf: Any, g: Any, create_graph: bool, targets: dict | None,
                     captured: dict) -> None:
    """Run the leaf's hooks, then capture (autograd.grad) or accumulate into ``.grad``."""
    for hook in leaf._hooks or ():
        new = hook(g)
        if new is not None:
            g = _check_hook_result(hook, g, new)
    if targets is not None:
        captured[id(leaf)] = g
        return
    if g.dtype != leaf.dtype:
        g = g.to(leaf.dtype)
    # A gradient nothing else can see is taken as it is (PyTorch steals those too).
    if leaf.grad is None and not (create_graph and g.requires_grad) and _engine_only(g):
        leaf.grad = Tensor._make(g.array, g.device)
        run_post_accumulate_hooks(leaf)
    else:
        accumulate_grad(leaf, g, create_graph)


def accumulate_grad(t: Any, g: Any, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad``: in place, or with ``create_graph`` as a recorded sum."""
    if g.dtype != t.dtype:
        g = g.to(t.dtype)
    if t.grad is None:
        # Keep the graph only when asked; otherwise own the memory (g may be a read-only
        # broadcast view or the caller's gradient tensor, and later calls add into it):
        # a plain array copy in its own memory order, as PyTorch keeps a dense leaf's
        # strides (copying a channels-last gradient into C order is a slow transposing pass).
        if create_graph and g.requires_grad:
            t.grad = g
        else:
            t.grad = Tensor._make(g.array.copy(order="K"), g.device)
    elif create_graph or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        t.grad.array += g.array
    run_post_accumulate_hooks(t)


def run_post_accumulate_hooks(t: Any) -> None:
    """``register_post_accumulate_grad_hook`` functions, once ``t.grad`` holds the sum."""
    for hook in getattr(t, "_post_accumulate_hooks", None) or ():
        hook(t)


# References to a gradient tensor that only the engine holds when ``_engine_only`` counts
# them: run_backward's loop variable, the parameters of ``_deliver_to_leaf`` and
# ``_engine_only``, and ``getrefcount``'s own argument.
_ENGINE_REFS = 4
# Counts are exact only in CPython before 3.14, whose interpreter may skip references for
# values it loads (a count could then read low and a shared gradient look unshared).
# Elsewhere every gradient is copied.
ADOPTS_LEAF_GRADS = sys.implementation.name == "cpython" and sys.version_info < (3, 14)


def _engine_only(g: Tensor) -> bool:
    """Whether no one but the engine can reach ``g``'s memory, so ``.grad`` may keep it.

    It must be a tensor only the engine refers to, whose array owns its memory (no view of
    another array, where ``.base`` would keep the owner reachable) and is referred to by that
    tensor alone: a user's tensor, a hook's saved copy, a retained graph's saved array or a
    view of the array each add a reference, and then the gradient is copied. Reference counts
    are exact in CPython; a count higher than expected only costs the copy.
    """
    return (ADOPTS_LEAF_GRADS and g.backend.owns_memory(g.array)
            and sys.getrefcount(g) <= _ENGINE_REFS
            and sys.getrefcount(g.array) <= 2)  # the tensor's slot and the argument

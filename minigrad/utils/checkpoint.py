"""``checkpoint``: trade compute for memory by not keeping a block's activations; the block
runs again during backward to rebuild them.

The forward runs without recording a graph; one node stands for the whole block. Its
backward re-runs the block with recording on (same inputs and, with
``preserve_rng_state=True``, the same random numbers, so dropout masks match) and
back-propagates through the rebuilt graph: input gradients are returned, and the block's
parameters receive theirs in ``.grad`` as usual. So ``loss.backward()`` works (also when no
input requires grad, as PyTorch's non-reentrant variant); like PyTorch's reentrant variant,
``autograd.grad`` with respect to the block's parameters is not supported. With
``create_graph=True`` (double backward) the block is recomputed on differentiable aliases of
its inputs, so its gradients can be differentiated again. ``use_reentrant``
(and the other keyword options) are accepted; there is one implementation.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from ..autograd.engine import accumulates_into_leaves
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..backend import get_backend
from ..tensor import Tensor


def _rng_state(device: str) -> Any:
    """A copy of the state of ``device``'s generator: NumPy's state dict, or CuPy's generator
    memory. A generator whose state cannot be read is an error, not a silent non-replay."""
    bit_generator = get_backend(device).rng.bit_generator
    state = getattr(bit_generator, "state", None)
    if isinstance(state, dict):
        return copy.deepcopy(state)
    memory = getattr(bit_generator, "_state", None)  # CuPy keeps its cuRAND states there
    if memory is None:
        raise RuntimeError(f"checkpoint: cannot save the random state of the {device} generator "
                           f"({type(bit_generator).__name__}), so the recomputed block would draw "
                           "other random numbers; pass preserve_rng_state=False if it has none")
    return memory.copy()


def _set_rng_state(device: str, state: Any) -> None:
    bit_generator = get_backend(device).rng.bit_generator
    if isinstance(state, dict):
        bit_generator.state = copy.deepcopy(state)
    else:
        bit_generator._state[...] = state


class _Checkpoint(Function):
    """One graph node for a whole block; ``args[0]`` is a dummy that requires grad so the
    node is recorded even when no real input does (parameters inside still need grads)."""

    @staticmethod
    def forward(ctx: Any, dummy: Tensor, run: Callable[..., Any], preserve: bool,
                *args: Any) -> Any:
        ctx.run, ctx.args = run, args
        devices = {a.device for a in args if isinstance(a, Tensor)} | {"cpu"}
        ctx.rng = {device: _rng_state(device) for device in devices} if preserve else {}
        out = run(*args)
        outputs = out if isinstance(out, tuple) else (out,)
        for i, o in enumerate(outputs):
            if not isinstance(o, Tensor):
                raise TypeError(f"checkpoint: the function must return a Tensor or a tuple of "
                                f"Tensors, got {type(o).__name__} at position {i}")
        ctx.single = not isinstance(out, tuple)
        return tuple(o.detach() for o in outputs) if not ctx.single else out.detach()

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple:
        from ..autograd import backward as autograd_backward
        # The engine runs a backward with recording on only for create_graph=True: then the
        # block is recomputed on differentiable aliases of its inputs, so that the gradients
        # it returns (and gives its parameters) depend on them, for double backward.
        create_graph = is_grad_enabled()
        if create_graph:
            inputs = tuple(_Alias.apply(a) if isinstance(a, Tensor) and a.requires_grad
                           else a.detach() if isinstance(a, Tensor) else a for a in ctx.args)
        else:
            inputs = tuple(a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor)
                           else a for a in ctx.args)
        now = {device: _rng_state(device) for device in ctx.rng}
        for device, state in ctx.rng.items():  # replay the forward's random numbers
            _set_rng_state(device, state)
        try:
            with enable_grad():
                out = ctx.run(*inputs)
        finally:
            for device, state in now.items():
                _set_rng_state(device, state)
        outputs = (out,) if ctx.single else tuple(out)
        pairs = [(o, g) for o, g in zip(outputs, grads) if o.requires_grad]
        if create_graph:
            return (None, None, None) + _differentiable_grads(pairs, inputs)
        if not accumulates_into_leaves():  # autograd.grad / backward(inputs=): the block's
            from ..autograd import grad as autograd_grad  # parameters' .grad stay untouched
            wanted = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
            found = autograd_grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                                  allow_unused=True) if pairs and wanted else ()
            by_input = dict(zip(map(id, wanted), found))
            return (None, None, None) + tuple(by_input.get(id(a)) if isinstance(a, Tensor)
                                              else None for a in inputs)
        if pairs:
            autograd_backward([o for o, _ in pairs], [g for _, g in pairs])
        input_grads = tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None
                            for a in inputs)
        return (None, None, None) + input_grads


class _Alias(Function):
    """A checkpointed input as the block sees it when recomputed for double backward: the
    same values, with a gradient that flows back to the input (the leaves the block uses
    are found behind the block's own nodes, up to these)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad


def _differentiable_grads(pairs: list, inputs: tuple) -> tuple:
    """The input gradients of the recomputed block with ``create_graph``; its parameters
    (the leaves inside it) get theirs accumulated into ``.grad``, with their graph too."""
    from ..autograd import grad as autograd_grad
    from ..autograd.engine import accumulate_grad
    aliases = [a for a in inputs if isinstance(a, Tensor) and isinstance(a.grad_fn, _Alias)]
    leaves: dict = {}
    stack = [o.grad_fn for o, _ in pairs if o.grad_fn is not None]
    seen: set = set()
    while stack:
        node = stack.pop()
        if node in seen or isinstance(node, _Alias):
            continue
        seen.add(node)
        for edge in node.parents:
            if edge is not None:
                if edge[0] is None:
                    leaves[id(edge[1])] = edge[1]
                else:
                    stack.append(edge[0])
    leaves.update((id(o), o) for o, _ in pairs if o.grad_fn is None)
    targets = aliases + list(leaves.values())
    accumulate = accumulates_into_leaves()  # not for autograd.grad (as in the first order)
    if not accumulate:
        targets = aliases
    found = autograd_grad([o for o, _ in pairs], targets, [g for _, g in pairs],
                          create_graph=True, allow_unused=True) if pairs and targets else \
        (None,) * len(targets)
    for leaf, g in zip(targets[len(aliases):], found[len(aliases):]):
        if g is not None:
            accumulate_grad(leaf, g, True)
    by_alias = dict(zip(map(id, aliases), found))
    return tuple(by_alias.get(id(a)) if isinstance(a, Tensor) else None for a in inputs)


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Any = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` without keeping its intermediate activations; they are
    recomputed in backward (the block must be deterministic apart from its random draws)."""
    if not callable(function):
        raise TypeError(f"checkpoint: expected a callable, got {type(function).__name__}")
    if not is_grad_enabled():
        return function(*args, **kwargs)
    from ..creation import zeros
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    dummy = zeros((), requires_grad=True)
    return _Checkpoint.apply(dummy, run, preserve_rng_state, *args)


def checkpoint_sequential(functions: Any, segments: int, input: Tensor,  # noqa: A002
                          use_reentrant: bool | None = None, **kwargs: Any) -> Tensor:
    """Run a Sequential (or list of modules) in ``segments`` checkpointed chunks; the last
    chunk runs normally, as in PyTorch."""
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if segments <= 0:
        raise ValueError(f"checkpoint_sequential: segments must be positive, got {segments}")
    size = max(len(fns) // segments, 1)

    def run_chunk(start: int, end: int) -> Callable[[Tensor], Tensor]:
        def forward(x: Tensor) -> Tensor:
            for f in fns[start:end]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run_chunk(start, end + 1), input, **kwargs)
    return run_chunk(end + 1, len(fns))(input)

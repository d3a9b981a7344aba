"""``checkpoint``: trade compute for memory by not keeping a block's activations; the block
runs again during backward to rebuild them.

The forward runs without recording a graph; one node stands for the whole block. Its
backward re-runs the block with recording on (same inputs and, with
``preserve_rng_state=True``, the same random numbers, so dropout masks match) and
back-propagates through the rebuilt graph: input gradients are returned, and the block's
parameters receive theirs in ``.grad`` as usual. So ``loss.backward()`` works (also when no
input requires grad, as PyTorch's non-reentrant variant); like PyTorch's reentrant variant,
``autograd.grad`` with respect to the block's parameters is not supported, nor is double
backward (``create_graph=True``) through the block, which raises. ``use_reentrant``
(and the other keyword options) are accepted; there is one implementation.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

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
        if is_grad_enabled():  # the engine records a backward only for create_graph=True
            raise RuntimeError(
                "checkpoint: a checkpointed block cannot be differentiated twice "
                "(create_graph=True): its input gradients would not depend on the inputs, so "
                "second derivatives through it would silently be missing. Call the block "
                "without checkpoint where higher-order gradients are needed.")
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
        if pairs:
            autograd_backward([o for o, _ in pairs], [g for _, g in pairs])
        input_grads = tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None
                            for a in inputs)
        return (None, None, None) + input_grads


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

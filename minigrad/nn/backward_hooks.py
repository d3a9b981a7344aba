"""Module backward hooks: see the gradients that flow into and out of one layer.

``register_full_backward_hook(hook)`` calls ``hook(module, grad_input, grad_output)`` during
``backward()``: how a student watches gradients vanish layer by layer, or clips one layer's.
A module's forward is many ops, so there is no single node whose backward sees exactly the
module's gradients. Instead ``Module.__call__`` passes the module's tensor inputs and outputs
through two identity ops, and their backwards are where the hooks run:

- the outputs' identity receives ``grad_output`` (and runs the pre-hooks, which may replace it);
- the inputs' identity runs after everything inside the module, with ``grad_input``, and calls
  the hooks, which may replace ``grad_input``.

When no input needs a gradient (the first layer, fed with data), the hooks run from the
outputs' identity with ``grad_input`` all ``None``, as in PyTorch.
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor


#: ``register_module_full_backward_hook`` / ``..._pre_hook`` (module.py): hooks run for every
#: module, before the module's own ones, as PyTorch.
GLOBAL_BACKWARD_HOOKS: dict = {}
GLOBAL_BACKWARD_PRE_HOOKS: dict = {}


class _Call:
    """One call of a hooked module: what its two identities share. ``positions``: where the
    tensor arguments sit among the ``n_args`` positional arguments."""

    def __init__(self, module: Any, positions: list, n_args: int, inputs_need_grad: bool
                 ) -> None:
        self.module, self.positions, self.n_args = module, positions, n_args
        self.inputs_need_grad = inputs_need_grad
        self.grad_output: tuple | None = None

    def run_hooks(self, grad_input: tuple) -> tuple:
        """``grad_input`` holds the tensor arguments' gradients; the hooks see one entry per
        positional argument (None for a non-tensor one), as PyTorch's."""
        packed = [None] * self.n_args
        for i, g in zip(self.positions, grad_input):
            packed[i] = g
        packed = tuple(packed)
        for hook in [*GLOBAL_BACKWARD_HOOKS.values(), *self.module._backward_hooks.values()]:
            result = hook(self.module, packed, self.grad_output)
            if result is not None:
                packed = _checked(result, packed, "grad_input", hook)
        return tuple(packed[i] for i in self.positions)


def _checked(result: Any, grads: tuple, what: str, hook: Callable) -> tuple:
    """A hook's replacement gradients: as many as it was given, each of the same shape."""
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    name = getattr(hook, "__name__", type(hook).__name__)
    if len(result) != len(grads):
        raise RuntimeError(f"backward hook {name} returned {len(result)} values for {what}, "
                           f"expected {len(grads)}")
    for i, (new, old) in enumerate(zip(result, grads)):
        if new is not None and old is not None and tuple(new.shape) != tuple(old.shape):
            raise RuntimeError(f"backward hook {name} returned {what}[{i}] of shape "
                               f"{tuple(new.shape)}, expected {tuple(old.shape)}")
    return result


class _Identity(Function):
    """The tensors passed in, unchanged (the same memory); the subclasses' backwards differ."""

    @staticmethod
    def forward(ctx, call, *tensors):
        ctx.call = call
        return tuple(t.array for t in tensors)


class _OutputsIdentity(_Identity):
    """The module's outputs; backward: the pre-hooks, then keep grad_output (``None`` for an
    output that got no gradient, as PyTorch: grads are not materialized as zeros)."""

    @staticmethod
    def forward(ctx, call, *tensors):
        ctx.set_materialize_grads(False)
        return _Identity.forward(ctx, call, *tensors)

    @staticmethod
    def backward(ctx, *grads):
        call = ctx.call
        for hook in [*GLOBAL_BACKWARD_PRE_HOOKS.values(),
                     *call.module._backward_pre_hooks.values()]:
            result = hook(call.module, grads)
            if result is not None:
                grads = _checked(result, grads, "grad_output", hook)
        call.grad_output = grads
        if not call.inputs_need_grad:
            call.run_hooks((None,) * len(call.positions))
        return (None,) + tuple(grads)


class _InputsIdentity(_Identity):
    """The module's tensor inputs; backward: the hooks see grad_input."""

    @staticmethod
    def backward(ctx, *grads):
        grad_input = tuple(g if need else None for g, need in zip(grads, ctx.needs_input_grad[1:]))
        return (None,) + ctx.call.run_hooks(grad_input)


def hook_inputs(module: Any, args: tuple) -> tuple:
    """Before forward: ``(call, args)``, the tensor inputs that need a gradient passed through
    the inputs' identity (``call`` is None with grad mode off: no hooks will run)."""
    if not is_grad_enabled():
        return None, args
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    needs = [args[i].requires_grad for i in positions]
    call = _Call(module, positions, len(args), any(needs))
    if any(needs):
        passed = _InputsIdentity.apply(call, *(args[i] for i in positions))
        args = list(args)
        for i, t, need in zip(positions, passed, needs):
            if need:  # the others stay the caller's own tensors
                args[i] = t
        args = tuple(args)
    return call, args


def hook_outputs(call: Any, output: Any) -> Any:
    """After forward: the output with its tensors that carry gradients passed through the
    outputs' identity, in the same structure."""
    if call is None:
        return output
    grads = [t for t in _flatten(output) if t.requires_grad]
    if not grads:
        return output
    passed = iter(_OutputsIdentity.apply(call, *grads))
    return _rebuild(output, {id(t): next(passed) for t in grads})


def _flatten(value: Any) -> list:
    """The tensors in a module's output: a Tensor, or tuples and lists of them at any depth."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    return []


def _rebuild(value: Any, replace: dict) -> Any:
    if isinstance(value, Tensor):
        return replace.get(id(value), value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple keeps its type
        return type(value)(*(_rebuild(v, replace) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_rebuild(v, replace) for v in value)
    return value

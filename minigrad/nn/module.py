"""``Module``: the base class of every layer and model.

A module owns three ordered registries, filled by plain attribute assignment:
parameters (``Parameter`` values), buffers (tensors registered with
``register_buffer``, e.g. BatchNorm's running statistics) and submodules
(``Module`` values). Everything else (iteration, ``state_dict``, ``to``,
``train``/``eval``, ``repr``) walks those registries, in registration order,
so that names and order match PyTorch's and weights can be exchanged by name.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator, Mapping

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..backend import normalize_device
from ..hooks import RemovableHandle, hook_ids
from ..tensor import Tensor, bump_version
from .backward_hooks import (GLOBAL_BACKWARD_HOOKS, GLOBAL_BACKWARD_PRE_HOOKS, hook_inputs,
                             hook_outputs)
from .parameter import Buffer, Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

# Hooks for every module (PyTorch's torch.nn.modules.module.register_module_*_hook): they run
# before each module's own hooks of the same kind.
_global_forward_pre_hooks: OrderedDict = OrderedDict()
_global_forward_hooks: OrderedDict = OrderedDict()
_global_hook_options: dict = {}  # hook id -> {"with_kwargs", "always_call"}


def _add_global_hook(registry: dict, hook: Callable[..., Any], **options: bool
                     ) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register_module_*_hook: a hook must be callable, got "
                        f"{type(hook).__name__}")
    hook_id = next(hook_ids)
    registry[hook_id] = hook
    if any(options.values()):
        _global_hook_options[hook_id] = options
    return RemovableHandle(registry, hook_id)


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """``hook(module, args)`` before every module's forward (and its own pre-hooks)."""
    return _add_global_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """``hook(module, args, output)`` after every module's forward (before its own hooks)."""
    return _add_global_hook(_global_forward_hooks, hook, with_kwargs=with_kwargs,
                            always_call=always_call)


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """``hook(module, grad_output)`` for every module, as its own full backward pre-hooks."""
    return _add_global_hook(GLOBAL_BACKWARD_PRE_HOOKS, hook)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """``hook(module, grad_input, grad_output)`` for every module, as its own full backward
    hooks."""
    return _add_global_hook(GLOBAL_BACKWARD_HOOKS, hook)


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got {name!r}')


class Module:
    """Base class of layers: subclasses set attributes in ``__init__`` and define ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_hook_options", {})  # hook id -> {"with_kwargs", "always_call"}
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())

    # --- running ----------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run pre-hooks, ``forward``, then forward hooks (how activations get inspected).
        With backward hooks registered, the inputs and outputs pass through the identities
        of ``backward_hooks.py``, whose backwards call them."""
        if "_forward_pre_hooks" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: Module.__init__() was not called; call "
                               "super().__init__() first in your __init__")
        options = self.__dict__.get("_hook_options", {})
        pre_hooks, hooks = self._forward_pre_hooks, self._forward_hooks
        if _global_forward_pre_hooks or _global_forward_hooks:  # the global ones run first
            options = {**_global_hook_options, **options}
            pre_hooks = {**_global_forward_pre_hooks, **pre_hooks}
            hooks = {**_global_forward_hooks, **hooks}
        call, output, called = None, None, set()  # called: always_call hooks already run
        try:  # an error anywhere below still runs the always_call forward hooks (PyTorch)
            for hook_id, hook in list(pre_hooks.items()):
                if options.get(hook_id, {}).get("with_kwargs"):
                    result = hook(self, args, kwargs)
                    if result is not None:
                        if not (isinstance(result, tuple) and len(result) == 2):
                            raise RuntimeError("forward pre-hook registered with_kwargs=True must "
                                               f"return None or a tuple (args, kwargs), got "
                                               f"{result!r}")
                        args, kwargs = result
                else:
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)

            # Inline, not in a helper: layers warn with a stacklevel that assumes this frame
            # calls forward directly.
            if (self.__dict__.get("_backward_hooks") or self.__dict__.get("_backward_pre_hooks")
                    or GLOBAL_BACKWARD_HOOKS or GLOBAL_BACKWARD_PRE_HOOKS):
                call, args = hook_inputs(self, args)
            output = self.forward(*args, **kwargs)
            for hook_id, hook in list(hooks.items()):
                if options.get(hook_id, {}).get("always_call"):
                    called.add(hook_id)
                result = hook(self, args, kwargs, output) \
                    if options.get(hook_id, {}).get("with_kwargs") else hook(self, args, output)
                if result is not None:
                    output = result
        except Exception:
            self._run_always_called_hooks(hooks, options, args, kwargs, output, called)
            raise
        return output if call is None else hook_outputs(call, output)

    def _run_always_called_hooks(self, hooks: dict, options: dict, args: tuple, kwargs: dict,
                                 output: Any, called: set) -> None:
        """Something raised: the forward hooks registered with ``always_call`` that have not
        run yet still run, with the output so far (None if forward itself raised)."""
        for hook_id, hook in list(hooks.items()):
            if options.get(hook_id, {}).get("always_call") and hook_id not in called:
                try:
                    if options[hook_id].get("with_kwargs"):
                        hook(self, args, kwargs, output)
                    else:
                        hook(self, args, output)
                except Exception:
                    pass  # the first error is the one to report

    def _add_hook(self, registry: dict, hook: Callable[..., Any], prepend: bool = False,
                  **options: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}: a hook must be callable, got "
                            f"{type(hook).__name__}")
        hook_id = next(hook_ids)
        registry[hook_id] = hook
        if prepend:
            registry.move_to_end(hook_id, last=False)
        if any(options.values()):
            self._hook_options[hook_id] = options
        return RemovableHandle(registry, hook_id)

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces ``args``.
        With ``with_kwargs``: ``hook(module, args, kwargs)`` returning ``(args, kwargs)``."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs=with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result replaces it.
        ``always_call``: also when forward raises (with ``output=None``)."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs=with_kwargs,
                              always_call=always_call)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` in backward, once the gradients with
        respect to the module's tensor inputs are known; a non-None result replaces
        ``grad_input``."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` in backward before the module's own gradients are
        computed; a non-None result replaces ``grad_output``."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's deprecated hook saw the gradients of the module's *last op*, not of its
        inputs; minigrad refuses it rather than give either meaning silently."""
        raise RuntimeError(f"{type(self).__name__}.register_backward_hook is deprecated in PyTorch "
                           "and not supported by minigrad: use register_full_backward_hook, whose "
                           "grad_input is the gradient with respect to the module's inputs")

    # --- registration -----------------------------------------------------------------------
    def _require_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call "
                                 f"(in {type(self).__name__}; call super().__init__() first)")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (None reserves the name, e.g. ``bias=False``)."""
        self._require_init("parameters")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute {name!r} already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"{name!r} (minigrad.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is saved and moved with the module but is not trained."""
        self._require_init("buffers")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute {name!r} already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer {name!r} "
                            "(minigrad.Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register a submodule under ``name`` (its parameters get the prefix ``name.``)."""
        self._require_init("child modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute {name!r} already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter {name!r} "
                                "(minigrad.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Buffer):  # nn.Buffer: a buffer by declaration
            self._require_init("buffers")
            self._forget(name, keep=self._buffers)
            self.register_buffer(name, Tensor._make(value.array, value.device), value.persistent)
        elif isinstance(value, Module):
            self._require_init("child modules")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module {name!r} "
                                "(minigrad.nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer {name!r} "
                                "(minigrad.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Drop ``name`` from the instance dict and every registry but ``keep``, before
        ``name`` is registered in ``keep``: replacing an entry keeps its place in the order
        (of ``parameters()`` and ``state_dict()``), as in PyTorch."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    # --- walking the tree ---------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """This module and every descendant, depth first, each shared module once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs in registration order; shared weights appear once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every learnable tensor, in a fixed order (what an optimizer is given)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> "Module":
        """The descendant at a dotted path such as ``'features.1'``."""
        module = self
        if target == "":
            return module
        for item in target.split("."):
            if item not in module._modules or module._modules[item] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {item!r} "
                                     f"(looking up {target!r})")
            module = module._modules[item]
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path such as ``'features.0.weight'``."""
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path such as ``'bn.running_mean'``."""
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target: str, registry: str, kind: str) -> Any:
        path, _, name = target.rpartition(".")
        owner = self.get_submodule(path)
        members = getattr(owner, registry)
        if name not in members or members[name] is None:
            raise AttributeError(f"{type(owner).__name__} has no {kind} {name!r} (looking up "
                                 f"{target!r})")
        return members[name]

    def set_submodule(self, target: str, module: "Module") -> None:
        """Replace (or add) the submodule at a dotted path, e.g. to swap one layer of a model."""
        if not isinstance(module, Module):
            raise TypeError(f"set_submodule: expected a Module, got {type(module).__name__}")
        if target == "":
            raise ValueError("set_submodule: cannot set the module itself (target is '')")
        path, _, name = target.rpartition(".")
        self.get_submodule(path).add_module(name, module)

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule, then on self (e.g. a custom weight init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # --- modes and gradients ----------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode here and in every submodule (Dropout and BatchNorm read it)."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be a bool, got "
                             f"{type(mode).__name__}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        """Inference mode: Dropout becomes identity and BatchNorm uses running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (False) or unfreeze every parameter, e.g. for fine-tuning."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients, which otherwise accumulate across ``backward()`` calls."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                grad = p.grad.detach() if p.grad.grad_fn is not None else p.grad
                grad.requires_grad = False
                with no_grad():
                    grad.zero_()
                p.grad = grad

    # --- devices and dtypes -----------------------------------------------------------------
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> "Module":
        """Convert every parameter, gradient and buffer with ``fn``, keeping the objects.

        Parameters are updated in place (their identity is kept) so an optimizer built
        before ``to()`` still holds the right tensors.
        """
        for module in self.modules():
            for p in module._parameters.values():
                if p is None:
                    continue
                with no_grad():
                    new = fn(p)
                    p.array, p.device = new.array, new.device
                    if p.grad is not None:
                        g = fn(p.grad)
                        p.grad = Tensor._make(g.array, g.device)
            for b in module._buffers.values():
                if b is None:
                    continue
                with no_grad():
                    new = fn(b)
                    b.array, b.device = new.array, new.device
        return self

    def to(self, *args: Any, device: Any = None, dtype: Any = None,
           non_blocking: bool = False) -> "Module":
        """``to('cuda')``, ``to(mg.float64)``, ``to('cpu', mg.float32)``: moves every tensor.

        A dtype applies to floating-point parameters and buffers only, so integer
        buffers such as ``num_batches_tracked`` stay int64.
        """
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, str) and not _is_dtype_name(a):
                device = a  # normalize_device below names the known devices if it is unknown
            else:
                dtype = a
        if device is not None:
            device = normalize_device(device)
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
            if not dtypes.is_floating(dtype):
                raise TypeError(f"{type(self).__name__}.to only accepts floating point dtypes, "
                                f"but got desired dtype={dtype}")

        def convert(t: Tensor) -> Tensor:
            out = t
            if device is not None and out.device != device:
                out = out.to(device)
            if dtype is not None and dtypes.is_floating(out.dtype) and out.dtype != dtype:
                out = out.to(dtype)
            return out

        return self._apply(convert)

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "Module":
        return self.to("cuda")

    def float(self) -> "Module":
        return self.to(dtypes.float32)

    def double(self) -> "Module":
        return self.to(dtypes.float64)

    def half(self) -> "Module":
        return self.to(dtypes.float16)

    def bfloat16(self) -> "Module":
        raise TypeError(f"{type(self).__name__}.bfloat16: minigrad has no bfloat16 dtype (NumPy "
                        "has none); use half() for float16")

    def type(self, dst_type: Any) -> "Module":
        """Cast every parameter and buffer to ``dst_type`` (a dtype), as PyTorch's."""
        return self._apply(lambda t: t.to(dst_type))

    def to_empty(self, *, device: Any, recurse: bool = True) -> "Module":
        """Move the parameters and buffers to ``device`` without copying their values (PyTorch
        uses it after building a model on the meta device): the new memory is uninitialised."""
        device = normalize_device(device)
        from ..creation import empty

        def fresh(t: Tensor) -> Tensor:
            return empty(*t.shape, dtype=t.dtype, device=device)
        if recurse:
            return self._apply(fresh)
        for registry in (self._parameters, self._buffers):
            for t in registry.values():
                if t is not None:
                    new = fresh(t)
                    t.array, t.device = new.array, new.device
        return self

    def share_memory(self) -> "Module":
        """PyTorch moves tensors to shared memory for multiprocessing; minigrad's DataLoader
        workers are threads, which share memory already, so there is nothing to do."""
        return self

    # --- state_dict ---------------------------------------------------------------------------
    def _state_items(self, prefix: str = "", extra: bool = False
                     ) -> Iterator[tuple[str, Any, "Module"]]:
        """(key, tensor, owner) for every saved tensor: parameters, then persistent buffers,
        (with ``extra``: then ``(key, None, owner)`` for the extra state), then each child's,
        recursively; the key order of PyTorch's state_dict."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p, self
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, b, self
        if extra and _has_extra_state(self):
            yield prefix + _EXTRA_STATE, None, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_items(prefix + name + ".", extra)

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name (``'features.0.weight'``).

        Values are detached tensors sharing memory with the module, as in PyTorch;
        copy them (or save them) if the module keeps training.
        """
        if destination is None:
            destination = OrderedDict()
        for key, t, owner in self._state_items(prefix, extra=True):
            destination[key] = owner.get_extra_state() if t is None else \
                t if keep_vars else t.detach()
        return destination

    def get_extra_state(self) -> Any:
        """Override (with ``set_extra_state``) to save something that is not a tensor in the
        state_dict, under ``'<prefix>_extra_state'``, as PyTorch does."""
        raise RuntimeError(f"{type(self).__name__}: get_extra_state was called but not "
                           "overridden; define it together with set_extra_state")

    def set_extra_state(self, state: Any) -> None:
        """Receives what ``get_extra_state`` returned, from ``load_state_dict``."""
        raise RuntimeError(f"{type(self).__name__}: set_extra_state was called but not "
                           "overridden; define it together with get_extra_state")

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy tensors in by name; every problem is reported at once and nothing is changed.

        With ``strict=True`` missing and unexpected keys are errors; a shape mismatch
        is always an error. The error lists every offending key, so one run is
        enough to see what a checkpoint and a model disagree on.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of tensors, got "
                            f"{type(state_dict).__name__}")
        for module_prefix, module in self.named_modules():  # lazy modules take the shapes
            pre_load = getattr(type(module), "_pre_load_state_dict", None)
            if pre_load is not None:
                pre_load(module, state_dict, f"{module_prefix}." if module_prefix else "")
        items = list(self._state_items(extra=True))
        own = [(key, t, owner) for key, t, owner in items if t is not None]
        extra = {key: owner for key, t, owner in items if t is None}
        own_keys = {key for key, _, _ in items}
        missing = [key for key, _, _ in items if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own_keys]
        problems, plan = [], []
        for key, target, _ in own:
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                if not hasattr(value, "shape") and not isinstance(value, (int, float, list)):
                    problems.append(f'value for "{key}" is a {type(value).__name__}, expected a '
                                    "tensor")
                    continue
                value = Tensor(value, device=target.device)
            if tuple(value.shape) != tuple(target.shape):
                problems.append(f"size mismatch for {key}: copying a param with shape "
                                f"{tuple(value.shape)} from checkpoint, the shape in current "
                                f"model is {tuple(target.shape)}.")
                continue
            plan.append((target, value))
        if strict:
            if unexpected:
                problems.insert(0, "Unexpected key(s) in state_dict: "
                                + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                problems.insert(0, "Missing key(s) in state_dict: "
                                + ", ".join(f'"{k}"' for k in missing) + ".")
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(problems))
        with no_grad():
            for target, value in plan:
                if value.device != target.device:
                    value = value.to(target.device)
                if assign:
                    target.array = value.array.astype(target.dtype, copy=False) \
                        if value.dtype != target.dtype and dtypes.is_floating(target.dtype) \
                        else value.array
                else:
                    target.array[...] = value.array
                    bump_version(target.array)
        for key, module in extra.items():
            if key in state_dict:
                module.set_extra_state(state_dict[key])
        return IncompatibleKeys(missing, unexpected)

    # --- repr ---------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The part inside the parentheses of this module's repr (e.g. ``in_features=4``)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


_EXTRA_STATE = "_extra_state"


def _has_extra_state(module: Module) -> bool:
    """PyTorch's rule: a module has extra state when its class overrides get_extra_state."""
    return type(module).get_extra_state is not Module.get_extra_state


def _is_dtype_name(name: str) -> bool:
    try:
        dtypes.as_dtype(name)
        return True
    except TypeError:
        return False

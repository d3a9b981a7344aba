"""``functional_call``: run a module with some of its parameters and buffers replaced by
given tensors, without changing the module (per-example gradients, meta-learning, ensembles).

The given tensors are put in place of the registered ones for the call only (they are
restored even if the call raises), so gradients flow to the given tensors, not to the
module's own parameters. Tied weights (one parameter under several names) follow
``tie_weights``, as in PyTorch.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...tensor import Tensor
from ..module import Module

_MISSING = object()


def _split(module: Module, name: str) -> tuple:
    owner_path, _, leaf = name.rpartition(".")
    return module.get_submodule(owner_path), leaf


def _tied_names(module: Module) -> dict:
    """name -> all names of the same tensor, for tensors registered under several names."""
    groups: dict[int, list] = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        groups.setdefault(id(t), []).append(name)
    return {n: names for names in groups.values() if len(names) > 1 for n in names}


def _merge(dicts: Any) -> dict:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    if isinstance(dicts, Sequence):
        merged: dict = {}
        for d in dicts:
            if not isinstance(d, Mapping):
                raise TypeError(f"functional_call: expected dicts of tensors, got "
                                f"{type(d).__name__}")
            overlap = sorted(set(merged) & set(d))
            if overlap:
                raise ValueError(f"{overlap} appeared in multiple dictionaries; behavior of "
                                 "functional call is ambiguous")
            merged.update(d)
        return merged
    raise TypeError(f"functional_call: expected a dict (or a tuple of dicts) of tensors, got "
                    f"{type(dicts).__name__}")


def functional_call(module: Module, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters/buffers replaced by the given
    tensors for this call only."""
    values = _merge(parameter_and_buffer_dicts)
    for name, value in values.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"functional_call: value for {name!r} must be a Tensor, got "
                            f"{type(value).__name__}")
    own = [n for n, _ in module.named_parameters(remove_duplicate=False)] + \
        [n for n, _ in module.named_buffers(remove_duplicate=False)]
    if tie_weights:
        tied = _tied_names(module)
        for name in list(values):
            for other in tied.get(name, ()):
                if other in values and values[other] is not values[name]:
                    given = sorted(n for n in tied[name] if n in values)
                    raise ValueError(f"functional_call got multiple values for keys {given}, "
                                     "which are tied. Consider using tie_weights=False")
                values.setdefault(other, values[name])
    if strict:
        missing = [n for n in own if n not in values]
        unexpected = [n for n in values if n not in own]
        if missing or unexpected:
            lines = []
            if unexpected:
                lines.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected) + ".")
            if missing:
                lines.append("Missing key(s): " + ", ".join(repr(k) for k in missing) + ".")
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t"
                               + "\n\t".join(lines))
    saved = []
    try:
        for name, value in values.items():
            owner, leaf = _split(module, name)
            for registry in (owner._parameters, owner._buffers):
                if leaf in registry:
                    saved.append((registry, leaf, registry[leaf]))
                    registry[leaf] = value
                    break
            else:
                saved.append((owner, leaf, owner.__dict__.get(leaf, _MISSING)))
                object.__setattr__(owner, leaf, value)
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for where, leaf, old in reversed(saved):
            if isinstance(where, Module):
                if old is _MISSING:
                    where.__dict__.pop(leaf, None)
                else:
                    object.__setattr__(where, leaf, old)
            else:
                where[leaf] = old

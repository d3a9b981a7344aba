"""Containers and structural layers: ``Sequential``, ``ModuleList``, ``ModuleDict``,
``ParameterList``, ``ParameterDict``, ``Identity``, ``Flatten``, ``Unflatten``."""
from __future__ import annotations

import math
import operator
from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from ..errors import ShapeError
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _index(idx: Any, n: int, what: str) -> int:
    """A Python-style index (negatives count from the end) checked against ``n`` entries;
    anything with ``__index__`` counts (a NumPy integer, a 0-d integer tensor), as PyTorch."""
    try:
        idx = operator.index(idx)
    except TypeError:
        raise TypeError(f"{what} indices must be integers or slices, got "
                        f"{type(idx).__name__}") from None
    if not -n <= idx < n:
        raise IndexError(f"{what}: index {idx} is out of range for {n} modules")
    return idx % n


class Sequential(Module):
    """Chain modules: the output of each is the input of the next; children are named 0, 1, ..."""

    def __init__(self, *args: Any):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self), "Sequential")]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, idx: Any) -> None:
        keys = list(self._modules)
        if isinstance(idx, slice):
            doomed = keys[idx]
        else:
            doomed = [keys[_index(idx, len(self), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        # Renumber 0..n-1, as PyTorch does, so that append() cannot collide with a kept name.
        kept = list(self._modules.values())
        self._modules.clear()
        for i, m in enumerate(kept):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add a module at the end, named by its position."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        """Insert before ``index``; children are renumbered 0..n as PyTorch does."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: {type(module).__name__} is not a Module")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} modules")
        modules = list(self._modules.values())
        modules.insert(index, module)  # a list's rule: -1 goes before the last, as PyTorch
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module (or the Sequential of a slice) at ``key``."""
        value = self[key]
        del self[key]
        return value

    def _other(self, other: Any, op: str) -> "Sequential":
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential {op}: supports only another Sequential, got "
                             f"{type(other).__name__}")
        return other

    def __add__(self, other: "Sequential") -> "Sequential":
        """A new Sequential of this one's modules then ``other``'s (the same objects)."""
        return Sequential(*self, *self._other(other, "+"))

    def __iadd__(self, other: "Sequential") -> "Sequential":
        return self.extend(list(self._other(other, "+=")))

    def _times(self, count: Any) -> int:
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"Sequential *: expected an int factor, got {type(count).__name__}")
        if count <= 0:
            raise ValueError(f"Sequential *: non-positive multiplication factor {count}")
        return count

    def __mul__(self, count: int) -> "Sequential":
        """The modules repeated ``count`` times (the same objects, so weights are shared)."""
        return Sequential(*(list(self) * self._times(count)))

    __rmul__ = __mul__

    def __imul__(self, count: int) -> "Sequential":
        return self.extend(list(self) * (self._times(count) - 1))

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list's would be invisible)."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx: Any) -> None:
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[_index(idx, len(self), "ModuleList")]
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, modules: Iterable[Module]) -> "ModuleList":
        """A new ModuleList of this one's modules then ``modules`` (the same objects)."""
        return ModuleList(list(self)).extend(modules)

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module (or the ModuleList of a slice) at ``key``."""
        value = self[key]
        del self[key]
        return value

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        if isinstance(modules, (Module, Tensor)) and not isinstance(modules, ModuleList):
            raise TypeError(f"ModuleList.extend should be called with an iterable of modules, "
                            f"got {type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __repr__(self) -> str:
        """As PyTorch's: a run of neighbours with equal reprs (a stack of N copied layers)
        prints once, as ``(first-last): N x Layer(...)``."""
        runs: list[list] = []  # [first index, last index, repr]
        for i, child in enumerate(self._modules.values()):
            text = repr(child)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        if not runs:
            return self._get_name() + "()"
        lines = [f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}"
                 for a, b, text in runs]
        return (self._get_name() + "(\n  " + "\n  ".join(s.replace("\n", "\n  ") for s in lines)
                + "\n)")


class ModuleDict(Module):
    """Modules kept by name, in insertion order, with their parameters registered under the
    name (``layers['encoder'].weight`` is ``encoder.weight`` in the state_dict)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; it has {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self._modules[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple]) -> None:
        """Add (or replace) modules from a mapping or from (name, module) pairs."""
        if isinstance(modules, (Module, Tensor, str)) and not isinstance(modules, ModuleDict):
            raise TypeError(f"ModuleDict.update should be called with a mapping or (name, "
                            f"module) pairs, got {type(modules).__name__}")
        for name, module in _named_pairs(modules, "ModuleDict", "module"):
            self[name] = module


class Identity(Module):
    """Return the input unchanged (a placeholder, e.g. to remove a layer by replacement)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        from .functional import flatten
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1): Flatten's inverse,
    e.g. (N, C*H*W) -> (N, C, H, W) in a decoder."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{type(unflattened_size).__name__}")
        for i, size in enumerate(unflattened_size):
            if isinstance(size, bool) or not isinstance(size, int):
                raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, but found "
                                f"element of type {type(size).__name__} at pos {i}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        shape = tuple(input.shape)
        sizes = list(self.unflattened_size)
        if not -len(shape) <= self.dim < len(shape) or not shape:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape "
                             f"{shape}")
        dim = self.dim % len(shape)
        if not sizes or sum(s == -1 for s in sizes) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"Unflatten: unflattened_size {tuple(sizes)} must be non-empty and "
                             "hold at most one -1 and no other negative size")
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or shape[dim] % known:
                raise ShapeError(f"Unflatten: cannot split dim {self.dim} of size {shape[dim]} "
                                 f"into {tuple(sizes)} (input shape {shape})")
            sizes[sizes.index(-1)] = shape[dim] // known
        elif known != shape[dim]:
            raise ShapeError(f"Unflatten: unflattened_size {tuple(sizes)} multiplies to {known}, "
                             f"not to the size {shape[dim]} of dim {self.dim} of the input of "
                             f"shape {shape}")
        return input.reshape(shape[:dim] + tuple(sizes) + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _named_pairs(items: Any, owner: str, what: str) -> Iterator[tuple]:
    """(name, value) pairs from a mapping or from an iterable of pairs, as the dict
    containers' ``update`` accepts them; a malformed element is named by its position."""
    pairs = items.items() if hasattr(items, "items") else items
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{owner}.update: element {i} should be a (name, {what}) pair, "
                            f"got {pair!r}")
        yield pair[0], pair[1]


def _describe_entry(key: Any, value: Any) -> str:
    """One line of a ParameterList/Dict repr: ``(key): Parameter containing: [float32 of size 2x3]``."""
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(s) for s in value.shape)
        device = f" ({value.device})" if value.device != "cpu" else ""
        return f"({key}): {kind} containing: [minigrad.{value.dtype} of size {size}{device}]"
    return f"({key}): Object of type: {type(value).__name__}"


def _set_entry(module: Module, name: str, value: Any) -> None:
    """Store a container entry; a Parameter replacing a Parameter keeps its place (and so its
    place in the state_dict), as in PyTorch."""
    if not (isinstance(value, Parameter) and name in module._parameters):
        module._forget(name)  # a non-parameter may replace a parameter, and the reverse
    Module.__setattr__(module, name, value)


def _as_parameter(value: Any) -> Any:
    """Tensors become Parameters (sharing memory), as PyTorch's parameter containers do."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of parameters that a module registers (named "0", "1", ... in the state_dict);
    a plain Python list of Parameters would be invisible to parameters() and to()."""

    def __init__(self, values: Iterable[Any] | None = None):
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self += values

    def _index(self, idx: Any) -> int:
        return _index(idx, len(self), "ParameterList")

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx: int, param: Any) -> None:
        idx = self._index(idx)
        setattr(self, str(idx), _as_parameter(param))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.isdigit():
            _set_entry(self, name, value)
        else:
            super().__setattr__(name, value)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, parameters: Iterable[Any]) -> "ParameterList":
        return self.extend(parameters)

    def __dir__(self) -> list:
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, value: Any) -> "ParameterList":
        """Add one entry at the end (a Tensor is wrapped into a Parameter)."""
        new_idx = len(self)
        object.__setattr__(self, "_size", new_idx + 1)
        self[new_idx] = value
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_describe_entry(i, p) for i, p in enumerate(self))


class ParameterDict(Module):
    """Parameters kept by name, in insertion order, registered under that name (so
    ``model.pd['scale']`` is ``pd.scale`` in the state_dict)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple] | None = None):
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key(key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be strings, got {type(key).__name__} "
                            f"({key!r})")
        if key == "" or "." in key:
            raise KeyError(f"ParameterDict: a key must be non-empty and can't contain '.', got "
                           f"{key!r}")
        return key

    def __getitem__(self, key: str) -> Any:
        if self._key(key) not in self._keys:
            raise KeyError(f"ParameterDict has no entry {key!r}; it has {list(self._keys)}")
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        key = self._key(key)
        if key not in self._keys and hasattr(self, key):
            raise KeyError(f"ParameterDict: key {key!r} is the name of an attribute of the module")
        _set_entry(self, key, _as_parameter(value))
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        if self._key(key) not in self._keys:
            raise KeyError(f"ParameterDict has no entry {key!r}; it has {list(self._keys)}")
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def values(self) -> Iterator[Any]:
        return (self[k] for k in self._keys)

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((k, self[k]) for k in self._keys)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._keys else default

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted (key, value)."""
        if not self._keys:
            raise KeyError("ParameterDict.popitem: the dict is empty")
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def copy(self) -> "ParameterDict":
        """A new ParameterDict holding the same parameter objects (a shallow copy)."""
        return ParameterDict(list(self.items()))

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple]) -> None:
        """Add (or replace) entries from a mapping or from (name, value) pairs."""
        if isinstance(parameters, (Tensor, str)) or not hasattr(parameters, "__iter__"):
            raise TypeError(f"ParameterDict.update should be called with a mapping or (name, "
                            f"value) pairs, got {type(parameters).__name__}")
        for name, value in _named_pairs(parameters, "ParameterDict", "value"):
            self[name] = value

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> "ParameterDict":
        """A new ParameterDict with every key in ``keys`` set to ``default``."""
        return ParameterDict((key, default) for key in keys)

    def __or__(self, other: "ParameterDict") -> "ParameterDict":
        """A copy of this dict updated with ``other`` (whose entries win)."""
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other: "ParameterDict") -> "ParameterDict":
        merged = ParameterDict(other)
        merged.update(self)
        return merged

    def __ior__(self, other: "ParameterDict") -> "ParameterDict":
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_describe_entry(k, v) for k, v in self.items())

"""Nested containers of tensors (tuples, lists, dicts, named tuples) as flat lists and back.

torch.func's transforms accept and return such "pytrees" (a dict of parameters for per-sample
gradients, a tuple of outputs), so each transform flattens them, works on the flat list of
tensors, and rebuilds the caller's structure. A spec is ``None`` for a leaf, or
``(type, keys, child_specs)`` for a container (``keys`` only for dicts).
"""
from __future__ import annotations

from typing import Any, Callable


def _is_container(obj: Any) -> bool:
    return isinstance(obj, (tuple, list, dict))


def tree_flatten(obj: Any) -> tuple:
    """(leaves in order, spec) of a nested tuple/list/dict structure."""
    leaves: list = []

    def visit(node: Any) -> Any:
        if isinstance(node, dict):
            keys = list(node.keys())
            return (type(node), keys, [visit(node[k]) for k in keys])
        if isinstance(node, (tuple, list)):
            return (type(node), None, [visit(c) for c in node])
        leaves.append(node)
        return None

    return leaves, visit(obj)


def tree_unflatten(spec: Any, leaves: Any) -> Any:
    """The structure described by ``spec`` with its leaves taken from ``leaves`` in order."""
    it = iter(leaves)

    def build(s: Any) -> Any:
        if s is None:
            return next(it)
        typ, keys, children = s
        values = [build(c) for c in children]
        if keys is not None:
            return typ(zip(keys, values))
        if hasattr(typ, "_fields"):  # a named tuple takes its fields positionally
            return typ(*values)
        return typ(values)

    return build(spec)


def tree_map(fn: Callable[[Any], Any], obj: Any) -> Any:
    leaves, spec = tree_flatten(obj)
    return tree_unflatten(spec, [fn(leaf) for leaf in leaves])


def spec_str(spec: Any) -> str:
    """A short readable form of a spec for error messages: ``(*, {a: *})``."""
    if spec is None:
        return "*"
    typ, keys, children = spec
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {spec_str(c)}" for k, c in zip(keys, children)) + "}"
    inner = ", ".join(spec_str(c) for c in children)
    return f"[{inner}]" if issubclass(typ, list) else f"({inner}{',' if len(children) == 1 else ''})"


def same_structure(a: Any, b: Any) -> bool:
    """Whether two specs describe the same nesting (container kinds, lengths and dict keys)."""
    if a is None or b is None:
        return a is None and b is None
    (ta, ka, ca), (tb, kb, cb) = a, b
    kind = lambda t: dict if issubclass(t, dict) else list if issubclass(t, list) else tuple
    if kind(ta) != kind(tb) or len(ca) != len(cb):
        return False
    if ka != kb:  # dicts: the same keys in the same order (the order leaves are listed in)
        return False
    return all(same_structure(x, y) for x, y in zip(ca, cb))

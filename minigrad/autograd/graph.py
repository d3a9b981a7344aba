"""``autograd.graph.saved_tensors_hooks``: choose how the tensors ops save for backward are kept.

Inside ``with saved_tensors_hooks(pack, unpack):`` every tensor an op records for its
backward is handed to ``pack(tensor)``, and whatever that returns is kept in its place; when
backward needs it, ``unpack(kept)`` must give back a tensor with the same values (PyTorch's
API: compress, move or log what the graph holds). As in PyTorch, the in-place check of
saved tensors cannot see through the hooks. minigrad applies them to the tensors ops save
that are not the op's own outputs (those stay as they are, for double backward).
``disable_saved_tensors_hooks(message)`` makes opening such a context raise ``message``.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

_local = threading.local()  # .stack: this thread's (pack, unpack) pairs, innermost last
active = 0  # how many contexts are open in any thread: Function.apply looks only when > 0
_count = threading.Lock()


def current_hooks() -> tuple | None:
    """The innermost ``(pack, unpack)`` pair of this thread, or ``None``."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


class saved_tensors_hooks:
    """``with saved_tensors_hooks(pack_hook, unpack_hook):`` (see the module docstring)."""

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        global active
        if getattr(_local, "disabled", None) is not None:
            raise RuntimeError(_local.disabled)
        if not hasattr(_local, "stack"):
            _local.stack = []
        _local.stack.append((self.pack_hook, self.unpack_hook))
        with _count:
            active += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        global active
        _local.stack.pop()
        with _count:
            active -= 1


class disable_saved_tensors_hooks:
    """``with disable_saved_tensors_hooks(message):``: opening a ``saved_tensors_hooks``
    inside raises ``RuntimeError(message)`` (for code that cannot work with them)."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self) -> "disable_saved_tensors_hooks":
        self.previous = getattr(_local, "disabled", None)
        _local.disabled = self.error_message
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.disabled = self.previous


class Packed:
    """A saved tensor as ``pack`` returned it, with the ``unpack`` that restores it."""

    __slots__ = ("value", "unpack")

    def __init__(self, value: Any, unpack: Callable[[Any], Any]) -> None:
        self.value, self.unpack = value, unpack


def pack_saved(saved: tuple, hooks: tuple) -> tuple:
    """``saved`` with its plain tensors replaced by what ``hooks``' pack returns."""
    from ..tensor import Tensor
    pack, unpack = hooks
    stack, _local.stack = _local.stack, []  # ops inside pack itself are not packed again
    try:
        return tuple(Packed(pack(t), unpack) if isinstance(t, Tensor) else t for t in saved)
    finally:
        _local.stack = stack

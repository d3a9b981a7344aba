"""The handle every ``register_*hook`` returns (tensors, modules, optimizers).

``handle.remove()`` unregisters the hook, and ``with handle:`` removes it at the end of the
block, as PyTorch's ``RemovableHandle``. Part of the core, so that ``nn`` and ``optim`` share it.
"""
from __future__ import annotations

import itertools
from typing import Any

#: A fresh key for each hook registered in a dict, in registration order.
hook_ids = itertools.count()


class RemovableHandle:
    """Unregisters one hook from ``hooks``: a dict (by key ``key``) or a list (``key`` is the hook)."""

    def __init__(self, hooks: Any, key: Any) -> None:
        self._hooks = hooks
        self.id = key

    def remove(self) -> None:
        if isinstance(self._hooks, dict):
            self._hooks.pop(self.id, None)
        elif any(h is self.id for h in self._hooks):
            self._hooks.remove(self.id)

    def __call__(self) -> None:  # minigrad's tensor hooks used to return a function to call
        self.remove()

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

"""Optimizer step hooks: run code just before or after every ``optimizer.step()``.

For logging updates, checking gradients for nan before they land, or adjusting a group's
learning rate from outside the optimizer. PyTorch's names: ``opt.register_step_pre_hook``,
``opt.register_step_post_hook`` for one optimizer, and ``register_optimizer_step_pre_hook`` /
``register_optimizer_step_post_hook`` for every optimizer. Global hooks run first.

Each optimizer writes its own ``step``; ``Optimizer.__init_subclass__`` wraps it with
``with_step_hooks`` once per class, so a new optimizer gets hooks without doing anything.
"""
from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any, Callable

from ..hooks import RemovableHandle, hook_ids

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> Any:
    """``hook(optimizer, args, kwargs)`` before every optimizer's step; it may return a new
    ``(args, kwargs)``."""
    hook_id = next(hook_ids)
    _global_pre_hooks[hook_id] = hook
    return RemovableHandle(_global_pre_hooks, hook_id)


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> Any:
    """``hook(optimizer, args, kwargs)`` after every optimizer's step."""
    hook_id = next(hook_ids)
    _global_post_hooks[hook_id] = hook
    return RemovableHandle(_global_post_hooks, hook_id)


def with_step_hooks(step: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` with the pre-hooks before it and the post-hooks after it. A step that calls
    its parent class's step runs the hooks once, in the outer call."""
    if getattr(step, "_runs_step_hooks", False):
        return step

    @functools.wraps(step)
    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_in_step"):
            return step(self, *args, **kwargs)
        pre = list(_global_pre_hooks.values()) + list(self.__dict__.get("_step_pre_hooks", {}).values())
        post = list(_global_post_hooks.values()) + list(self.__dict__.get("_step_post_hooks", {}).values())
        for hook in pre:
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2 and
                        isinstance(result[0], tuple) and isinstance(result[1], dict)):
                    raise RuntimeError(f"{type(self).__name__}: a step pre-hook must return None or "
                                       f"a tuple (args, kwargs), got {result!r}")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        for hook in post:
            hook(self, args, kwargs)
        return out

    hooked._runs_step_hooks = True  # type: ignore[attr-defined]
    return hooked

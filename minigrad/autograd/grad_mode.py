"""Switching graph recording on and off (``no_grad`` for evaluation, ``enable_grad`` inside it)."""
from __future__ import annotations

import functools
from typing import Any, Callable

_enabled = True


def is_grad_enabled() -> bool:
    """Whether new operations record a graph for backward."""
    return _enabled


def _set_enabled(mode: bool) -> None:
    """Turn graph recording on or off (the fast path ``Function.apply`` uses around forward)."""
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    """A context manager and decorator that sets grad mode and restores the old one."""

    mode = True

    def __new__(cls, fn: Callable | None = None) -> Any:
        """``@no_grad()`` and, as in PyTorch, the bare ``@no_grad`` both decorate."""
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        _set_enabled(self.mode)

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._previous)

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():  # a new one per call: calls may nest or run in threads
                return fn(*args, **kwargs)
        return wrapper

    def _fresh(self) -> "_GradMode":
        return type(self)()


class no_grad(_GradMode):
    """Evaluate without recording a graph: faster, and nothing is kept for backward."""

    mode = False


class enable_grad(_GradMode):
    """Record a graph again, even inside ``no_grad``."""

    mode = True


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode``: here the same as ``no_grad`` (minigrad keeps no view or
    version bookkeeping that inference mode could skip); ``inference_mode(False)`` changes
    nothing. A context manager, ``@inference_mode()`` or bare ``@inference_mode``."""

    enabled = True

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # the bare @inference_mode decorator
            return super().__new__(cls, mode)
        self = super().__new__(cls)
        self.enabled = bool(mode)
        return self

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        if self.enabled:
            _set_enabled(False)

    def _fresh(self) -> "_GradMode":
        return inference_mode(self.enabled)


class set_grad_enabled:
    """Turn graph recording on or off: at once when called (``mg.set_grad_enabled(False)``),
    or for a block (``with mg.set_grad_enabled(phase == "train"):``), restoring the previous
    mode at its end, as in PyTorch."""

    def __init__(self, mode: bool) -> None:
        self._previous = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._previous)

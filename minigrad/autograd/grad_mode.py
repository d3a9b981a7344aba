"""Switching graph recording on and off (``no_grad`` for evaluation, ``enable_grad`` inside it)."""
from __future__ import annotations

import functools
from typing import Any, Callable

_enabled = True


def is_grad_enabled() -> bool:
    """Whether new operations record a graph for backward."""
    return _enabled


def set_grad_enabled(mode: bool) -> None:
    """Turn graph recording on or off globally."""
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
        set_grad_enabled(self.mode)

    def __exit__(self, *exc: Any) -> None:
        set_grad_enabled(self._previous)

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Evaluate without recording a graph: faster, and nothing is kept for backward."""

    mode = False


class enable_grad(_GradMode):
    """Record a graph again, even inside ``no_grad``."""

    mode = True

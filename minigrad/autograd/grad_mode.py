"""Switching graph recording on and off (``no_grad`` for evaluation, ``enable_grad`` inside it)."""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable


class _ThreadState(threading.local):
    """Grad mode is per thread, as in PyTorch: a DataLoader worker thread computing on
    tensors (whose ops switch recording off around their forward) must not switch it off
    for the training step running in the main thread, and a new thread starts with
    recording on whatever the thread that started it is doing."""

    enabled = True     # the defaults every thread starts with
    inference = False


_state = _ThreadState()


def is_grad_enabled() -> bool:
    """Whether new operations record a graph for backward (in this thread)."""
    return _state.enabled


def _set_enabled(mode: bool) -> None:
    """Turn graph recording on or off (the fast path ``Function.apply`` uses around forward)."""
    _state.enabled = bool(mode)


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside ``inference_mode()`` (PyTorch's function)."""
    return _state.inference


def _decorate(fn: Callable, fresh: Callable[[], Any]) -> Callable:
    """``fn`` run inside the context manager ``fresh()`` makes, a new one per call (calls may
    nest or run in threads). A generator function gets the mode each time it resumes, and
    the caller's mode back each time it yields, as PyTorch's decorators do."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            gen = fn(*args, **kwargs)
            send, value = gen.send, None
            while True:
                try:
                    with fresh():
                        item = send(value)
                except StopIteration as stop:
                    return stop.value
                try:
                    value, send = (yield item), gen.send
                except GeneratorExit:
                    with fresh():
                        gen.close()
                    raise
                except BaseException as error:  # thrown in by the caller: pass it on
                    value, send = error, gen.throw
        return generator

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with fresh():
            return fn(*args, **kwargs)
    return wrapper


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
        return _decorate(fn, self._fresh)

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
    version bookkeeping that inference mode could skip, and its tensors made inside are
    ordinary tensors). ``inference_mode(False)`` leaves inference mode and turns recording
    on, as in PyTorch (even inside ``no_grad``). A context manager, ``@inference_mode()`` or
    bare ``@inference_mode``."""

    enabled = True

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # the bare @inference_mode decorator
            return super().__new__(cls, mode)
        self = super().__new__(cls)
        self.enabled = bool(mode)
        return self

    def __enter__(self) -> None:
        self._previous = is_grad_enabled()
        self._previous_inference = _state.inference
        _set_enabled(not self.enabled)
        _state.inference = self.enabled

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._previous)
        _state.inference = self._previous_inference

    def _fresh(self) -> "_GradMode":
        return inference_mode(self.enabled)


class set_grad_enabled:
    """Turn graph recording on or off: at once when called (``mg.set_grad_enabled(False)``),
    or for a block (``with mg.set_grad_enabled(phase == "train"):``), restoring the previous
    mode at its end, as in PyTorch."""

    def __init__(self, mode: bool) -> None:
        self._previous = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        """``@set_grad_enabled(False)``: the mode applies inside ``fn`` only (so the call that
        made this decorator changes nothing outside it), as in PyTorch."""
        _set_enabled(self._previous)
        return _decorate(fn, lambda: set_grad_enabled(self.mode))

    def __exit__(self, *exc: Any) -> None:
        _set_enabled(self._previous)

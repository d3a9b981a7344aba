"""Anomaly detection: find the op whose backward produced the first nan, and where it was called.

A loss that turns into nan after an hour of training is the classic debugging problem. With
``detect_anomaly()`` on, every op recorded in the graph keeps the stack of the forward call
that created it, and backward checks each op's gradients as they are computed: the first op
whose backward returns nan raises an error that names it and shows that forward stack. An
error raised inside an op's backward gets the same stack attached. It costs a stack capture
per op, so it is for debugging, as in PyTorch.
"""
from __future__ import annotations

import functools
import os
import threading
import traceback
import warnings
from typing import Any, Callable

_state = threading.local()  # .enabled, .check_nan: per thread, as grad mode


def is_anomaly_enabled() -> bool:
    """Whether ops record their forward stack and backward checks for nan."""
    return getattr(_state, "enabled", False)


def is_anomaly_check_nan_enabled() -> bool:
    return getattr(_state, "check_nan", True)


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for this thread (PyTorch's ``torch.set_anomaly_enabled``)."""
    _state.enabled, _state.check_nan = bool(enabled), bool(check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off: as a call, or for a ``with`` block (PyTorch's)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.previous = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        _state.enabled, _state.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _state.enabled, _state.check_nan = self.previous


class detect_anomaly:
    """``with detect_anomaly():`` (or ``@detect_anomaly()``): anomaly detection in one block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.previous = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        _state.enabled, _state.check_nan = True, self.check_nan

    def __exit__(self, *exc: Any) -> None:
        _state.enabled, _state.check_nan = self.previous

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def forward_stack() -> list:
    """Where the op being recorded was called from: the caller's frames, minigrad's own
    (the op's wrapper, module calls) left out so that the last line is the user's."""
    frames = traceback.extract_stack()[:-2]  # this function and Function.apply
    outside = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE + os.sep)]
    return traceback.format_list(outside or frames)


def checked_backward(call: Callable[[Any, list], tuple], node: Any, grads: list) -> tuple:
    """``call(node, grads)``, with the node's forward stack attached to any error and, with
    ``check_nan``, an error if one of the gradients it returns has a nan."""
    stack = "".join(getattr(node, "forward_stack", None) or ["  (not recorded: the op was "
                                                              "created before anomaly mode)\n"])
    try:
        result = call(node, grads)
    except Exception as error:
        note = (f"Error detected in {node.name}'s backward. Traceback of the forward call that "
                f"created it:\n{stack}")
        if hasattr(error, "add_note"):  # Python 3.11+
            error.add_note(note)
        else:
            warnings.warn(note, RuntimeWarning, stacklevel=2)
        raise
    if is_anomaly_check_nan_enabled():
        for i, g in enumerate(result):
            if g is not None and bool(g.xp.isnan(g.array).any()):
                raise RuntimeError(
                    f"Function '{node.name}' returned nan values in its gradient for input {i} "
                    f"(shape {tuple(g.shape)}). Traceback of the forward call that created "
                    f"it:\n{stack}")
    return result

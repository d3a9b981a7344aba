"""``mg.compile``: PyTorch's ``torch.compile``, which minigrad accepts and does not need.

Code written for PyTorch often wraps its model in ``torch.compile`` for speed. minigrad runs
every op eagerly as written (that is what makes it readable), so there is nothing to compile:
``mg.compile`` returns what it was given, and results are exactly those of the eager model.
"""
from __future__ import annotations

from typing import Any, Callable, Optional


def compile(model: Optional[Callable] = None, **options: Any) -> Any:  # noqa: A001
    """Return ``model`` unchanged (also as ``@mg.compile`` or ``@mg.compile(mode=...)``);
    PyTorch's options (fullgraph, dynamic, backend, mode, options, disable) are accepted."""
    known = {"fullgraph", "dynamic", "backend", "mode", "options", "disable"}
    unknown = set(options) - known
    if unknown:
        raise TypeError(f"compile: unexpected keyword argument(s) {sorted(unknown)} (PyTorch's "
                        f"are {sorted(known)})")
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a Module or a function, got {type(model).__name__}")
    return model

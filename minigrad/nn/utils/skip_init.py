"""``skip_init``: build a module without trusting its initial values (PyTorch's API for
"I will load or initialise the weights myself")."""
from __future__ import annotations

import inspect
from typing import Any

from ..module import Module


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """Instantiate ``module_cls(*args, **kwargs)`` whose parameters and buffers are to be
    treated as uninitialised, as PyTorch's ``torch.empty``. minigrad has no 'meta' device,
    so the class's own initialisation still runs (its values are simply not promised);
    the checks and the ``device`` handling are PyTorch's."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs)

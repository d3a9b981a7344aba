"""The seam between the math and the arrays.

Everything above this file asks a tensor for its backend and calls
``backend.xp`` (the NumPy-compatible namespace) or one of the few helpers
below where NumPy and CuPy differ. Only this file imports numpy or cupy.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np


class Backend:
    """One device's array library plus the operations that differ between libraries."""

    def __init__(self, name: str, xp: Any):
        self.name = name
        self.xp = xp
        self.rng = xp.random.default_rng(_initial_seed)

    # --- moving data -------------------------------------------------------
    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """Host data (lists, scalars, NumPy arrays) to an array on this device."""
        return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        """An array on this device back to a NumPy array on the host."""
        return np.asarray(array)

    def is_array(self, obj: Any) -> bool:
        """Whether ``obj`` is an array that lives on this device."""
        return isinstance(obj, self.xp.ndarray)

    # --- operations that differ between NumPy and CuPy ----------------------
    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` with repeated indices adding up (unbuffered)."""
        self.xp.add.at(target, index, values)

    def sliding_window_view(self, array: Any, window_shape: tuple, axis: tuple) -> Any:
        """A read-only strided view of every window, with no copy."""
        return np.lib.stride_tricks.sliding_window_view(array, window_shape, axis=axis)

    def as_strided(self, array: Any, shape: tuple, strides: tuple) -> Any:
        """A view with the given shape and byte strides (no copy, no checks)."""
        return np.lib.stride_tricks.as_strided(array, shape=shape, strides=strides, writeable=False)

    def seed(self, seed: int) -> None:
        """Reset this device's random generator."""
        self.rng = self.xp.random.default_rng(seed)

    def synchronize(self) -> None:
        """Wait for queued device work (a no-op on the CPU)."""

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


class CupyBackend(Backend):
    """The GPU: CuPy, imported only when a tensor is first put on 'cuda'."""

    def __init__(self, cupy: Any):
        super().__init__("cuda", cupy)
        self._cupyx = importlib.import_module("cupyx")

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        if isinstance(data, self.xp.ndarray):
            return data.astype(dtype, copy=False) if dtype is not None else data
        return self.xp.asarray(np.asarray(data, dtype=dtype))

    def to_numpy(self, array: Any) -> np.ndarray:
        return self.xp.asnumpy(array)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        self._cupyx.scatter_add(target, index, values)

    def sliding_window_view(self, array: Any, window_shape: tuple, axis: tuple) -> Any:
        shape, strides = _window_geometry(array.shape, array.strides, window_shape, axis)
        return self.xp.lib.stride_tricks.as_strided(array, shape=shape, strides=strides)

    def as_strided(self, array: Any, shape: tuple, strides: tuple) -> Any:
        return self.xp.lib.stride_tricks.as_strided(array, shape=shape, strides=strides)

    def synchronize(self) -> None:
        self.xp.cuda.get_current_stream().synchronize()


def _window_geometry(shape: tuple, strides: tuple, window_shape: tuple, axis: tuple):
    """Shape and strides of a sliding-window view (NumPy's rule, for libraries without it)."""
    out_shape, out_strides = list(shape), list(strides)
    for ax, w in zip(axis, window_shape):
        out_shape[ax] = shape[ax] - w + 1
    return tuple(out_shape) + tuple(window_shape), tuple(out_strides) + tuple(strides[a] for a in axis)


_initial_seed = 0
_BACKENDS: dict[str, Backend] = {}
_FACTORIES: dict[str, Callable[[], Backend]] = {}


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    """Make a new device name available (used by the CUDA backend and by tests)."""
    _FACTORIES[name] = factory
    _BACKENDS.pop(name, None)


def _make_cuda() -> Backend:
    try:
        cupy = importlib.import_module("cupy")
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device is visible")
    except Exception as exc:  # ImportError, CUDA driver errors
        raise RuntimeError(
            f"device 'cuda' is not available ({type(exc).__name__}: {exc}). "
            "Install CuPy for your CUDA version, e.g. pip install 'minigrad[cuda13]', "
            "and check minigrad.cuda.is_available()."
        ) from exc
    return CupyBackend(cupy)


register_backend("cpu", lambda: Backend("cpu", np))
register_backend("cuda", _make_cuda)


def normalize_device(device: Any) -> str:
    """'cuda:0' -> 'cuda'; minigrad has one device of each kind."""
    name = str(device)
    base = name.split(":")[0]
    if base not in _FACTORIES:
        raise ValueError(f"unknown device {name!r}; known devices: {sorted(_FACTORIES)}")
    return base


def get_backend(device: Any) -> Backend:
    """The backend for a device name, created on first use."""
    name = normalize_device(device)
    backend = _BACKENDS.get(name)
    if backend is None:
        backend = _BACKENDS[name] = _FACTORIES[name]()
    return backend


def seed_all(seed: int) -> None:
    """Reseed every backend now, and those created later (``manual_seed``)."""
    global _initial_seed
    _initial_seed = int(seed)
    for backend in _BACKENDS.values():
        backend.seed(_initial_seed)


def initial_seed() -> int:
    return _initial_seed


def backend_of_array(array: Any) -> Backend:
    """The backend whose array type ``array`` is (most specific first)."""
    for backend in reversed(list(_BACKENDS.values())):
        if type(array) is backend.xp.ndarray or backend.is_array(array):
            return backend
    return get_backend("cpu")

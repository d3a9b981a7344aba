"""A test-only second device, 'strict', that behaves like a GPU without one.

Its arrays are ``DeviceArray``, an ndarray subclass. Like CuPy, it refuses to
mix with plain NumPy arrays in any ufunc or array function, and ``to_numpy``
refuses anything that is not a DeviceArray. CI has no GPU, so running models
on this device is how it proves that no op silently falls back to NumPy (by
calling ``numpy.zeros`` instead of ``tensor.xp.zeros``, say) or mixes devices.
"""
from __future__ import annotations

import types
from typing import Any

import numpy as np

from minigrad.backend import Backend, _window_geometry, register_backend


class MixedDeviceError(TypeError):
    """A plain NumPy array met a 'strict' device array."""


class DeviceArray(np.ndarray):
    """An array that lives on the 'strict' device."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, out: Any = None,
                        **kwargs: Any) -> Any:
        _refuse_host_arrays(inputs, f"np.{ufunc.__name__}.{method}")
        args = _unwrap(inputs)
        if out is not None:
            _refuse_host_arrays(out, f"np.{ufunc.__name__} out=")
            kwargs["out"] = _unwrap(out)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        _refuse_host_arrays(args, f"np.{func.__name__}")
        _refuse_host_arrays(tuple(kwargs.values()), f"np.{func.__name__}")
        return _wrap(func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))


def _refuse_host_arrays(items: Any, where: str) -> None:
    for item in items:
        if isinstance(item, (list, tuple)):
            _refuse_host_arrays(item, where)
        elif isinstance(item, np.ndarray) and not isinstance(item, DeviceArray):
            raise MixedDeviceError(f"{where}: a plain NumPy array (shape {item.shape}) was mixed "
                                   "with 'strict' device arrays: some code bypassed the backend")


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, DeviceArray):
        return obj.view(np.ndarray)
    if isinstance(obj, list):
        return [_unwrap(o) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_unwrap(o) for o in obj)
    return obj


def _wrap(obj: Any) -> Any:
    if isinstance(obj, np.ndarray) and not isinstance(obj, DeviceArray):
        return obj.view(DeviceArray)
    if isinstance(obj, np.generic):  # CuPy gives a 0-d device array where NumPy gives a scalar
        return np.asarray(obj).view(DeviceArray)
    if isinstance(obj, tuple):
        return tuple(_wrap(o) for o in obj)
    if isinstance(obj, list):
        return [_wrap(o) for o in obj]
    return obj


class _WrappedGenerator:
    """numpy.random.Generator whose draws land on the strict device."""

    def __init__(self, seed: int):
        self._gen = np.random.default_rng(seed)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._gen, name)
        if callable(attr):
            return lambda *a, **k: _wrap(attr(*_unwrap(a), **{key: _unwrap(v) for key, v in k.items()}))
        return attr


class _Namespace(types.SimpleNamespace):
    """numpy's namespace, with every function returning DeviceArray."""

    def __getattr__(self, name: str) -> Any:
        attr = getattr(np, name)
        if isinstance(attr, (types.FunctionType, types.BuiltinFunctionType)) or \
                type(attr).__name__ == "_ArrayFunctionDispatcher":
            return lambda *a, **k: _wrap(attr(*a, **k))
        return attr


def _make_namespace() -> Any:
    ns = _Namespace()
    ns.ndarray = DeviceArray
    ns.random = types.SimpleNamespace(default_rng=_WrappedGenerator)
    return ns


class StrictBackend(Backend):
    """The 'strict' device: NumPy underneath, but its arrays refuse to meet host arrays."""

    def __init__(self) -> None:
        super().__init__("strict", _make_namespace())

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        return _wrap(np.array(_unwrap(data), dtype=dtype))

    def to_numpy(self, array: Any) -> np.ndarray:
        if not isinstance(array, DeviceArray):
            raise MixedDeviceError(f"to_numpy: a tensor on 'strict' holds a plain {type(array)}: "
                                   "some op computed on the host instead of the device")
        return array.view(np.ndarray).copy()

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, DeviceArray)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        _refuse_host_arrays((target, values), "scatter_add")
        np.add.at(target.view(np.ndarray), _unwrap(index), _unwrap(values))

    def sliding_window_view(self, array: Any, window_shape: tuple, axis: tuple) -> Any:
        shape, strides = _window_geometry(array.shape, array.strides, window_shape, axis)
        return self.as_strided(array, shape, strides)

    def as_strided(self, array: Any, shape: tuple, strides: tuple,
                   writeable: bool = False) -> Any:
        _refuse_host_arrays((array,), "as_strided")
        view = np.lib.stride_tricks.as_strided(array.view(np.ndarray), shape=shape,
                                               strides=strides, writeable=writeable)
        return view.view(DeviceArray)


def register() -> None:
    """Make device 'strict' available (idempotent)."""
    register_backend("strict", StrictBackend)

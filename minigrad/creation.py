"""Making tensors: from data, filled, ranges and random, on the default or a given device."""
from __future__ import annotations

import builtins
import math
import numbers
import operator
from typing import Any, Sequence

from . import dtypes
from .backend import float_errors_ignored, get_backend, normalize_device
from .errors import ArgumentError, DtypeError, ShapeError
from .random import draws as _draws, initial_seed, manual_seed, permutation as _permutation  # noqa: F401
from .tensor import Tensor

_default_device = "cpu"


def set_default_device(device: Any) -> None:
    """Where creation functions put tensors when no ``device=`` is given."""
    global _default_device
    name = normalize_device(device)
    get_backend(name)  # fail now, clearly, if the device cannot be used
    _default_device = name


def get_default_device() -> str:
    return _default_device


def _device(device: Any) -> str:
    return _default_device if device is None else normalize_device(device)


_backend = get_backend


def _shape(size: Sequence, op: str) -> tuple:
    """Sizes given as ints, or as one tuple/list of ints, checked as PyTorch checks them (no
    silent truncation of 2.5, no NumPy error for -1)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = []
    for s in size:
        try:
            s = operator.index(s)
        except TypeError:
            raise TypeError(f"{op}: sizes must be ints, got {s!r} ({type(s).__name__}) in size "
                            f"{tuple(size)}") from None
        if s < 0:
            raise ShapeError(f"{op}: negative dimension {s} in size {tuple(size)}")
        shape.append(s)
    return tuple(shape)


def _to_array(data: Any, dtype: Any, device: str) -> Any:
    """Turn Python data, a NumPy/CuPy array or a Tensor into an array on ``device``."""
    backend = get_backend(device)
    if isinstance(data, Tensor):
        data = data.array if data.device == device else data.backend.to_numpy(data.array)
    if isinstance(data, range):
        data = list(data)
    inferred, holds_tensors = (None, False) if hasattr(data, "dtype") else _scan(data)
    dtype = inferred if dtype is None else dtypes.as_dtype(dtype)
    if holds_tensors:
        data = _plain(data)
    try:
        array = backend.asarray(data, dtype=dtype)
    except ValueError as exc:
        if isinstance(data, (list, tuple)):  # NumPy: "setting an array element with a sequence"
            raise ValueError("tensor: the nested lists have irregular (ragged) lengths; every "
                             "row must have the same length") from exc
        raise
    except OverflowError:  # as PyTorch: [-1] as uint8 wraps around to 255, 256 raises
        if dtype is None or dtype.kind not in "iu":
            raise
        array = _wrapped_integers(data, dtype, backend)
    if array.dtype == dtypes.float16 and dtype is None:
        pass
    elif array.dtype.kind not in "fiub":
        raise TypeError(f"tensor: cannot make a tensor from data of dtype {array.dtype}")
    if not array.dtype.isnative:  # a big-endian '>f8' array: its values, in the native order
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _wrapped_integers(data: Any, dtype: Any, backend: Any) -> Any:
    """Python ints that overflow ``dtype``: PyTorch wraps negatives into an unsigned dtype
    (down to -max) and refuses anything else out of range."""
    message = f"tensor: a value cannot be converted to {dtype} without overflow"
    try:
        wide = backend.asarray(data, dtype=dtypes.int64)
    except OverflowError:
        raise RuntimeError(message) from None
    info = backend.xp.iinfo(dtype)
    lowest = -info.max if dtype.kind == "u" else info.min
    if not bool(((wide >= lowest) & (wide <= info.max)).all()):
        raise RuntimeError(message)
    return wide.astype(dtype)


def _plain(data: Any) -> Any:
    """Nested lists with the tensors in them replaced by their values (a copy, no graph)."""
    if isinstance(data, Tensor):
        return data.backend.to_numpy(data.detach().array)
    if isinstance(data, (list, tuple)):
        return [_plain(x) for x in data]
    return data


_PYTHON_SCALARS = {builtins.bool: "bool", builtins.int: "int", builtins.float: "float"}


def _scan(data: Any) -> tuple:
    """(dtype, holds_tensors) of nested lists: Python floats give the default float dtype
    (float32), ints int64, bools bool; NumPy scalars and tensors keep their dtype; all of them
    promote together as PyTorch does ([np.float64(1.0), 2] is float64, [1, 2.5] float32). The
    dtype is None when NumPy must decide (arrays inside the lists). Every item is checked, so
    [1, None] is a TypeError. Each list's item types are collected at C speed first."""
    found, holds_tensors, numpy_decides = set(), False, False
    pending = [data] if isinstance(data, (list, tuple)) else [[data]]
    while pending:
        items = pending.pop()
        for kind in set(map(type, items)):
            if kind in _PYTHON_SCALARS:
                name = _PYTHON_SCALARS[kind]
                found.add(dtypes.bool if name == "bool" else dtypes.int64 if name == "int"
                          else dtypes.get_default_dtype())
            elif issubclass(kind, (list, tuple)):
                pending.extend(x for x in items if type(x) is kind)
            elif issubclass(kind, Tensor):
                holds_tensors = True
                found.update(x.dtype for x in items if type(x) is kind)
            elif hasattr(kind, "dtype"):  # NumPy scalars keep their dtype; nested arrays
                for x in items:  # leave the dtype to NumPy
                    if type(x) is kind:
                        if getattr(x, "ndim", None) == 0:
                            found.add(x.dtype)
                        else:
                            numpy_decides = True
            elif issubclass(kind, (builtins.int, builtins.float)):  # subclasses (IntEnum, ...)
                base = next(b for b in (builtins.bool, builtins.int, builtins.float)
                            if issubclass(kind, b))
                found.add(_scan([base()])[0])
            else:
                raise DtypeError(f"tensor: cannot make a tensor from {kind.__name__}")
    if numpy_decides:
        return None, holds_tensors
    result = None
    for dtype in found:
        result = dtype if result is None else dtypes.result_type(result, dtype)
    return (dtypes.get_default_dtype() if result is None else result), holds_tensors


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (never sharing memory with it, as in PyTorch)."""
    if isinstance(data, Tensor):
        data = data.detach().clone()
    out = Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
    if out.array is data:  # asarray passed a same-dtype array through
        out.array = out.array.copy()
    return out


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a same-device, same-dtype array."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)) and \
            (device is None or normalize_device(device) == data.device):
        return data
    return Tensor(data, dtype=dtype, device=device)


def from_numpy(array: Any) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array (of a dtype minigrad has, in the
    machine's byte order: anything else is an error, as in PyTorch, not a strange tensor)."""
    if not isinstance(array, get_backend("cpu").xp.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"from_numpy: cannot share a NumPy array of dtype {array.dtype} "
                        "(minigrad has float, int, uint8 and bool tensors)")
    if not array.dtype.isnative:
        raise ValueError(f"from_numpy: the array's byte order ({array.dtype}) is not the "
                         "machine's; convert it with array.astype(array.dtype.newbyteorder('='))")
    return Tensor._make(array, "cpu")


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``: of the default float dtype unless ``dtype`` is
    given, whatever the number's type (``scalar_tensor(3)`` is 3.0, ``tensor(3)`` is 3)."""
    if isinstance(s, Tensor) and s.ndim == 0:  # PyTorch takes a 0-d tensor as a number too
        s = s.item()
    if not isinstance(s, (numbers.Real, dtypes.bool.type)):
        raise TypeError(f"scalar_tensor: s must be a real number, not {type(s).__name__}")
    s = s.item() if hasattr(s, "item") else s  # a NumPy scalar: its Python number
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    message = f"scalar_tensor: value {s} cannot be converted to {dtype} without overflow"
    if dtype.kind in "iu" and not isinstance(s, numbers.Integral):  # a float: truncated
        if not math.isfinite(s):
            raise RuntimeError(message)
        s = math.trunc(s)
    # as PyTorch: a float32 must hold the value; float16 rounds it (to inf past 65504)
    if dtype == dtypes.float32 and math.isfinite(s) and abs(s) > 3.4028234663852886e38:
        raise RuntimeError(message)
    device = _device(device)  # before the try: an unknown device is not an overflow
    try:
        with float_errors_ignored():
            out = Tensor(s, dtype=dtype, device=device)
    except (RuntimeError, OverflowError):  # as tensor(): -1 wraps into uint8, 256 does not
        raise RuntimeError(message) from None
    if requires_grad:
        out.requires_grad = True
    return out


def _filled(shape: tuple, value: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    device = _device(device)
    if isinstance(value, Tensor):
        value = value.item()
    if dtype is None:  # NumPy scalars too: np.float32(1) is a float fill, np.bool_ a bool one
        is_bool = isinstance(value, builtins.bool) or getattr(value, "dtype", None) == dtypes.bool
        dtype = dtypes.bool if is_bool else (
            dtypes.int64 if isinstance(value, numbers.Integral) else dtypes.get_default_dtype())
    dtype = dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype) and dtype != dtypes.bool and not math.isfinite(value):
        raise RuntimeError(f"full: the fill value {value} cannot be converted to {dtype}")
    array = get_backend(device).xp.full(shape, value, dtype=dtype)
    out = Tensor._make(array, device)
    if requires_grad:
        out.requires_grad = True
    return out


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_shape(size, "zeros"), 0.0, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_shape(size, "ones"), 1.0, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_shape(size, "empty"), 0.0, dtype, device, requires_grad)


def full(size: Sequence, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return _filled(_shape((size,), "full"), fill_value, dtype, device, requires_grad)


def _like(t: Tensor, dtype: Any, device: Any) -> tuple:
    return (t.dtype if dtype is None else dtype), (t.device if device is None else device)


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return zeros(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return ones(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return zeros_like(t, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_strided(size: Sequence, stride: Sequence, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` laid out with ``stride`` (in elements), for code that needs a
    given memory layout. PyTorch leaves the values uninitialized; minigrad zero-fills them."""
    shape = _shape((size,), "empty_strided")
    strides = tuple(stride)
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, builtins.bool) and s >= 0
               for s in strides):
        raise RuntimeError(f"empty_strided: strides must be non-negative ints, got {strides}")
    if len(strides) != len(shape):
        raise RuntimeError(f"empty_strided: dimensionality of sizes ({len(shape)}) must match "
                           f"dimensionality of strides ({len(strides)})")
    device = _device(device)
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    extent = 0 if 0 in shape else 1 + builtins.sum((n - 1) * s for n, s in zip(shape, strides))
    backend = get_backend(device)
    array = backend.as_strided(backend.xp.zeros(extent, dtype=dtype), shape,
                               tuple(s * dtype.itemsize for s in strides), writeable=True)
    out = Tensor._make(array, device)
    if requires_grad:
        out.requires_grad = True
    return out


def empty_permuted(size: Sequence, physical_layout: Sequence, *, dtype: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` whose dims lie in memory in the order ``physical_layout``
    (outermost first): ``empty_permuted((N, C, H, W), (0, 2, 3, 1))`` is channels-last.
    Zero-filled, as minigrad's ``empty``."""
    shape = _shape((size,), "empty_permuted")
    layout = tuple(operator.index(d) for d in physical_layout)
    if len(layout) != len(shape):
        raise RuntimeError(f"empty_permuted: the number of dimensions in size ({len(shape)}) "
                           f"does not match the length of physical_layout ({len(layout)})")
    if sorted(layout) != list(range(len(shape))):
        raise RuntimeError(f"empty_permuted: physical_layout {layout} must be a permutation of "
                           f"0..{len(shape) - 1} (no duplicates, no negative dims)")
    stored = zeros(tuple(shape[d] for d in layout), dtype=dtype, device=device)
    out = Tensor._make(stored.array.transpose([layout.index(d) for d in range(len(shape))]),
                       stored.device)
    if requires_grad:
        out.requires_grad = True
    return out


def new_empty_strided(self: Tensor, size: Sequence, stride: Sequence, *, dtype: Any = None,
                      device: Any = None, requires_grad: bool = False) -> Tensor:
    """``empty_strided`` with this tensor's dtype and device unless told otherwise."""
    dtype, device = _like(self, dtype, device)
    return empty_strided(size, stride, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return full(t.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like Python's range; floats in any argument give the default float dtype. As in
    PyTorch, an integer dtype truncates the arguments first (arange(2.5, dtype=int64) is
    [0, 1]), and float values are start + i * step in float64, rounded once to the dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    for name, v in (("start", start), ("end", end), ("step", step)):
        if not isinstance(v, numbers.Real):
            raise TypeError(f"arange: {name} must be a real number, got {type(v).__name__}")
        if not math.isfinite(v):
            raise ArgumentError(f"arange: unsupported range {start} -> {end} (step {step})")
    if dtype is None:
        is_float = any(not isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    dtype = dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype):
        start, end, step = builtins.int(start), builtins.int(end), builtins.int(step)
    if step == 0:
        raise ArgumentError(f"arange: step must be nonzero, got {step}")
    if (end - start) * step < 0:
        raise ArgumentError(f"arange: the step {step} points away from end {end} (start {start}): "
                            "the range would be empty")
    device = _device(device)
    xp = get_backend(device).xp
    if dtypes.is_floating(dtype):
        length = math.ceil((builtins.float(end) - builtins.float(start)) / builtins.float(step))
        array = (start + xp.arange(length, dtype=dtypes.float64) * step).astype(dtype)
    else:
        array = xp.arange(start, end, step, dtype=dtype)
    out = Tensor._make(array, device)
    if requires_grad:
        out.requires_grad = True
    return out


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, computed in float64 and rounded once
    to ``dtype``; an integer dtype truncates toward zero, as PyTorch (-6.67 -> -6)."""
    if not isinstance(steps, builtins.int) or steps < 0:
        raise ArgumentError(f"linspace: steps must be a non-negative int, got {steps!r}")
    device = _device(device)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    values = get_backend(device).xp.linspace(start, end, steps, dtype=dtypes.float64)
    out = Tensor._make(values.astype(dtype), device)
    if requires_grad:
        out.requires_grad = True
    return out


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    n, m = _shape((n, n if m is None else m), "eye")
    device = _device(device)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    out = Tensor._make(get_backend(device).xp.eye(n, m, dtype=dtype), device)
    if requires_grad:
        out.requires_grad = True
    return out


# --- random ------------------------------------------------------------------------
def _float_dtype(dtype: Any) -> Any:
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype):
        raise TypeError(f"random floats need a floating dtype, got {dtype}")
    return dtype


def _uniform_array(shape: tuple, dtype: Any, device: str, low: float = 0.0, high: float = 1.0,
                   generator: Any = None, op: str = "rand") -> Any:
    dtype = _float_dtype(dtype)
    draw_dtype = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
    array = _draws(generator, device, op).random(shape, dtype=draw_dtype)
    if low != 0.0 or high != 1.0:
        array = array * (high - low) + low
    return array.astype(dtype, copy=False)


def _normal_array(shape: tuple, dtype: Any, device: str, mean: float = 0.0, std: float = 1.0,
                  generator: Any = None, op: str = "randn") -> Any:
    dtype = _float_dtype(dtype)
    draw_dtype = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
    array = _draws(generator, device, op).standard_normal(shape, dtype=draw_dtype)
    if mean != 0.0 or std != 1.0:
        array = array * std + mean
    return array.astype(dtype, copy=False)


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    device = _device(device)
    out = Tensor._make(_uniform_array(_shape(size, "rand"), dtype, device, generator=generator),
                       device)
    if requires_grad:
        out.requires_grad = True
    return out


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    device = _device(device)
    out = Tensor._make(_normal_array(_shape(size, "randn"), dtype, device, generator=generator),
                       device)
    if requires_grad:
        out.requires_grad = True
    return out


def randint(low: int, high: int | None = None, size: Sequence = (), dtype: Any = None,
            device: Any = None, *, generator: Any = None) -> Tensor:
    """Integers in [low, high)."""
    if high is None:
        low, high = 0, low
    if low >= high:
        raise ArgumentError(f"randint: low ({low}) must be less than high ({high})")
    size = _shape((size,), "randint")
    device = _device(device)
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    array = _draws(generator, device, "randint").integers(low, high, size=tuple(size),
                                                          dtype=dtypes.int64)
    return Tensor._make(array.astype(dtype, copy=False), device)


def randperm(n: int, dtype: Any = None, device: Any = None, *, generator: Any = None) -> Tensor:
    """A random permutation of 0..n-1."""
    (n,) = _shape((n,), "randperm")
    device = _device(device)
    array = _backend(device).permutation(n) if generator is None else \
        _permutation(_draws(generator, device, "randperm"), _backend(device), n)
    return Tensor._make(array.astype(dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)), device)


def rand_like(t: Tensor, dtype: Any = None, device: Any = None, *, generator: Any = None) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return rand(t.shape, dtype=dtype, device=device, generator=generator)


def randn_like(t: Tensor, dtype: Any = None, device: Any = None, *, generator: Any = None) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return randn(t.shape, dtype=dtype, device=device, generator=generator)


def randint_like(t: Tensor, low: int, high: int | None = None, dtype: Any = None,
                 device: Any = None, *, generator: Any = None) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return randint(low, high, t.shape, dtype=dtype, device=device, generator=generator)

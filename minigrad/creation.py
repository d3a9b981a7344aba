"""Making tensors: from data, filled, ranges and random, on the default or a given device."""
from __future__ import annotations

import builtins
import operator
from typing import Any, Sequence

from . import dtypes
from .backend import get_backend, normalize_device
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
            raise ValueError(f"{op}: negative dimension {s} in size {tuple(size)}")
        shape.append(s)
    return tuple(shape)


def _to_array(data: Any, dtype: Any, device: str) -> Any:
    """Turn Python data, a NumPy/CuPy array or a Tensor into an array on ``device``."""
    backend = get_backend(device)
    if isinstance(data, Tensor):
        data = data.array if data.device == device else data.backend.to_numpy(data.array)
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    elif not hasattr(data, "dtype"):
        dtype = _infer_dtype(data)
    try:
        array = backend.asarray(data, dtype=dtype)
    except ValueError as exc:
        if isinstance(data, (list, tuple)):  # NumPy: "setting an array element with a sequence"
            raise ValueError("tensor: the nested lists have irregular (ragged) lengths; every "
                             "row must have the same length") from exc
        raise
    if array.dtype == dtypes.float16 and dtype is None:
        pass
    elif array.dtype.kind not in "fiub":
        raise TypeError(f"tensor: cannot make a tensor from data of dtype {array.dtype}")
    return array


def _infer_dtype(data: Any) -> Any:
    """Python floats become the default float dtype (float32), ints int64, bools bool."""
    kinds = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, builtins.bool):
            kinds.add("b")
        elif isinstance(item, builtins.int):
            kinds.add("i")
        elif isinstance(item, builtins.float):
            kinds.add("f")
        elif isinstance(item, Tensor):
            kinds.add(item.dtype.kind)
        elif hasattr(item, "dtype"):
            return None
        else:
            raise TypeError(f"tensor: cannot make a tensor from {type(item).__name__}")
    if "f" in kinds or not kinds:
        return dtypes.get_default_dtype()
    if "i" in kinds:
        return dtypes.int64
    return dtypes.bool


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
    """A CPU tensor sharing memory with a NumPy array."""
    return Tensor._make(array, "cpu")


def _filled(shape: tuple, value: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    device = _device(device)
    if dtype is None:
        dtype = dtypes.get_default_dtype() if isinstance(value, builtins.float) else (
            dtypes.bool if isinstance(value, builtins.bool) else dtypes.int64)
    array = get_backend(device).xp.full(shape, value, dtype=dtypes.as_dtype(dtype))
    out = Tensor._make(array, device)
    if requires_grad:
        out.requires_grad = True
    return out


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_shape(size, "zeros"), 0.0, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_shape(size, "ones"), 1.0, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


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


def empty_like(t: Tensor, dtype: Any = None, device: Any = None) -> Tensor:
    return zeros_like(t, dtype=dtype, device=device)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None) -> Tensor:
    dtype, device = _like(t, dtype, device)
    return full(t.shape, fill_value, dtype=dtype, device=device)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like Python's range; floats in any argument give the default float dtype."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, builtins.float) for v in (start, end, step))
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got {step}")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the step {step} points away from end {end} (start {start}): "
                         "the range would be empty")
    device = _device(device)
    array = get_backend(device).xp.arange(start, end, step, dtype=dtypes.as_dtype(dtype))
    out = Tensor._make(array, device)
    if requires_grad:
        out.requires_grad = True
    return out


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None) -> Tensor:
    if not isinstance(steps, builtins.int) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    device = _device(device)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    return Tensor._make(get_backend(device).xp.linspace(start, end, steps, dtype=dtype), device)


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
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
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

"""``minigrad.testing.assert_close``: compare tensors in tests, with PyTorch's defaults and report.

When you write a layer and test it against a reference (a NumPy formula, PyTorch, a slower
version), ``assert_close(actual, expected)`` checks shape, dtype and device first, then the
values within tolerances that fit the dtype, and on failure says how many elements differ and
where the largest differences are, in PyTorch's words.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Union

import numpy as np  # host-side comparison of values already copied to the host

from .tensor import Tensor

#: PyTorch's default (rtol, atol) by dtype; integers and bools compare exactly.
_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def assert_close(actual: Any, expected: Any, *, rtol: Optional[float] = None,
                 atol: Optional[float] = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True,
                 msg: Union[str, Callable[[str], str], None] = None) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close: Tensors (or NumPy
    arrays) of one shape, dtype and device whose values satisfy
    ``|actual - expected| <= atol + rtol * |expected|``, or numbers, or sequences and mappings
    of them compared item by item. ``rtol`` and ``atol`` come together or not at all."""
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {missing}.")
    _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, ())


def _compare(actual: Any, expected: Any, rtol: Any, atol: Any, equal_nan: bool,
             check_device: bool, check_dtype: bool, msg: Any, path: tuple) -> None:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        if set(actual) != set(expected):
            _fail(f"The keys of the mappings do not match: {sorted(map(str, actual))} != "
                  f"{sorted(map(str, expected))}.", msg, path)
        for key in expected:
            _compare(actual[key], expected[key], rtol, atol, equal_nan, check_device,
                     check_dtype, msg, path + (key,))
        return
    if _is_sequence(expected) and _is_sequence(actual):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                  msg, path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_device, check_dtype, msg, path + (i,))
        return
    if _is_number(actual) and _is_number(expected):
        _compare_scalars(actual, expected, rtol, atol, equal_nan, msg, path)
        return
    if not (_is_tensor_like(actual) and _is_tensor_like(expected)):
        raise TypeError(f"assert_close: cannot compare {type(actual).__name__} with "
                        f"{type(expected).__name__} (expected tensors, arrays, numbers, or "
                        "sequences or mappings of them)")
    _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg,
                     path)


def _compare_tensors(actual: Any, expected: Any, rtol: Any, atol: Any, equal_nan: bool,
                     check_device: bool, check_dtype: bool, msg: Any, path: tuple) -> None:
    a, e = _host(actual), _host(expected)
    if a.shape != e.shape:
        _fail(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.",
              msg, path)
    if check_device and _device(actual) != _device(expected):
        _fail(f"The values for attribute 'device' do not match: {_device(actual)} != "
              f"{_device(expected)}.", msg, path)
    if check_dtype and a.dtype != e.dtype:
        _fail(f"The values for attribute 'dtype' do not match: minigrad.{a.dtype.name} != "
              f"minigrad.{e.dtype.name}.", msg, path)
    if rtol is None:
        rtol, atol = (max(t) for t in zip(_default_tolerances(a.dtype),
                                          _default_tolerances(e.dtype)))
    common = np.result_type(a.dtype, e.dtype)
    a, e = a.astype(common, copy=False), e.astype(common, copy=False)
    if a.dtype.kind == "b":
        a, e = a.astype(np.int64), e.astype(np.int64)
    close = _isclose(a, e, rtol, atol, equal_nan)
    if close.all():
        return
    exact = rtol == 0 and atol == 0
    diff = np.abs(a - e) if a.dtype.kind == "f" else np.abs(a.astype(np.int64) - e.astype(np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):  # in float32 for integers, as PyTorch
        rel_type = a.dtype if a.dtype.kind == "f" else np.float32
        relative = diff.astype(rel_type) / np.abs(e).astype(rel_type)
    diff = np.where(close, 0, diff)
    relative = np.where(close, 0, relative)
    worst, worst_rel = _argmax(diff), _argmax(relative)
    mismatched, total = int((~close).sum()), close.size
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {mismatched} / {total} ({100 * mismatched / total:.1f}%)"]
    for name, values, where, tolerance in (("absolute", diff, worst, atol),
                                           ("relative", relative, worst_rel, rtol)):
        value = values[where].item()
        line = f"Greatest {name} difference: {value} at index {where}"
        lines.append(line if exact else f"{line} (up to {tolerance} allowed)")
    _fail("\n".join(lines), msg, path)


def _compare_scalars(actual: Any, expected: Any, rtol: Any, atol: Any, equal_nan: bool,
                     msg: Any, path: tuple) -> None:
    floats = any(isinstance(v, (float, np.floating)) for v in (actual, expected))
    if rtol is None:
        rtol, atol = (1e-7, 1e-7) if floats else (0.0, 0.0)
    a, e = (float(actual), float(expected)) if floats else (int(actual), int(expected))
    if (equal_nan and math.isnan(a) and math.isnan(e)) or a == e or \
            abs(a - e) <= atol + rtol * abs(e):
        return
    difference = abs(a - e)
    relative = difference / abs(e) if e != 0 else math.inf
    exact = rtol == 0 and atol == 0
    _fail(f"Scalars are not {'equal' if exact else 'close'}!\n\nExpected {expected} but got "
          f"{actual}.\nAbsolute difference: {difference}"
          f"{'' if exact else f' (up to {atol} allowed)'}\nRelative difference: {relative}"
          f"{'' if exact else f' (up to {rtol} allowed)'}", msg, path)


def _isclose(a: Any, e: Any, rtol: float, atol: float, equal_nan: bool) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(a) & np.isfinite(e)  # an infinity is close only to itself
        close = (a == e) | (finite & (np.abs(a - e) <= atol + rtol * np.abs(e)))
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(e)
    return close


def _argmax(values: Any) -> tuple:
    """Where the largest value is (a nan counts as largest, as in PyTorch), as an index tuple."""
    flat = values.reshape(-1)
    nan = np.isnan(flat) if flat.dtype.kind == "f" else np.zeros(flat.shape, bool)
    position = int(np.argmax(nan)) if nan.any() else int(np.argmax(flat))
    return tuple(int(i) for i in np.unravel_index(position, values.shape))


def _fail(text: str, msg: Any, path: tuple) -> None:
    if path:
        text += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
    if callable(msg):
        text = msg(text)
    elif msg is not None:
        text = msg
    raise AssertionError(text)


def _default_tolerances(dtype: Any) -> tuple:
    return _TOLERANCES.get(dtype.name, (0.0, 0.0))


def _host(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.detach().to_numpy()
    return np.asarray(value)


def _device(value: Any) -> str:
    return value.device if isinstance(value, Tensor) else "cpu"


def _is_tensor_like(value: Any) -> bool:
    return isinstance(value, (Tensor, np.ndarray))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, np.ndarray)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))

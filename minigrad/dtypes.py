"""Data types and PyTorch's promotion rules.

NumPy 2 promotes int64 + float32 to float64; PyTorch keeps float32. A float32
model must stay float32 end to end, so binary ops ask ``result_type`` here
instead of letting the array library decide.
"""
from __future__ import annotations

import builtins
import numbers
from typing import Any

import numpy as np

float32 = np.dtype("float32")
float64 = np.dtype("float64")
float16 = np.dtype("float16")
int64 = np.dtype("int64")
int32 = np.dtype("int32")
uint8 = np.dtype("uint8")
int16 = np.dtype("int16")
int8 = np.dtype("int8")
bool = np.dtype("bool")  # noqa: A001 - PyTorch's name
long = int64
int = int32  # noqa: A001 - PyTorch's names (torch.int is int32)
short = int16
half = float16
float = float32  # noqa: A001
double = float64

_default_float = float32
_ALIASES = {"float32": float32, "float": float32, "float64": float64, "double": float64,
            "float16": float16, "half": float16, "int64": int64, "long": int64, "int32": int32,
            "int": int32, "uint8": uint8, "bool": bool, "int16": int16, "short": int16,
            "int8": int8}


def as_dtype(dtype: Any) -> np.dtype:
    """Accept mg.float32, 'float32', numpy dtypes and Python's float/int/bool."""
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    if dtype is builtins.float:
        return _default_float
    if dtype is builtins.int:
        return int64
    try:
        result = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"unknown dtype {dtype!r}") from exc
    if result.kind not in "fiub":
        raise TypeError(f"dtype {result} is not supported (use float32, float64, int64, uint8 or bool)")
    return result


def is_dtype_name(name: str) -> bool:
    """Whether a string names a dtype (so ``t.to('float64')`` is a cast, not a device)."""
    try:
        as_dtype(name)
    except TypeError:
        return False
    return True


def is_floating(dtype: np.dtype) -> bool:
    """Whether values of this dtype can carry gradients."""
    return dtype.kind == "f"


def get_default_dtype() -> np.dtype:
    """The dtype given to tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Change the default floating dtype, e.g. to float64 for gradient checks."""
    global _default_float
    dtype = as_dtype(dtype)
    if not is_floating(dtype):
        raise TypeError(f"set_default_dtype expects a floating dtype, got {dtype}")
    _default_float = dtype


def _category(dtype: np.dtype) -> int:
    return 2 if is_floating(dtype) else (0 if dtype == bool else 1)


def result_type(a: np.dtype, b: np.dtype, a_is_0d: builtins.bool = False,
                b_is_0d: builtins.bool = False) -> np.dtype:
    """PyTorch's promotion between two tensors: floats win over integers at their own width,
    and a 0-d tensor decides only when its category (bool < int < float) is higher, so
    ``float32 tensor * float64 0-d tensor`` stays float32."""
    if a == b:
        return a
    if a_is_0d != b_is_0d:
        zero_d, other = (a, b) if a_is_0d else (b, a)
        if _category(zero_d) <= _category(other):
            return other
    if is_floating(a) and not is_floating(b):
        return a
    if is_floating(b) and not is_floating(a):
        return b
    return np.promote_types(a, b)


def scalar_result_type(tensor_dtype: np.dtype, scalar: Any) -> np.dtype:
    """A scalar (Python or NumPy) is 'weak': it adopts the tensor's dtype, except that a float
    meeting an integer tensor gives the default float, and an int meeting bools gives int64.
    So ``np.float64(2.0) * float32_tensor`` stays float32, as in PyTorch."""
    if isinstance(scalar, (builtins.bool, np.bool_)):
        return tensor_dtype
    if isinstance(scalar, numbers.Integral):
        return int64 if tensor_dtype == bool else tensor_dtype
    if not isinstance(scalar, numbers.Real):
        raise TypeError(f"{type(scalar).__name__} scalars are not supported (minigrad has no "
                        "complex dtypes)")
    return tensor_dtype if is_floating(tensor_dtype) else _default_float

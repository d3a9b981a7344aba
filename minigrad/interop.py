"""Tensors that share memory with other arrays: ``asarray``, ``frombuffer`` and ``from_dlpack``
(with ``Tensor.__dlpack__`` in the other direction, so ``torch.from_dlpack(t)`` shares too).

``tensor`` always copies and ``from_numpy`` always shares; ``asarray`` shares when it can
(same dtype, same device) unless ``copy=True``, and with ``copy=False`` refuses anything that
would need a copy, as ``torch.asarray``. Python objects with the buffer protocol (bytes,
bytearray, array.array, memoryview) are read as raw bytes of ``dtype``, as ``torch.frombuffer``.
A read-only buffer (bytes) gives a tensor that cannot be written in place. Tensors of other
libraries (torch, JAX, CuPy...) are shared through DLPack, the array-exchange protocol.
"""
from __future__ import annotations

import warnings
from typing import Any

from . import dtypes
from .backend import get_backend, normalize_device
from .creation import tensor
from .ops.aliases import typename
from .tensor import Tensor


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor, sharing its memory unless a copy is asked for (``copy=True``) or
    needed (another dtype or device; ``copy=False`` then raises). ``requires_grad=None`` keeps
    a tensor's flag (and its graph); True on a tensor that shares turns the flag on in place."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    device = None if device is None else normalize_device(device)
    if isinstance(obj, Tensor):
        return _from_tensor(obj, dtype, device, copy, requires_grad)
    if _is_array(obj):
        out = _from_array(obj, dtype, device, copy)
    elif hasattr(obj, "__dlpack__"):  # a torch/JAX/... tensor: shared, as a NumPy array is
        shared = from_dlpack(obj)
        out = _moved(shared, dtype, device, copy,
                     f"a {typename(obj)} of dtype {shared.dtype} on {shared.device}")
        if copy and out is shared:
            out = shared.clone()
    elif _has_buffer(obj):
        buffer_dtype = dtypes.get_default_dtype() if dtype is None else dtype
        shared = Tensor._make(_buffer_array(obj, buffer_dtype, -1, 0, "asarray"), "cpu")
        out = _moved(shared, None, device, copy, "a buffer")
        if copy and out is shared:
            out = shared.clone()
    else:
        if copy is False:
            raise ValueError(f"asarray: can't alias a {type(obj).__name__} (a scalar or a "
                             "sequence) into a tensor; use copy=None or copy=True")
        out = tensor(obj, dtype=dtype, device=device)
    _warn_if_read_only(out.array, "asarray", obj)
    if requires_grad:
        out.requires_grad = True
    return out


def _from_tensor(obj: Tensor, dtype: Any, device: Any, copy: bool | None,
                 requires_grad: bool | None) -> Tensor:
    out = _moved(obj, dtype, device, copy, f"a {obj.dtype} tensor on {obj.device}")
    if out is obj and copy:
        out = obj.clone()
    if requires_grad is False and out.requires_grad:
        out = out.detach()
    elif requires_grad and not out.requires_grad:
        out.requires_grad = True  # on obj itself when it is shared, as torch.asarray does
    return out


def _moved(t: Tensor, dtype: Any, device: Any, copy: bool | None, what: str) -> Tensor:
    """``t`` converted (differentiably) to ``dtype``/``device`` where they differ; refused
    under ``copy=False``, as that needs new memory."""
    new_dtype = dtype is not None and dtype != t.dtype
    new_device = device is not None and device != t.device
    if (new_dtype or new_device) and copy is False:
        to = f"{dtype if new_dtype else t.dtype} on {device if new_device else t.device}"
        raise ValueError(f"asarray: can't alias {what} as {to} without a copy (copy=False)")
    return t.to(dtype=dtype if new_dtype else None, device=device if new_device else None)


def _is_array(obj: Any) -> bool:
    return hasattr(obj, "__array_interface__") or hasattr(obj, "__cuda_array_interface__")


def _from_array(obj: Any, dtype: Any, device: Any, copy: bool | None) -> Tensor:
    """A NumPy (or CuPy) array or scalar: shared where dtype and device allow."""
    from .tensor import _default_device_for
    own_device = _default_device_for(obj) if hasattr(obj, "__cuda_array_interface__") else "cpu"
    array_dtype = obj.dtype
    if array_dtype.kind not in "fiub":
        raise TypeError(f"asarray: cannot make a tensor from an array of dtype {array_dtype} "
                        "(minigrad has float, int, uint8 and bool tensors)")
    is_scalar = not hasattr(type(obj), "__setitem__")  # np.float64(1.0): no memory to share
    shareable = array_dtype.isnative and not is_scalar and \
        (dtype is None or dtype == array_dtype) and (device is None or device == own_device)
    if shareable and not copy:
        return Tensor._make(obj, own_device)
    if copy is False and is_scalar:
        raise RuntimeError("asarray: can't alias a NumPy scalar (it has no memory to share); "
                           "leave out copy=False or pass a 0-d array")
    if copy is False:
        order = "" if array_dtype.isnative else " (its byte order is not the machine's)"
        raise ValueError(f"asarray: can't alias an array of dtype {array_dtype} on {own_device}"
                         f"{order} as {dtype or array_dtype} on {device or own_device} without "
                         "a copy (copy=False)")
    return tensor(obj, dtype=dtype, device=device or own_device)


def _warn_if_read_only(array: Any, op: str, source: Any) -> None:
    """As PyTorch warns: a tensor sharing read-only memory cannot be written in place."""
    if not getattr(array.flags, "writeable", True):  # (CuPy arrays have no such flag)
        warnings.warn(f"{op}: the given {type(source).__name__} is read-only, so in-place "
                      "writes to this tensor will fail; clone() it to get memory it can write",
                      UserWarning, stacklevel=3)


def _has_buffer(obj: Any) -> bool:
    try:
        memoryview(obj).release()
    except TypeError:
        return False
    return True


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D CPU tensor over the bytes of an object with the buffer protocol (no copy):
    ``count`` elements of ``dtype`` (-1: all) starting ``offset`` bytes in."""
    array = _buffer_array(buffer, dtypes.as_dtype(dtype), count, offset, "frombuffer")
    _warn_if_read_only(array, "frombuffer", buffer)
    out = Tensor._make(array, "cpu")
    if requires_grad:
        out.requires_grad = True
    return out


def _buffer_array(buffer: Any, dtype: Any, count: int, offset: int, op: str) -> Any:
    """A NumPy array over the buffer's bytes, after PyTorch's checks of count and offset."""
    try:
        with memoryview(buffer) as view:
            nbytes = view.nbytes
    except TypeError:
        raise ValueError(f"{op}: a {type(buffer).__name__} does not implement Python's "
                         "buffer protocol") from None
    if nbytes == 0 or count == 0:
        raise ValueError(f"{op}: both buffer length ({nbytes}) and count ({count}) must not "
                         "be 0")
    if not 0 <= offset < nbytes:
        raise ValueError(f"{op}: offset ({offset} bytes) must be non-negative and no greater "
                         f"than buffer length ({nbytes} bytes) minus 1")
    if count < 0:
        if (nbytes - offset) % dtype.itemsize:
            raise ValueError(f"{op}: buffer length ({nbytes - offset} bytes) after offset "
                             f"({offset} bytes) must be a multiple of element size "
                             f"({dtype.itemsize})")
        count = (nbytes - offset) // dtype.itemsize
    elif offset + count * dtype.itemsize > nbytes:
        raise ValueError(f"{op}: requested buffer length ({count} * {dtype.itemsize} bytes) "
                         f"after offset ({offset} bytes) must not be greater than actual "
                         f"buffer length ({nbytes} bytes)")
    return get_backend("cpu").xp.frombuffer(buffer, dtype=dtype, count=count, offset=offset)


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of an object with the DLPack protocol (a torch, JAX or CuPy
    tensor, a NumPy array), without a copy: ``mg.from_dlpack(torch_tensor)``."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__") or not hasattr(ext_tensor, "__dlpack_device__"):
        raise TypeError(f"from_dlpack: a {type(ext_tensor).__name__} does not implement the "
                        "DLPack protocol (__dlpack__ and __dlpack_device__)")
    kind = int(ext_tensor.__dlpack_device__()[0])
    device = _DLPACK_DEVICES.get(kind)
    if device is None:
        raise RuntimeError(f"from_dlpack: DLPack device type {kind} has no minigrad device "
                           "(minigrad has cpu and cuda)")
    array = get_backend(device).xp.from_dlpack(ext_tensor)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"from_dlpack: cannot share memory of dtype {array.dtype} (minigrad has "
                        "float, int, uint8 and bool tensors)")
    return Tensor._make(array, device)


_DLPACK_DEVICES = {1: "cpu", 2: "cuda"}  # DLPack's kDLCPU and kDLCUDA


def __dlpack__(self: Tensor, **kwargs: Any) -> Any:
    """Tensor.__dlpack__: this tensor's memory for another library's ``from_dlpack`` (no copy).
    Refused for a tensor that requires grad, as in torch: the other library has no graph."""
    if self.requires_grad:
        raise BufferError("__dlpack__: can't export a tensor that requires grad; use "
                          "tensor.detach()")
    return self.array.__dlpack__(**{k: v for k, v in kwargs.items() if v is not None})


def __dlpack_device__(self: Tensor) -> tuple:
    return self.array.__dlpack_device__()

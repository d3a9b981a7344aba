"""``Tensor``: a backend array plus what autograd needs to know about it.

The math lives in ``minigrad/ops``; the methods here only forward to it, so a
reader looking for ``exp``'s backward opens ``ops/unary_math.py``.
"""
from __future__ import annotations

import numbers
import sys
import weakref
from typing import Any, Callable, Iterator

from . import dtypes
from .backend import backend_of_array, float_errors_ignored, get_backend, normalize_device
from .errors import DtypeError, ShapeError
from .hooks import RemovableHandle
from .printing import format_tensor


class Tensor:
    """An n-dimensional array on a device, optionally recording how it was made."""

    __slots__ = ("array", "device", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_hooks",
                 "_retains_grad", "_post_accumulate_hooks", "__weakref__")
    __array_priority__ = 1000  # NumPy scalars defer to Tensor's operators

    def __init__(self, data: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False):
        from .creation import _to_array
        self.device = normalize_device(device) if device is not None else _default_device_for(data)
        self.array = _to_array(data, dtype, self.device)
        self._requires_grad = False
        self._grad: Tensor | None = None
        self.grad_fn = None
        self._output_nr = 0
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, array: Any, device: str) -> "Tensor":
        """Wrap an existing backend array without copying or checking (the fast path for ops)."""
        t = object.__new__(cls)
        t.array = array
        t.device = device
        t._requires_grad = False
        t._grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._hooks = None
        return t

    # --- autograd state ----------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.array.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad: only floating-point tensors can require gradients, got a "
                f"{self.array.dtype} tensor of shape {tuple(self.shape)}. Convert it with .float().")
        if not value and self.grad_fn is not None:
            raise RuntimeError("requires_grad: a non-leaf tensor's flag cannot be turned off; "
                               "use .detach() instead")
        self._requires_grad = bool(value)

    @property
    def grad(self) -> "Tensor | None":
        """The gradient ``backward`` accumulated into this leaf (``None`` before the first)."""
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        # As in PyTorch: a gradient of another shape would broadcast silently in ``p -= lr *
        # p.grad``, and one of another dtype or device would fail far from the assignment.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad expected to be a Tensor or None, got "
                                f"{type(value).__name__}")
            if value is self:
                raise RuntimeError("grad: a tensor cannot be assigned as its own grad")
            if value.shape != self.shape or value.dtype != self.dtype or \
                    value.device != self.device:
                raise RuntimeError(
                    f"grad: attempting to assign a gradient of shape {tuple(value.shape)}, "
                    f"{value.dtype}, on {value.device} to a tensor of shape "
                    f"{tuple(self.shape)}, {self.dtype}, on {self.device}; they must match")
        self._grad = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return self (PyTorch's spelling)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made; only leaves accumulate ``.grad``."""
        return self.grad_fn is None

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (only into the ``.grad`` of
        ``inputs``, leaves or not, when given).

        Gradients add up across calls: call ``zero_grad`` (or set ``.grad = None``)
        between steps.
        """
        from .autograd import backward
        backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
                 create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.
        Returns a handle: ``handle.remove()`` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not "
                               "require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = {}
            hooks = self.grad_fn.hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[["Tensor"], None]) -> Any:
        """Call ``hook(tensor)`` on this leaf after backward has added into its ``.grad`` (an
        optimizer step per parameter, as in PyTorch). Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a "
                               "tensor that does not require grad")
        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                               "cannot be registered on non-leaf tensors")
        hooks = getattr(self, "_post_accumulate_hooks", None)
        if hooks is None:
            hooks = self._post_accumulate_hooks = []
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward, as leaves do
        (summed over backward calls, as PyTorch does); on a leaf it changes nothing."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: cannot retain the gradient of a tensor that does not "
                               "require grad")
        if self.grad_fn is None or self.retains_grad:
            return
        self._retains_grad = True
        owner = weakref.ref(self)  # the hook lives on the graph node: no cycle back to self

        def keep(grad: "Tensor") -> None:
            t = owner()
            if t is not None:
                mine = grad if grad.requires_grad else Tensor._make(grad.array.copy(), grad.device)
                t.grad = mine if t.grad is None else t.grad + mine
        keep.retains_grad = True  # the engine runs it after the tensor's other hooks
        self.register_hook(keep)

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (PyTorch's version counter,
        which backward checks for the tensors ops saved)."""
        return memory_version(self.array)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        return getattr(self, "_retains_grad", False)

    def detach(self) -> "Tensor":
        """The same data, cut off from the graph."""
        return Tensor._make(self.array, self.device)

    def detach_(self) -> "Tensor":
        """Cut this tensor off from the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> "Tensor":
        """A detached tensor sharing this one's memory (as in PyTorch)."""
        return self.detach()

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        if value.device != self.device:
            raise RuntimeError(f"data: cannot assign a {value.device} tensor to a {self.device} tensor")
        self.array = value.array

    # --- metadata ------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> Any:
        return self.array.dtype

    @property
    def backend(self) -> Any:
        return get_backend(self.device)

    @property
    def xp(self) -> Any:
        """The array namespace (numpy or cupy) of this tensor's device."""
        return get_backend(self.device).xp

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"size: dim {dim} is out of range for a tensor of shape "
                             f"{tuple(self.shape)}")
        return self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self.array.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        """PyTorch's format (``minigrad/printing.py``; ``mg.set_printoptions`` changes it)."""
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return format_tensor(self.to_numpy(), extras)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its Python number, as in PyTorch."""
        if self.ndim == 0:
            return format(self.item(), spec)
        return super().__format__(spec)

    # --- leaving minigrad ------------------------------------------------------------
    def to_numpy(self) -> Any:
        return self.backend.to_numpy(self.array)

    def numpy(self, *, force: bool = False) -> Any:
        """A NumPy array on the host (copies from the GPU; refuses tensors that need grad
        unless ``force=True``, which detaches first, as PyTorch)."""
        if self.requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self.to_numpy()

    def item(self) -> Any:
        if self.numel() != 1:  # RuntimeError as PyTorch's item(); int()/float() raise ValueError
            raise RuntimeError(f"item: only one-element tensors can be converted, got shape "
                               f"{tuple(self.shape)}")
        return self.to_numpy().reshape(()).item()

    def tolist(self) -> Any:
        return self.to_numpy().tolist()

    def _python_scalar(self, kind: str) -> Any:
        if self.numel() != 1:
            raise ValueError(f"{kind}(): only one-element tensors can be converted to Python "
                             f"scalars, got shape {tuple(self.shape)}")
        return self.item()

    def __float__(self) -> float:
        return float(self._python_scalar("float"))

    def __int__(self) -> int:
        return int(self._python_scalar("int"))

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"bool: the truth value of a tensor with {self.numel()} elements "
                               "is ambiguous; use .any() or .all()")
        return bool(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub" or self.numel() != 1:  # a bool counts, as in PyTorch
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    # --- devices and dtypes ---------------------------------------------------------
    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False) -> "Tensor":
        """``to('cuda')``, ``to(mg.float64)``, ``to('cpu', mg.float32)``, ``to(other_tensor)``
        (its dtype and device): differentiable. ``copy=True`` returns a new tensor even when
        nothing changes; ``non_blocking`` is accepted and ignored (copies are synchronous)."""
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif _is_device_name(a):
                device = a
            elif isinstance(a, str) and not dtypes.is_dtype_name(a):
                normalize_device(a)  # neither: raises "unknown device", listing the known ones
            else:
                dtype = a
        from .ops import shape as _shape
        out = self
        if device is not None and normalize_device(device) != self.device:
            out = _shape.ToDevice.apply(out, normalize_device(device))
        if dtype is not None and dtypes.as_dtype(dtype) != out.dtype:
            out = _shape.Cast.apply(out, dtypes.as_dtype(dtype))
        return out.clone() if copy and out is self else out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def float(self) -> "Tensor":
        return self.to(dtypes.float32)

    def double(self) -> "Tensor":
        return self.to(dtypes.float64)

    def long(self) -> "Tensor":
        return self.to(dtypes.int64)

    def int(self) -> "Tensor":
        return self.to(dtypes.int32)

    def bool(self) -> "Tensor":
        return self.to(dtypes.bool)

    def half(self) -> "Tensor":
        return self.to(dtypes.float16)

    def short(self) -> "Tensor":
        return self.to("int16")

    def char(self) -> "Tensor":
        return self.to("int8")

    def byte(self) -> "Tensor":
        return self.to(dtypes.uint8)

    def bfloat16(self) -> "Tensor":
        raise TypeError("bfloat16: minigrad has no bfloat16 dtype (NumPy has none); use half() "
                        "for float16 or float() for float32")

    def type(self, dtype: Any = None) -> Any:
        """No argument: the type's name as PyTorch spells it (``'minigrad.FloatTensor'``).
        With a dtype, or such a name: this tensor converted to it."""
        if dtype is None:
            name = _TYPE_NAMES.get(self.dtype.name)
            if name is None:
                return f"minigrad.{self.dtype.name}"
            return f"minigrad.{'cuda.' if self.device == 'cuda' else ''}{name}Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            short = dtype.rsplit(".", 1)[-1][:-len("Tensor")]
            names = {v: k for k, v in _TYPE_NAMES.items()}
            if short not in names:
                raise ValueError(f"type: unknown tensor type {dtype!r} (known: "
                                 f"{', '.join(sorted(n + 'Tensor' for n in names))})")
            return self.to(names[short], device="cuda" if ".cuda." in dtype else self.device)
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as: other must be a Tensor, got {type(other).__name__}")
        return self.to(other.dtype)

    def data_ptr(self) -> int:
        """The address of this tensor's first element: equal for a tensor and a view of it
        that starts at the same element (how to see that two tensors share memory)."""
        array = self.array
        if hasattr(array, "__array_interface__"):
            return int(array.__array_interface__["data"][0])
        return int(array.data.ptr)  # CuPy

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        """``numpy.asarray(t)``: the values as a NumPy array (as ``numpy()``, which refuses a
        tensor that requires grad). NumPy's ``copy`` is honoured: ``numpy.array(t)`` (copy=True)
        gets its own memory, as from PyTorch, so writing to it leaves the tensor alone;
        ``numpy.asarray(t)`` shares a CPU tensor's memory."""
        host = self.numpy()
        out = host if dtype is None else host.astype(dtype, copy=False)
        if out is host and copy and self.device == "cpu":  # from a GPU it is a copy already
            out = out.copy()
        elif out is not host and copy is False:
            raise ValueError(f"__array__: a {self.dtype} tensor cannot become a {out.dtype} "
                             f"array without a copy (copy=False)")
        return out

    def __contains__(self, element: Any) -> bool:
        """``3 in t``: whether any element equals it."""
        if isinstance(element, Tensor):
            element = element.array
        elif not _is_scalar(element):
            raise RuntimeError(f"__contains__: only a Tensor or a number can be looked for in a "
                               f"tensor, got {type(element).__name__}")
        return bool((self.array == element).any())

    def clone(self) -> "Tensor":
        from .ops import shape as _shape
        return _shape.Clone.apply(self)

    def contiguous(self) -> "Tensor":
        """This tensor if its memory is already in C order, else a C-ordered copy (the gradient
        passes through). minigrad's own ops accept any layout, so they never need this."""
        if self.array.flags.c_contiguous:
            return self
        from .ops import shape as _shape
        return _shape.Clone.apply(self)

    # --- in-place writes (no autograd; for optimizers, init, buffers and data) ---------
    def _check_inplace(self, op: str, value: Any = None, writes: bool = True,
                       recorded: bool = False) -> None:
        """Refuse an in-place write whose gradient minigrad would lose, then count the write.

        Most in-place ops are recorded in the graph when a gradient is involved (see
        ``_record_inplace``, which passes ``recorded``); the others (random fills, resize_ ...)
        refuse then, with grad mode on, a tensor written to or a value written that requires
        grad. Every write that goes ahead bumps the version of the memory, which backward
        checks against what ops saved (see ``memory_version``). Read-only memory is refused for
        ops that write data (``writes``), with an error that says so rather than NumPy's, which
        the ops would misreport as a shape or value error."""
        from .autograd.grad_mode import is_grad_enabled
        if is_grad_enabled() and not recorded:
            if self.requires_grad:
                what = "a leaf tensor that requires grad" if self.is_leaf else \
                    "a tensor that is part of the autograd graph (it requires grad)"
                raise RuntimeError(
                    f"{op}: {what} cannot be modified in place, as minigrad would lose its "
                    "gradient; write it out of place (y = y * 2), or wrap the update in "
                    "`with minigrad.no_grad():` if no gradient should flow through it")
            if isinstance(value, Tensor) and value.requires_grad:
                raise RuntimeError(
                    f"{op}: the value written in place requires grad, and minigrad would lose "
                    "its gradient; build the result out of place (minigrad.cat, minigrad.stack, "
                    "minigrad.where), or detach() the value")
        if writes and not getattr(self.array.flags, "writeable", True):  # (CuPy: no such flag)
            raise RuntimeError(
                f"{op}: this tensor's memory is read-only (an expanded or broadcast view, or a "
                "read-only NumPy array or buffer it shares); write into a clone() instead")
        bump_version(self.array)

    # in-place ops inside the graph: recorded, as PyTorch records them
    def _records_inplace(self, *values: Any) -> bool:
        """Whether an in-place op on self must be recorded in the graph: grad mode is on and
        self or a value written requires grad."""
        from .autograd.grad_mode import is_grad_enabled
        return is_grad_enabled() and (self._requires_grad or any(
            isinstance(v, Tensor) and v._requires_grad for v in values))

    def _record_inplace(self, op: str, compute: Callable[["Tensor"], "Tensor"]) -> "Tensor":
        """``self = compute(self)``, written into self's memory and recorded: self's place in
        the graph moves to the result, whose backward reaches self's earlier history (PyTorch's
        rule; ``y = x * 2; y.mul_(w)`` differentiates like ``y = x * 2 * w``).

        ``compute`` works on a copy of self with self's place in the graph, so what its
        backward saves is not overwritten. Refused, with the reason: a leaf that requires grad
        (as in PyTorch), and memory other tensors share (views of self, or a tensor self is a
        view of): minigrad does not track views, so their gradients would silently be wrong."""
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(f"{op}: a leaf tensor that requires grad cannot be modified in "
                               "place (as in PyTorch); write it out of place, or wrap the update "
                               "in `with minigrad.no_grad():` if no gradient should flow")
        if _memory_is_shared(self.array):
            raise RuntimeError(
                f"{op}: this tensor shares its memory with other tensors (views of it, or a "
                "tensor it is a view of), and minigrad does not track views: recording the "
                "write could give them wrong gradients. Write the result out of place, or "
                "clone() the tensor before writing into it")
        before = Tensor._make(self.array.copy(), self.device)
        before._requires_grad, before.grad_fn = self._requires_grad, self.grad_fn
        before._output_nr = self._output_nr
        out = compute(before)
        if out.dtype != self.dtype:
            if not (dtypes.is_floating(out.dtype) and dtypes.is_floating(self.dtype)):
                raise DtypeError(f"{op}: result type {out.dtype} can't be cast to the desired "
                                 f"output type {self.dtype}")
            out = out.to(self.dtype)
        if tuple(out.shape) != tuple(self.shape):
            raise ShapeError(f"{op}: the result's shape {tuple(out.shape)} does not match the "
                             f"tensor's shape {tuple(self.shape)} written in place")
        self._check_inplace(op, recorded=True)  # read-only memory; counts the write
        self.array[...] = out.array
        retained = self.retains_grad
        if retained:  # PyTorch keeps retaining the gradient of the tensor's new value
            hooks = self.grad_fn.hooks[self._output_nr]
            hooks[:] = [h for h in hooks if not getattr(h, "retains_grad", False)]
            self._retains_grad = False
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        self._requires_grad = out._requires_grad
        if retained and self._requires_grad:
            self.retain_grad()
        return self

    def _value_array(self, value: Any, op: str = "copy_") -> Any:
        if isinstance(value, Tensor):
            if value.device != self.device:
                raise RuntimeError(f"{op}: cannot copy a {value.device} tensor into a "
                                   f"{self.device} tensor")
            return value.array
        return value

    # in-place shape changes: the same memory seen with another shape (no data is written)
    def _view_in_place(self, op: str, view: Callable[["Tensor"], "Tensor"]) -> "Tensor":
        from .autograd.grad_mode import no_grad
        self._check_inplace(op, writes=False)
        with no_grad():
            self.array = view(self).array
        return self

    def squeeze_(self, dim: Any = None) -> "Tensor":
        return self._view_in_place("squeeze_", lambda t: t.squeeze() if dim is None else
                                   t.squeeze(dim))

    def unsqueeze_(self, dim: int) -> "Tensor":
        return self._view_in_place("unsqueeze_", lambda t: t.unsqueeze(dim))

    def transpose_(self, dim0: int, dim1: int) -> "Tensor":
        return self._view_in_place("transpose_", lambda t: t.transpose(dim0, dim1))

    swapdims_ = swapaxes_ = transpose_

    def t_(self) -> "Tensor":
        return self._view_in_place("t_", lambda t: t.t())

    def _filled(self, value: Any) -> "Tensor":
        """``value`` (broadcast) in place of every element, as a function of self with a zero
        gradient: what ``fill_``/``zero_``/``copy_`` record when a gradient is involved."""
        from .creation import zeros
        from .ops import where
        return where(zeros(self.shape, dtype=dtypes.bool, device=self.device), self, value)

    def zero_(self) -> "Tensor":
        if self._records_inplace():
            return self._record_inplace("zero_", lambda t: t._filled(0))
        self._check_inplace("zero_")
        self.array[...] = 0
        return self

    def fill_(self, value: Any) -> "Tensor":
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(f"fill_: the value must be a number or a 0-d tensor, got a tensor "
                               f"of shape {tuple(value.shape)}")
        if not isinstance(value, Tensor) and not _is_scalar(value):
            raise TypeError(f"fill_: the value must be a number or a 0-d tensor, got "
                            f"{type(value).__name__}")
        if self._records_inplace(value):
            return self._record_inplace("fill_", lambda t: t._filled(value))
        self._check_inplace("fill_", value)
        try:
            self.array[...] = self._value_array(value)
        except (OverflowError, ValueError, TypeError) as exc:  # NaN into ints, -1 into uint8
            raise RuntimeError(f"fill_: value {value!r} cannot be converted to {self.dtype} "
                               f"without overflow ({exc})") from None
        return self

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> "Tensor":
        """Write ``fill_value`` on the main diagonal (all indices equal). A tall matrix's
        diagonal restarts after N + 1 rows with ``wrap=True``, as in PyTorch and NumPy."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise RuntimeError(f"fill_diagonal_: the tensor must be 2-D, or N-D with all "
                               f"dimensions equal; got shape {tuple(self.shape)}")
        self._check_inplace("fill_diagonal_", fill_value)
        if self.ndim == 2:
            self.xp.fill_diagonal(self.array, self._value_array(fill_value), wrap=wrap)
        else:
            index = tuple(self.xp.arange(self.shape[0]) for _ in range(self.ndim))
            self.array[index] = self._value_array(fill_value)
        return self

    def apply_(self, fn: Callable[[Any], Any]) -> "Tensor":
        """``fn`` on every element, in place, one Python call each: for small CPU tensors
        and experiments only, as in PyTorch."""
        return self._map_each("apply_", fn, ())

    def map_(self, other: "Tensor", fn: Callable[[Any, Any], Any]) -> "Tensor":
        """``fn(self_element, other_element)`` for each element (``other`` broadcast), in place."""
        if not isinstance(other, Tensor):
            raise TypeError(f"map_: other must be a Tensor, got {type(other).__name__}")
        return self._map_each("map_", fn, (other,))

    def _map_each(self, op: str, fn: Callable, others: tuple) -> "Tensor":
        if self.device != "cpu" or any(o.device != "cpu" for o in others):
            raise RuntimeError(f"{op}: only works on cpu tensors (one Python call per element)")
        self._check_inplace(op)
        np = self.xp  # NumPy: cpu only (checked above)
        columns = [self.array.reshape(-1).tolist()] + \
            [np.broadcast_to(o.array, self.shape).reshape(-1).tolist() for o in others]
        values = [fn(*items) for items in zip(*columns)]
        self.array[...] = np.asarray(values, dtype=self.dtype).reshape(self.shape)
        return self

    def copy_(self, src: "Tensor") -> "Tensor":
        """Copy ``src`` (broadcast, cast) into this tensor's memory."""
        if self._records_inplace(src):
            return self._record_inplace("copy_", lambda t: t._filled(src))
        self._check_inplace("copy_", src)
        src_array = self._value_array(src)
        try:
            self.array[...] = src_array
        except ValueError as exc:
            raise RuntimeError(f"copy_: cannot copy shape {tuple(getattr(src_array, 'shape', ()))} "
                               f"into shape {tuple(self.shape)}") from exc
        return self

    def add_(self, other: Any, alpha: float = 1) -> "Tensor":
        return self._add_scaled(other, alpha, "add_", "add")

    def sub_(self, other: Any, alpha: float = 1) -> "Tensor":
        return self._add_scaled(other, alpha, "sub_", "subtract")

    def _add_scaled(self, other: Any, alpha: float, op: str, ufunc: str) -> "Tensor":
        if self._records_inplace(other):
            return self._record_inplace(op, lambda t: (t.add if ufunc == "add" else t.sub)(
                other, alpha=alpha))
        self._check_inplace(op, other)
        if not dtypes.is_floating(self.dtype) and not isinstance(alpha, numbers.Integral):
            raise RuntimeError(f"{op}: for integral input tensors ({self.dtype}), argument "
                               f"alpha must not be a floating point number (got {alpha!r})")
        if ufunc == "subtract" and self.dtype == dtypes.bool:
            raise RuntimeError(f"{op}: subtraction of a bool tensor is not supported (as in "
                               f"PyTorch); use logical_xor or ~ instead")
        other = self._value_array(other, op)
        return self._update(op, ufunc, other if alpha == 1 else alpha * other)

    def mul_(self, other: Any) -> "Tensor":
        if self._records_inplace(other):
            return self._record_inplace("mul_", lambda t: t * other)
        self._check_inplace("mul_", other)
        return self._update("mul_", "multiply", self._value_array(other, "mul_"))

    def div_(self, other: Any) -> "Tensor":
        if self._records_inplace(other):
            return self._record_inplace("div_", lambda t: t / other)
        self._check_inplace("div_", other)
        return self._update("div_", "true_divide", self._value_array(other, "div_"))

    def _update(self, op: str, ufunc: str, value: Any) -> "Tensor":
        """``self = self <ufunc> value`` in this tensor's memory: the result must keep the
        tensor's shape and dtype (PyTorch refuses int += 0.5 and a value that would grow it)."""
        try:
            with float_errors_ignored():
                getattr(self.xp, ufunc)(self.array, value, out=self.array)
        except TypeError as exc:  # NumPy cannot cast the result back into our dtype
            xp = self.xp
            empty_value = xp.asarray(value).ravel()[:0]
            result = getattr(xp, ufunc)(xp.empty(0, self.dtype), empty_value).dtype
            raise DtypeError(f"{op}: the result has dtype {result}, which cannot be written back "
                             f"into a tensor of dtype {self.dtype}") from exc
        except ValueError as exc:  # the value broadcasts to a larger shape than ours
            raise ShapeError(f"{op}: a value of shape {tuple(getattr(value, 'shape', ()))} does "
                             f"not fit a tensor of shape {tuple(self.shape)} in place") from exc
        return self

    # x += y: PyTorch writes into x's memory. minigrad does too wherever no gradient is
    # involved, so that a hand-written SGD step under no_grad (p -= lr * p.grad) changes the
    # parameter itself rather than rebinding a loop variable. Inside the graph (x or y requires
    # grad, grad mode on) it computes x + y out of place and rebinds x, which records the
    # gradient (PyTorch records the in-place op instead; only other views of x differ). A leaf
    # that requires grad is refused, as in PyTorch.
    # **=, //= and %= (no NumPy ufunc matches PyTorch's rules there) pass ufunc=None and are
    # written by the in-place method ``op`` (pow_, floor_divide_, remainder_).
    def _augmented(self, other: Any, op: str, ufunc: str | None,
                   out_of_place: Callable) -> "Tensor":
        from .autograd.grad_mode import is_grad_enabled
        if is_grad_enabled() and (self.requires_grad or
                                  isinstance(other, Tensor) and other.requires_grad):
            if self.requires_grad and self.is_leaf:
                self._check_inplace(op, other)  # raises PyTorch's leaf error
            return out_of_place(self, other)
        if ufunc is None:
            return getattr(self, op)(other)
        self._check_inplace(op, other)
        return self._update(op, ufunc, self._value_array(other, op))

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value`` (basic, integer-array and bool-mask indexing, value broadcast),
        an in-place write with the same rules as ``copy_``; recorded in the graph when a
        gradient is involved, as PyTorch does (``z = zeros(3); z[1:] = v``)."""
        if self._records_inplace(value):
            self._record_inplace("setitem", lambda t: _written_at(t, index, value))
            return
        self._check_inplace("setitem", value)
        from .ops.shape import index_arrays, split_integer_index
        target = self
        basic, index = split_integer_index(index)  # PyTorch's order: integers first
        if basic is not None:
            target = Tensor._make(self.array[index_arrays(basic, self)], self.device)  # a view
        where = index_arrays(index, target)
        new = self._value_array(value, "setitem")
        if isinstance(new, (str, bytes)):  # NumPy's "could not convert" is no shape error
            raise TypeError(f"setitem: cannot assign a {type(new).__name__} to a tensor of "
                            f"dtype {self.dtype}")
        try:
            target.array[where] = new
        except ValueError as exc:
            raise ShapeError(f"setitem: cannot write a value of shape "
                             f"{tuple(getattr(new, 'shape', ()))} into the selected elements "
                             f"(shape {tuple(target.array[where].shape)}) of a tensor of "
                             f"shape {tuple(self.shape)}") from exc

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        """In place, with clamp's rules (tensor bounds, min > max gives max); a bound that
        would change the dtype (a float bound on an integer tensor) is an error, as in
        PyTorch."""
        return _clamp_into_self(self, min, max)

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> "Tensor":
        from .creation import _uniform_array
        return self.copy_(Tensor._make(_uniform_array(self.shape, self.dtype, self.device, a, b),
                                       self.device))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> "Tensor":
        from .creation import _normal_array
        return self.copy_(Tensor._make(_normal_array(self.shape, self.dtype, self.device, mean, std),
                                       self.device))


# --- versions of memory, for the tensors ops save for backward ---------------------------------
# An op's backward reads what its forward saved. Written in place in between (through any view
# of the same memory), the gradient would silently be wrong, so each in-place write counts a
# version of the memory it writes to, ops record the versions of what they save, and backward
# refuses memory whose version has moved on: PyTorch's version counter, kept per block of memory
# (the array at the root of a chain of views) instead of per tensor.
_versions: dict = {}  # id(memory owner) -> in-place writes so far; only written memory appears


def _memory_owner(array: Any) -> Any:
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


#: Whether reference counts are exact (CPython before 3.14), so that ``_memory_is_shared`` can
#: tell; elsewhere it says "shared", and recorded in-place writes are refused.
_EXACT_REFCOUNTS = sys.implementation.name == "cpython" and sys.version_info < (3, 14)


def _memory_is_shared(array: Any) -> bool:
    """Whether anything besides the one tensor whose array this is refers to its memory: a
    view of it, the array it is a view of, another tensor or a NumPy array on it. Counted as
    references to the memory's owner: the local name ``owner``, getrefcount's argument, and
    either the tensor's array slot and ``array`` here (when the array owns its memory) or the
    view's ``base``."""
    if not _EXACT_REFCOUNTS:
        return True
    owner = _memory_owner(array)
    return sys.getrefcount(owner) > (4 if owner is array else 3)


def memory_version(array: Any) -> int:
    """How many in-place writes the memory under ``array`` has had (through any view)."""
    return _versions.get(id(_memory_owner(array)), 0) if _versions else 0


def bump_version(array: Any) -> None:
    """Count an in-place write to the memory under ``array``. Optimizers and state loading,
    which write parameter arrays directly, call it too."""
    owner = _memory_owner(array)
    key = id(owner)
    if key not in _versions:
        try:  # forget the count with the memory, so a long run does not collect them
            weakref.finalize(owner, _versions.pop, key, None)
        except TypeError:  # an owner without weak references (a bytes buffer): keep it
            pass
    _versions[key] = _versions.get(key, 0) + 1


#: PyTorch's legacy type names (``x.type()``), by dtype.
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _written_at(t: Tensor, index: Any, value: Any) -> Tensor:
    """``t`` with ``t[index] = value``, out of place and differentiable: the flat positions
    ``index`` selects (minigrad's own indexing rules on a tensor of positions), then ``put``."""
    from .ops import put
    positions = Tensor._make(t.xp.arange(t.numel()).reshape(t.shape), t.device)[index]
    if not isinstance(value, Tensor):
        value = Tensor(value, dtype=t.dtype, device=t.device)
    try:
        region = value.to(t.dtype).expand(positions.shape)
    except (ValueError, RuntimeError) as exc:
        raise ShapeError(f"setitem: cannot write a value of shape {tuple(value.shape)} into the "
                         f"selected elements (shape {tuple(positions.shape)}) of a tensor of "
                         f"shape {tuple(t.shape)}") from exc
    return put(t, positions.reshape(-1), region.reshape(-1))


def _is_scalar(obj: Any) -> bool:
    """A Python number or bool, or a NumPy/CuPy scalar (np.bool_ included)."""
    return isinstance(obj, numbers.Number) or getattr(obj, "shape", None) == ()


def _is_device_name(obj: Any) -> bool:
    try:
        normalize_device(obj)
        return isinstance(obj, str)
    except ValueError:
        return False


def _default_device_for(data: Any) -> str:
    """A tensor made from a device array stays on that device; everything else gets the default."""
    if isinstance(data, Tensor):
        return data.device
    if hasattr(data, "__cuda_array_interface__") or type(data).__module__.startswith("cupy"):
        return backend_of_array(data).name
    from .creation import get_default_device
    return get_default_device()


# --- math: each method forwards to the op that defines it in minigrad/ops ----------------------
from . import ops  # noqa: E402  (ops import Tensor, so they come after it)

_clamp_into_self = ops.elementwise_more.inplace(ops.clamp, "clamp_")


def _binary(fn: Callable, reflected: bool = False) -> Callable:
    if reflected:
        return lambda self, other: fn(other, self)
    return lambda self, other: fn(self, other)


Tensor.__add__ = _binary(ops.add)
Tensor.__radd__ = _binary(ops.add, reflected=True)
Tensor.__sub__ = _binary(ops.sub)
Tensor.__rsub__ = _binary(ops.sub, reflected=True)
Tensor.__mul__ = _binary(ops.mul)
Tensor.__rmul__ = _binary(ops.mul, reflected=True)
Tensor.__truediv__ = _binary(ops.div)
Tensor.__rtruediv__ = _binary(ops.div, reflected=True)
Tensor.__pow__ = _binary(ops.pow)
Tensor.__rpow__ = _binary(ops.pow, reflected=True)
Tensor.__matmul__ = _binary(ops.matmul)
Tensor.__rmatmul__ = _binary(ops.matmul, reflected=True)
Tensor.__neg__ = ops.neg
Tensor.__abs__ = ops.abs
Tensor.__getitem__ = ops.getitem


def _equality(fn: Callable) -> Callable:
    """``==``/``!=``: elementwise against tensors, numbers and array-likes; anything else (None,
    a string, an object) gets NotImplemented, so Python compares identities (``t == None`` is
    False, ``t != 'a'`` is True), as PyTorch."""
    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, (Tensor, numbers.Number, list, tuple)) and \
                not hasattr(other, "__array_interface__") and \
                not hasattr(other, "__cuda_array_interface__"):
            return NotImplemented
        return fn(self, other)
    return method


Tensor.__eq__ = _equality(ops.eq)
Tensor.__ne__ = _equality(ops.ne)
Tensor.__lt__ = _binary(ops.lt)
Tensor.__le__ = _binary(ops.le)
Tensor.__gt__ = _binary(ops.gt)
Tensor.__ge__ = _binary(ops.ge)
Tensor.__and__ = _binary(ops.logical_and)
Tensor.__or__ = _binary(ops.logical_or)
Tensor.__invert__ = ops.logical_not
Tensor.__iadd__ = lambda self, other: self._augmented(other, "add_", "add", ops.add)
Tensor.__isub__ = lambda self, other: self._augmented(other, "sub_", "subtract", ops.sub)
Tensor.__imul__ = lambda self, other: self._augmented(other, "mul_", "multiply", ops.mul)
Tensor.__itruediv__ = lambda self, other: self._augmented(other, "div_", "true_divide", ops.div)
Tensor.__ipow__ = lambda self, other: self._augmented(other, "pow_", None, ops.pow)
Tensor.__ifloordiv__ = lambda self, other: self._augmented(other, "floor_divide_", None,
                                                           ops.floor_divide)
Tensor.__imod__ = lambda self, other: self._augmented(other, "remainder_", None, ops.remainder)

for _name in ("add", "sub", "mul", "div", "pow", "matmul", "neg", "exp", "log", "sqrt", "abs",
              "tanh", "sigmoid", "relu", "clamp", "maximum", "minimum", "sign", "eq", "ne", "lt",
              "le", "gt", "ge", "isnan", "isfinite", "logical_not",
              "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
              "logsumexp", "all", "any", "softmax", "log_softmax",
              "reshape", "permute", "transpose", "expand", "flatten", "unsqueeze", "squeeze"):
    setattr(Tensor, _name, getattr(ops, _name))
Tensor.clip = ops.clamp
Tensor.view = ops.view  # view(shape) reshapes; view(dtype) reinterprets (ops/dtype_view.py)
Tensor.T = property(lambda self: ops.permute(self, *reversed(range(self.ndim))))


def _swap_last_two(name: str) -> Callable:
    """``mT``, ``mH`` and ``adjoint()``: the last two dims swapped (minigrad tensors are real,
    so nothing to conjugate). As PyTorch: a 1-D tensor is refused, a 0-d one comes back."""
    def swap(self: Tensor) -> Tensor:
        if self.ndim == 1:
            raise RuntimeError(f"{name}: expects a matrix or a batch of matrices, got a 1-D "
                               f"tensor of shape {tuple(self.shape)}")
        return ops.transpose(self, -2, -1) if self.ndim >= 2 else self
    return swap


Tensor.mT = property(_swap_last_two("mT"))
Tensor.expand_as = lambda self, other: ops.expand(self, other.shape)
Tensor.view_as = lambda self, other: ops.view(self, other.shape)  # a view or an error
Tensor.reshape_as = lambda self, other: ops.reshape(self, other.shape)  # a view or a copy
del _name
for _extra in ("sin", "cos", "square", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10",
               "exp2", "lerp", "fmod", "remainder", "floor", "ceil", "round", "trunc", "fix",
               "frac", "isinf", "isposinf", "isneginf", "nan_to_num", "logical_and", "logical_or",
               "logical_xor"):
    setattr(Tensor, _extra, getattr(ops, _extra))
Tensor.__mod__ = _binary(ops.remainder)
Tensor.__rmod__ = _binary(ops.remainder, reflected=True)
Tensor.__floordiv__ = _binary(ops.floor_divide)
Tensor.__rfloordiv__ = _binary(ops.floor_divide, reflected=True)
Tensor.__pos__ = ops.positive
Tensor.__reversed__ = lambda self: ops.flip(self, 0) if self.ndim else self  # as PyTorch
del _extra
# rearrangements (ops/rearrange.py) and the small metadata/creation methods defined there
Tensor.split = ops.split
Tensor.chunk = ops.chunk
Tensor.unbind = ops.unbind
Tensor.narrow = ops.narrow
Tensor.narrow_copy = ops.narrow_copy
Tensor.adjoint = ops.adjoint
Tensor.H = property(ops.rearrange._H)
Tensor.movedim = ops.movedim
Tensor.moveaxis = ops.movedim
Tensor.swapaxes = ops.swapaxes
Tensor.swapdims = ops.transpose
Tensor.t = ops.t
Tensor.unflatten = ops.unflatten
Tensor.flip = ops.rearrange._flip_method
Tensor.roll = ops.roll
Tensor.repeat = ops.repeat
Tensor.tile = ops.rearrange._tile_method
Tensor.broadcast_to = ops.broadcast_to
Tensor.new_zeros = ops.rearrange.new_zeros
Tensor.new_ones = ops.rearrange.new_ones
Tensor.new_empty = ops.rearrange.new_empty
Tensor.new_full = ops.rearrange.new_full
Tensor.new_tensor = ops.rearrange.new_tensor
Tensor.is_floating_point = ops.rearrange.is_floating_point
Tensor.is_contiguous = ops.rearrange.is_contiguous
Tensor.element_size = ops.rearrange.element_size
Tensor.itemsize = property(lambda self: int(self.dtype.itemsize))
Tensor.nbytes = property(lambda self: int(self.array.nbytes))
for _name in ("gather", "scatter", "scatter_add", "index_select", "masked_fill", "take_along_dim",
              "tril", "triu", "diag", "diagonal", "trace", "sort", "argsort", "topk", "prod",
              "cumsum", "cumprod", "norm", "median", "mm", "bmm", "dot", "outer", "isclose",
              "allclose", "equal"):
    setattr(Tensor, _name, getattr(ops, _name))
del _name
Tensor.masked_fill_ = ops.indexing.masked_fill_
Tensor.scatter_ = ops.indexing.scatter_
Tensor.scatter_add_ = ops.indexing.scatter_add_
Tensor.scatter_reduce = ops.scatter_reduce
Tensor.scatter_reduce_ = ops.scatter_reduce_
Tensor.erf = ops.erf
Tensor.erfc = ops.erfc
Tensor.prelu = ops.prelu
# trig/hyperbolic (ops/trig.py), more elementwise (ops/elementwise_more.py), functional forms
for _name in ("tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "asinh", "acosh", "atanh",
              "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh", "hypot",
              "sinc", "deg2rad", "rad2deg", "logaddexp", "logaddexp2", "logit", "xlogy",
              "clamp_min", "clamp_max", "copysign", "signbit", "heaviside", "fmax", "fmin",
              "float_power", "true_divide", "floor_divide", "mv", "ger"):
    setattr(Tensor, _name, getattr(ops, _name))
    if _name not in ("logaddexp", "logaddexp2", "signbit", "fmax", "fmin", "mv", "ger"):
        setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(ops, _name), _name + "_"))
del _name
_float_power_into_self = Tensor.float_power_


def _float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In-place float_power: the result is float64, so (as PyTorch) only a float64 tensor can
    hold it; a float32 one is an error, not a silent rounding."""
    if self.dtype != dtypes.float64:
        raise RuntimeError(f"float_power_: the base has dtype {self.dtype} but the result "
                           f"requires float64")
    return _float_power_into_self(self, exponent)


Tensor.float_power_ = _float_power_
# more reductions (ops/reduction_more.py)
for _name in ("aminmax", "count_nonzero", "cummax", "cummin", "diff", "kthvalue", "logcumsumexp",
              "mode", "msort", "nanmean", "nanquantile", "nansum", "quantile"):
    setattr(Tensor, _name, getattr(ops, _name))
del _name
# selection by index (ops/selection.py)
for _name in ("bincount", "histc", "index_add", "index_copy", "index_fill", "masked_select",
              "nonzero", "take", "unique", "unique_consecutive"):
    setattr(Tensor, _name, getattr(ops, _name))
del _name
Tensor.index_add_ = ops.selection.index_add_
Tensor.index_copy_ = ops.selection.index_copy_
Tensor.index_fill_ = ops.selection.index_fill_
Tensor.kron = ops.kron
Tensor.cross = ops.cross
Tensor.inner = ops.inner
Tensor.addmm = ops.addmm
Tensor.addmv = ops.addmv
Tensor.addbmm = ops.addbmm
Tensor.baddbmm = ops.baddbmm
Tensor.matrix_power = ops.matrix_power
Tensor.det = ops.det
Tensor.logdet = ops.logdet
Tensor.slogdet = ops.slogdet
Tensor.inverse = ops.inverse
Tensor.bernoulli = ops.bernoulli
Tensor.multinomial = ops.multinomial
Tensor.bernoulli_ = ops.sampling.bernoulli_
Tensor.exponential_ = ops.sampling.exponential_
# splits, stacks and statistics (ops/stacking.py, ops/statistics.py)
for _name in ("tensor_split", "hsplit", "vsplit", "dsplit", "rot90", "fliplr", "flipud", "select",
              "repeat_interleave", "diag_embed", "diagflat", "cov", "corrcoef", "dist", "renorm"):
    setattr(Tensor, _name, getattr(ops, _name))
del _name
# the gamma family and erfinv/i0 (ops/gamma.py, ops/special.py); polygamma takes n first in mg.*
for _name in ("lgamma", "digamma", "erfinv", "i0", "mvlgamma"):
    setattr(Tensor, _name, getattr(ops, _name))
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(ops, _name), _name + "_"))
del _name
Tensor.polygamma = lambda self, n: ops.polygamma(n, self)
Tensor.polygamma_ = ops.elementwise_more.inplace(Tensor.polygamma, "polygamma_")
# scatter views, index writes, matrix exp / triangular / Cholesky solves (session 7)
for _name in ("as_strided", "diagonal_scatter", "select_scatter", "slice_scatter",
              "split_with_sizes", "sum_to_size", "index_put", "index_reduce", "masked_scatter",
              "put", "matrix_exp", "triangular_solve", "cholesky_solve", "cholesky_inverse"):
    setattr(Tensor, _name, getattr(ops, _name))
del _name
Tensor.unfold = ops.scatter_views.unfold
Tensor.index_put_ = ops.index_writes.index_put_
Tensor.index_reduce_ = ops.index_writes.index_reduce_
Tensor.masked_scatter_ = ops.index_writes.masked_scatter_
Tensor.put_ = ops.index_writes.put_
# integer and bit math (ops/bitwise.py): & | ^ ~ << >> are bitwise on integers, logical on bools
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
              "bitwise_right_shift", "gcd", "lcm", "ldexp", "nextafter"):
    setattr(Tensor, _name, getattr(ops, _name))
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(ops, _name), _name + "_"))
del _name
Tensor.frexp = ops.frexp
Tensor.__and__, Tensor.__rand__ = _binary(ops.bitwise_and), _binary(ops.bitwise_and, True)
Tensor.__or__, Tensor.__ror__ = _binary(ops.bitwise_or), _binary(ops.bitwise_or, True)
Tensor.__xor__, Tensor.__rxor__ = _binary(ops.bitwise_xor), _binary(ops.bitwise_xor, True)
Tensor.__lshift__ = _binary(ops.bitwise_left_shift)
Tensor.__rlshift__ = _binary(ops.bitwise_left_shift, True)
Tensor.__rshift__ = _binary(ops.bitwise_right_shift)
Tensor.__rrshift__ = _binary(ops.bitwise_right_shift, True)
Tensor.__invert__ = ops.bitwise_not
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__irshift__ = Tensor.bitwise_right_shift_
# torch's keyword forms, aliases and metadata methods (ops/aliases.py)
Tensor.add, Tensor.sub, Tensor.div = ops.aliases.add, ops.aliases.sub, ops.aliases.div
for _name in ("subtract", "multiply", "divide", "negative", "positive", "absolute", "greater",
              "greater_equal", "less", "less_equal", "not_equal", "sgn", "addcmul", "addcdiv",
              "addr", "vdot", "ravel", "nanmedian", "is_complex", "is_signed", "is_nonzero",
              "is_same_size", "nelement", "ndimension", "get_device", "stride", "storage_offset",
              "argwhere"):
    setattr(Tensor, _name, getattr(ops.aliases, _name))
for _name in ("subtract", "multiply", "divide", "negative", "absolute", "sgn", "addcmul",
              "addcdiv", "addr", "neg", "abs", "sign"):
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(Tensor, _name), _name + "_"))
del _name
_true_div_, _rounded_div_ = Tensor.div_, ops.elementwise_more.inplace(ops.aliases.div, "div_")
Tensor.div_ = lambda self, other, *, rounding_mode=None: (
    _true_div_(self, other) if rounding_mode is None
    else _rounded_div_(self, other, rounding_mode=rounding_mode))
# the other elementwise in-place methods PyTorch has, with the same rules (no gradient lost)
for _name in ("relu", "sigmoid", "tanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
              "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "floor", "ceil", "round",
              "trunc", "fix", "frac", "erf", "erfc", "pow", "lerp", "fmod", "remainder",
              "nan_to_num", "tril", "triu", "renorm"):
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(ops, _name), _name + "_"))
for _name in ("cumsum", "cumprod"):  # in the tensor's own dtype (int32 stays int32), as PyTorch
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(
        lambda self, dim, *, dtype=None, _op=getattr(ops, _name):
            _op(self, dim, dtype=self.dtype if dtype is None else dtype), _name + "_"))
del _name
Tensor.clip_ = Tensor.clamp_
Tensor.where = lambda self, condition, other: ops.where(condition, self, other)  # self if cond
Tensor.mH = property(_swap_last_two("mH"))
Tensor.adjoint = _swap_last_two("adjoint")
Tensor.is_cpu = property(lambda self: self.device == "cpu")
Tensor.is_cuda = property(lambda self: self.device.startswith("cuda"))
Tensor.histogram = ops.histogram
# regularized incomplete gamma (ops/incomplete_gamma.py)
for _name in ("igamma", "igammac"):
    setattr(Tensor, _name, getattr(ops, _name))
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(ops, _name), _name + "_"))
del _name
# random fills with generator= (ops/random_fills.py; bernoulli_/exponential_ in ops/sampling.py)
from .ops import random_fills as _random_fills  # noqa: E402
for _name in ("uniform_", "normal_", "random_", "geometric_", "log_normal_", "cauchy_"):
    setattr(Tensor, _name, getattr(_random_fills, _name))
del _name
# comparisons in place (ops/aliases.py): 1/0 in the tensor's own dtype
for _name, _op in (("eq", "eq"), ("ne", "ne"), ("gt", "gt"), ("ge", "ge"), ("lt", "lt"),
                   ("le", "le"), ("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                   ("less_equal", "le"), ("not_equal", "ne")):
    setattr(Tensor, _name + "_", ops.aliases.comparison_inplace(getattr(ops, _op), _name + "_"))
del _name, _op
# resize_, the real-tensor forms of the complex functions, more in-place forms (session 12)
Tensor.resize_, Tensor.resize_as_ = ops.resize.resize_, ops.resize.resize_as_
for _name in ("isreal", "conj", "conj_physical", "conj_physical_", "resolve_conj", "resolve_neg",
              "is_conj", "is_neg", "angle"):
    setattr(Tensor, _name, getattr(ops.real_tensors, _name))
Tensor.real, Tensor.imag = property(ops.real_tensors.real), property(ops.real_tensors.imag)
for _name in ("hardshrink", "nonzero_static", "unsafe_chunk", "unsafe_split",
              "unsafe_split_with_sizes"):
    setattr(Tensor, _name, getattr(ops, _name))
for _name in ("addmm", "addbmm", "addmv", "baddbmm"):
    setattr(Tensor, _name + "_", ops.elementwise_more.inplace(getattr(ops, _name), _name + "_"))
for _name in ("logical_and", "logical_or", "logical_xor"):  # 1/0 in the tensor's own dtype
    setattr(Tensor, _name + "_", ops.aliases.comparison_inplace(getattr(ops, _name), _name + "_"))
Tensor.logical_not_ = ops.elementwise_more.inplace(
    lambda self: ops.logical_not(self).to(self.dtype), "logical_not_")
Tensor.const_data_ptr = Tensor.data_ptr
Tensor.as_strided_scatter = ops.as_strided_scatter
from .creation import new_empty_strided as _new_empty_strided  # noqa: E402
Tensor.new_empty_strided = _new_empty_strided
from . import interop as _interop  # noqa: E402  (DLPack export: torch.from_dlpack(t) shares)
Tensor.__dlpack__, Tensor.__dlpack_device__ = _interop.__dlpack__, _interop.__dlpack_device__
del _name

"""PyTorch's everyday spellings and small ops that sit on top of existing ones.

- Arithmetic with torch's keywords: add/sub/rsub with ``alpha``, div with ``rounding_mode``,
  addcmul/addcdiv with ``value``, addr with ``beta``/``alpha``; and the NumPy-style aliases
  (subtract, multiply, divide, negative, positive, absolute, greater, less, not_equal, sgn).
- Small ops: vdot, ravel, isin, unravel_index, argwhere, nanmedian.
- Queries: is_complex, is_signed, is_nonzero, is_same_size, and the Tensor metadata methods
  nelement, ndimension, is_cpu, is_cuda, get_device, stride, storage_offset.
- set_num_threads/get_num_threads: the CPU backend's thread count (``CpuBackend.threads``,
  the pool used by ``parallel_for``).

Aliases are the same function objects where the signature agrees (``mg.multiply is mg.mul``),
thin wrappers where torch adds a keyword; the differentiable ones are compositions of
differentiable ops, so they have double backward.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..backend import get_backend
from ..errors import ArgumentError
from ..tensor import Tensor
from .arithmetic import div as _true_div, mul, neg
from .arithmetic import add as _add, sub as _sub
from .comparison import ge, gt, le, lt, ne, where
from .elementwise import _tensor_input, operands, scalar_like
from .elementwise_more import _ZeroGradient, floor_divide
from .rearrange import chunk, split
from .scatter_views import split_with_sizes
from .reduction import SpreadEvenly, ValuesIndices
from .unary_math import abs as _abs, sign

multiply = mul
negative = neg
absolute = _abs
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
sgn = sign  # real tensors only: sgn is sign
# PyTorch's "unsafe" splits skip its autograd check on pieces written in place; minigrad
# refuses in-place writes to tensors that require grad anyway, so they are the same ops
unsafe_chunk, unsafe_split, unsafe_split_with_sizes = chunk, split, split_with_sizes


def _check_alpha(alpha: Any, a: Tensor, op: str, name: str = "alpha") -> None:
    if not isinstance(alpha, numbers.Number) or isinstance(alpha, complex):
        raise TypeError(f"{op}: {name} must be a real number, got {type(alpha).__name__}")
    if not isinstance(alpha, numbers.Integral) and not dtypes.is_floating(a.dtype):
        raise RuntimeError(f"{op}: for integral input tensors ({a.dtype}), argument {name} "
                           f"must not be a floating point number (got {alpha!r})")


def _scaled(other: Any, alpha: Any, like: Any, op: str) -> Any:
    """other * alpha, with alpha a weak Python scalar (float32 stays float32)."""
    if isinstance(alpha, bool) or alpha == 1:
        return other
    a, _ = operands(like, other, op)
    _check_alpha(alpha, a, op)
    return other * alpha if isinstance(other, Tensor) else scalar_like(other, a) * alpha


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """input + alpha * other (torch.add's keyword; alpha saves a separate multiply)."""
    return _add(input, _scaled(other, alpha, input, "add"))


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """input - alpha * other."""
    return _sub(input, _scaled(other, alpha, input, "sub"))


subtract = sub


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """other - alpha * input (subtraction with the operands swapped, as torch.rsub)."""
    return _sub(other, _scaled(input, alpha, other, "rsub"))


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """input / other: true division (None), rounded toward zero ('trunc') or toward minus
    infinity ('floor'); the rounded forms keep integer dtypes and have a zero gradient."""
    if rounding_mode is None:
        return _true_div(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode != "trunc":
        raise ArgumentError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                            f"but found {rounding_mode!r}")
    a, b = operands(input, other, "div")
    if dtypes.is_floating(a.dtype):
        return _ZeroGradient.apply(a, b, True)  # trunc(a / b) with zero gradients
    if a.array.size and bool((b.array == 0).any()):  # an empty dividend divides nothing
        raise RuntimeError(f"div: integer division by zero (ZeroDivisionError; {a.dtype} "
                           f"tensors of shapes {tuple(a.shape)} and {tuple(b.shape)})")
    if a.dtype == dtypes.bool:
        a, b = a.to(dtypes.int64), b.to(dtypes.int64)
    xp = a.xp
    quotient = xp.floor_divide(xp.abs(a.array), xp.abs(b.array))
    negative_result = (a.array < 0) != (b.array < 0)
    return Tensor._make(xp.where(negative_result, -quotient, quotient), a.device)


divide = div


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """The input itself (unary +); refused for bools, as in PyTorch."""
    _tensor_input(input, "positive")
    if input.dtype == dtypes.bool:
        raise TypeError("positive: the `+` operator on a bool tensor is not supported")
    return input


# --- fused multiply-adds -------------------------------------------------------------------
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 * tensor2 (the Adam/RMSprop moment updates)."""
    product = mul(tensor1, tensor2)
    return _add(input, _scaled(product, value, input, "addcmul"))


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 / tensor2 (the Adam step m / (sqrt(v) + eps))."""
    if all(isinstance(t, Tensor) and not dtypes.is_floating(t.dtype) for t in (tensor1, tensor2)):
        raise RuntimeError(f"addcdiv: integer division with addcdiv is not supported (tensor1 "
                           f"{tensor1.dtype}, tensor2 {tensor2.dtype}); use a floating tensor")
    return _add(input, _scaled(_true_div(tensor1, tensor2), value, input, "addcdiv"))


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * outer(vec1, vec2) (a rank-1 update); beta = 0 ignores input,
    nan and inf included, as in PyTorch."""
    from .linalg import outer
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if not isinstance(v, Tensor) or v.ndim != 1:
            raise RuntimeError(f"addr: {name} must be a 1-D tensor, got "
                               f"{tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__}")
    rank1 = outer(vec1, vec2)
    rank1 = _scaled(rank1, alpha, rank1, "addr")
    if isinstance(beta, bool) or beta != 0:
        scaled_input = _scaled(input, beta, input, "addr")
        return _add(scaled_input, rank1)
    never = Tensor._make(input.xp.zeros(input.shape, dtype=dtypes.bool), input.device)
    return _add(rank1, where(never, input, scalar_like(0, input)))  # shape and dtype only


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Dot product of two 1-D tensors (conjugating the first: the same for real tensors)."""
    from .linalg import dot
    for name, v in (("input", input), ("other", other)):
        if not isinstance(v, Tensor) or v.ndim != 1:
            raise RuntimeError(f"vdot: 1D tensors expected, but got {name} of shape "
                               f"{tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__}")
    return dot(input, other)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-D tensor (a view where the layout allows, as flatten)."""
    return _tensor_input(input, "ravel").reshape(-1)


# --- index helpers ----------------------------------------------------------------------------
def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each of ``elements`` occurs in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin: expected at least one Tensor argument")
    like = elements if isinstance(elements, Tensor) else test_elements
    xp = like.xp
    e = elements.array if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements.array if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return Tensor._make(xp.isin(e, t, assume_unique=assume_unique, invert=invert), like.device)


def unravel_index(indices: Any, shape: Any) -> tuple:
    """Flat indices to a tuple of coordinate tensors for ``shape`` (negative indices count
    from the end, as in PyTorch)."""
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {shape}")
    if not isinstance(indices, Tensor):
        from ..creation import tensor
        indices = tensor(indices)
    if dtypes.is_floating(indices.dtype) or indices.dtype == dtypes.bool:
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, but got "
                        f"{indices.dtype}")
    xp = indices.xp
    size = 1
    for s in shape:
        size *= s
    flat = indices.array.astype(dtypes.int64)
    if flat.size and bool(((flat < -size) | (flat >= size)).any()):
        raise RuntimeError(f"unravel_index: 'indices' must be in range [{-size}, {size - 1}] "
                           f"for shape {shape}")
    flat = xp.where(flat < 0, flat + size, flat)
    coords = []
    for s in reversed(shape):
        coords.append(flat % s if s else flat * 0)
        flat = flat // s if s else flat
    return tuple(Tensor._make(c.astype(dtypes.int64), indices.device) for c in reversed(coords))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """The (n, ndim) int64 indices of the non-zero elements (nonzero's spelling in NumPy)."""
    from .selection import nonzero
    return nonzero(_tensor_input(input, "argwhere"))


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """median ignoring NaNs (lower median of the non-NaN values; NaN only where a slice is all
    NaN). ``dim=None`` gives the value (its gradient shared by the elements equal to it), a
    ``dim`` gives (values, indices); the gradient goes to the element at the index."""
    from .dims import normalize_dim
    from .indexing import gather
    from .reduction import _stable_kth
    _tensor_input(input, "nanmedian")
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0:
            if not dtypes.is_floating(input.dtype):
                raise RuntimeError(f"nanmedian: an empty {input.dtype} tensor of shape "
                                   f"{tuple(input.shape)} has no median")
            return SpreadEvenly.apply(input, float("nan"))  # keeps the graph: an empty gradient
        return SpreadEvenly.apply(input, nanmedian(flat.detach(), 0).values.array)
    axis = normalize_dim(dim, input.shape, "nanmedian")
    if input.ndim == 0:
        return ValuesIndices(input.clone(), Tensor._make(input.xp.zeros((), dtype=dtypes.int64),
                                                         input.device))
    if input.shape[axis] == 0:
        raise IndexError(f"nanmedian: cannot take the median of an empty dimension {dim} of a "
                         f"tensor of shape {tuple(input.shape)}")
    xp = input.xp
    count = (~xp.isnan(input.array)).sum(axis=axis, keepdims=True) if input.dtype.kind == "f" \
        else xp.full(tuple(1 if i == axis else s for i, s in enumerate(input.shape)),
                     input.shape[axis])
    k = xp.maximum((count - 1) // 2, 0).astype(dtypes.int64)
    # the k-th in a stable sort (NaNs last; equal values in input order), as PyTorch
    indices = Tensor._make(_stable_kth(xp, input.array, axis, k), input.device)
    values = gather(input, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


# --- queries -----------------------------------------------------------------------------------
def is_complex(input: Tensor) -> bool:  # noqa: A002
    """Always False: minigrad has no complex dtypes."""
    _tensor_input(input, "is_complex")
    return input.dtype.kind == "c"


def is_signed(input: Tensor) -> bool:  # noqa: A002
    """Whether the dtype holds negative values (floats and signed integers)."""
    _tensor_input(input, "is_signed")
    return input.dtype.kind in "fic"


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    """The truth value of a one-element tensor; any other size is ambiguous, as in PyTorch."""
    _tensor_input(input, "is_nonzero")
    n = input.numel()
    if n == 0:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with more than one value is "
                           f"ambiguous (shape {tuple(input.shape)})")
    return bool(input.array.reshape(()) != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Whether two tensors have the same shape."""
    _tensor_input(input, "is_same_size")
    _tensor_input(other, "is_same_size")
    return tuple(input.shape) == tuple(other.shape)


def set_num_threads(num: int) -> None:
    """The number of threads the CPU backend splits large elementwise work over
    (``MINIGRAD_NUM_THREADS`` sets it at start; BLAS keeps its own)."""
    if not isinstance(num, numbers.Integral) or isinstance(num, bool) or num <= 0:
        raise RuntimeError(f"set_num_threads: number of threads must be positive, got {num!r}")
    get_backend("cpu").threads = int(num)


def get_num_threads() -> int:
    """The CPU backend's thread count (see set_num_threads)."""
    return int(get_backend("cpu").threads)


# --- Tensor metadata methods ---------------------------------------------------------------------
def nelement(self: Tensor) -> int:
    """The number of elements (numel's older name)."""
    return self.numel()


def ndimension(self: Tensor) -> int:
    """The number of dimensions (dim's older name)."""
    return self.ndim


def get_device(self: Tensor) -> int:
    """-1 on the CPU, the device index on a GPU (as torch.Tensor.get_device)."""
    if self.device == "cpu":
        return -1
    return int(self.device.split(":")[1]) if ":" in self.device else 0


def stride(self: Tensor, dim: int | None = None) -> Any:
    """Element strides of the tensor's memory (a tuple, or one dim's), as torch reports them."""
    from .dims import normalize_dim
    itemsize = self.array.dtype.itemsize
    strides = tuple(int(s) // itemsize for s in self.array.strides)
    if self.numel() == 0:  # NumPy reports 0s; PyTorch the C-order strides, a 0-size dim as 1
        strides, step = [], 1
        for n in reversed(self.shape):
            strides.insert(0, step)
            step *= max(n, 1)
        strides = tuple(strides)
    if dim is None:
        return strides
    if self.ndim == 0:
        raise IndexError(f"stride: dimension specified as {dim} but tensor has no dimensions")
    return strides[normalize_dim(dim, self.shape, "stride")]


def _data_pointer(array: Any) -> int:
    interface = getattr(array, "__array_interface__", None)
    if interface is not None:
        return int(interface["data"][0])
    return int(array.data.ptr)  # CuPy


def storage_offset(self: Tensor) -> int:
    """How many elements into its memory block the tensor starts (0 unless it is a view)."""
    root = self.array
    while getattr(root, "base", None) is not None and hasattr(root.base, "strides"):
        root = root.base
    if root is self.array:
        return 0
    return (_data_pointer(self.array) - _data_pointer(root)) // self.array.dtype.itemsize



def typename(obj: Any) -> str:
    """The name of a tensor's type as ``Tensor.type()`` gives it ('minigrad.FloatTensor'); of
    a class or function, its own dotted name; of any other object, its class's (as
    torch.typename: builtins go without the module)."""
    if isinstance(obj, Tensor):
        return obj.type()
    named = obj if hasattr(obj, "__qualname__") else type(obj)
    module = getattr(named, "__module__", None) or ""
    return named.__qualname__ if module in ("", "builtins") else f"{module}.{named.__qualname__}"


# --- comparisons written in place (Tensor.gt_, ...): 1/0 in the tensor's own dtype ------------
def comparison_inplace(compare: Any, name: str) -> Any:
    """Tensor.<name>: self = (self <compare> other), stored as 1/0 (True/False) in self's dtype,
    as torch.Tensor.gt_ and friends do."""
    from .elementwise_more import inplace

    def as_own_dtype(self: Tensor, other: Any) -> Tensor:
        return compare(self, other).to(self.dtype)
    as_own_dtype.__name__ = compare.__name__
    return inplace(as_own_dtype, name)

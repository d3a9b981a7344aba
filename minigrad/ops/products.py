"""Products built from matmul and broadcasting: kron, cross, tensordot, inner, the fused
``beta * input + alpha * product`` family (addmm, addmv, addbmm, baddbmm) and matrix_power.
Every one is a composition of differentiable ops, so double backward comes for free."""
from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from .broadcast import broadcast_shapes
from .dims import normalize_dim
from .linalg import _check_operands, matmul


def _tensors(op: str, *xs: Any) -> None:
    for x in xs:
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected tensors, got {type(x).__name__}")


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: ``out[i*q + k, ...] = input[i, ...] * other[k, ...]`` with the
    shorter operand padded by leading 1-dims (torch's rule)."""
    _tensors("kron", input, other)
    nd = max(input.ndim, other.ndim)
    a_shape = (1,) * (nd - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(s for n in a_shape for s in (n, 1)))
    b = other.reshape(tuple(s for n in b_shape for s in (1, n)))
    return (a * b).reshape(tuple(m * n for m, n in zip(a_shape, b_shape)))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """3-vector cross product along ``dim`` (operands broadcast). ``dim=None`` takes the first
    dimension of size 3, as torch.cross does; ``mg.linalg.cross`` defaults to ``dim=-1``."""
    _tensors("cross", input, other)
    shape = broadcast_shapes("cross", tuple(input.shape), tuple(other.shape))
    if dim is None:
        dims = [i for i, n in enumerate(shape) if n == 3]
        if not dims:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {shape}")
        dim = dims[0]
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"cross: dim {dim} is out of range for shape {shape}")
    dim = dim % len(shape)
    if shape[dim] != 3:
        raise RuntimeError(f"cross: inputs dimension {dim} must have length 3, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    if input.ndim != other.ndim:
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    a = input.expand(shape).movedim(dim, 0)
    b = other.expand(shape).movedim(dim, 0)
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    from .shape import stack
    return stack(parts, dim)


def linalg_cross(input: Tensor, other: Tensor, dim: int = -1) -> Tensor:
    """torch.linalg.cross: like ``cross`` but along ``dim=-1`` by default."""
    return cross(input, other, dim)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract the last ``dims`` axes of ``a`` with the first ``dims`` of ``b`` (or the listed
    axes, ``dims=([a axes], [b axes])``) as one matmul of the flattened operands."""
    _tensors("tensordot", a, b)
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot: expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot: dims={dims} exceeds the dimensions of shapes "
                               f"{tuple(a.shape)} and {tuple(b.shape)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have the same length, got "
                           f"{da} and {db}")
    # as torch: a dim out of range is an IndexError (d % ndim silently contracted another one)
    da = [normalize_dim(d, a.shape, "tensordot", scalar=False) for d in da]
    db = [normalize_dim(d, b.shape, "tensordot", scalar=False) for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a.shape[i]} in dim {i} and second has size "
                               f"{b.shape[j]} in dim {j} (shapes {tuple(a.shape)} and "
                               f"{tuple(b.shape)})")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    m = 1
    for d in free_a:
        m *= a.shape[d]
    n = 1
    for d in free_b:
        n *= b.shape[d]
    a2 = a.permute(*(free_a + da)).reshape((m, k))
    b2 = b.permute(*(db + free_b)).reshape((k, n))
    out_shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return matmul(a2, b2).reshape(out_shape)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last axis of both (a scalar operand just multiplies)."""
    _tensors("inner", input, other)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: last dimensions must match, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def _scaled_sum(op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product``; with beta == 0 the input is ignored (NaN in it does
    not propagate), as torch documents."""
    out = product if alpha == 1 else product * alpha
    try:
        shape = broadcast_shapes(op, tuple(input.shape), tuple(out.shape))
    except ValueError as exc:
        raise RuntimeError(str(exc)) from exc
    if shape != tuple(out.shape):
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} cannot be broadcast to "
                           f"the product's shape {tuple(out.shape)}")
    if beta == 0:
        return out
    return (input if beta == 1 else input * beta) + out


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D mat1, mat2 (input broadcasts)."""
    _tensors("addmm", input, mat1, mat2)
    _check_operands("addmm", mat1, mat2, 2)
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"addmm: mat1 and mat2 shapes cannot be multiplied "
                           f"({tuple(mat1.shape)} and {tuple(mat2.shape)})")
    return _scaled_sum("addmm", input, matmul(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` for a 2-D mat and a 1-D vec."""
    _tensors("addmv", input, mat, vec)
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"addmv: expected a 2-D matrix and a 1-D vector of matching size, "
                           f"got shapes {tuple(mat.shape)} and {tuple(vec.shape)}")
    return _scaled_sum("addmv", input, matmul(mat, vec), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, batch by batch."""
    _tensors("baddbmm", input, batch1, batch2)
    _check_operands("baddbmm", batch1, batch2, 3)
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"baddbmm: batch1 and batch2 shapes cannot be multiplied "
                           f"({tuple(batch1.shape)} and {tuple(batch2.shape)})")
    return _scaled_sum("baddbmm", input, matmul(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``: the batch is reduced."""
    _tensors("addbmm", input, batch1, batch2)
    _check_operands("addbmm", batch1, batch2, 3)
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"addbmm: batch1 and batch2 shapes cannot be multiplied "
                           f"({tuple(batch1.shape)} and {tuple(batch2.shape)})")
    b, n, k = batch1.shape
    p = batch2.shape[2]
    # sum_b A_b B_b is one matmul of A laid out (n, b*k) with B laid out (b*k, p).
    product = matmul(batch1.permute(1, 0, 2).reshape((n, b * k)), batch2.reshape((b * k, p)))
    return _scaled_sum("addbmm", input, product, beta, alpha)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` multiplied by itself ``n`` times by repeated squaring (batched); ``n = 0`` is
    the identity and a negative ``n`` the power of the inverse."""
    _tensors("matrix_power", input)
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"matrix_power: expected a tensor of square matrices, got shape "
                           f"{tuple(input.shape)}")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        from ..creation import eye
        identity = eye(input.shape[-1], dtype=input.dtype, device=input.device)
        return identity.expand(tuple(input.shape)) * 1
    base = input
    if n < 0:
        from .linalg_decomp import inv
        base, n = inv(input), -n
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result

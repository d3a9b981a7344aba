"""Linear algebra: ``a @ b`` (matmul, for 1-D, 2-D and batched operands), PyTorch's strict
spellings of it (mm, bmm, dot) and outer, einsum, and the tolerance comparisons
(isclose, allclose, equal)."""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from .broadcast import broadcast_shapes, sum_to_shape
from .shape import GetItem


class MatMul(Function):
    """Backward promotes 1-D operands to matrices, as forward does, so one rule covers all cases:
    dA = dC @ B^T and dB = A^T @ dC, summed over broadcast batch dimensions."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.matmul(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        batch = broadcast_shapes("matmul", a2.shape[:-2], b2.shape[:-2])
        grad = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to_shape(grad @ b2.transpose(-1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = sum_to_shape(a2.transpose(-1, -2) @ grad, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with PyTorch's dtype rule and a shape error that names both shapes."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected two tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ShapeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned "
                         f"({k_a} != {k_b})")
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
    if a.dtype != b.dtype:  # PyTorch's rule: float32 @ int64 stays float32
        dtype = dtypes.result_type(a.dtype, b.dtype)
        a, b = a.to(dtype), b.to(dtype)
    return MatMul.apply(a, b)


# --- PyTorch's strict spellings of matmul ---------------------------------------------------------
def _check_operands(op: str, a: Tensor, b: Tensor, ndim: int | None = None,
                    same_dtype: bool = True) -> None:
    """Two tensors (of exactly ``ndim`` dims where given; of one dtype for PyTorch's strict
    spellings, which do not promote): the checks mm, bmm, dot, outer and isclose share."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected two tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if a.device != b.device:
        raise RuntimeError(f"{op}: expected both tensors on the same device, got {a.device} "
                           f"and {b.device}")
    if same_dtype and a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both tensors to have the same dtype, got {a.dtype} "
                           f"and {b.dtype}")
    if ndim is not None and (a.ndim != ndim or b.ndim != ndim):
        raise RuntimeError(f"{op}: expected two {ndim}-D tensors, got shapes {tuple(a.shape)} "
                           f"and {tuple(b.shape)}")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix x matrix, without matmul's broadcasting or promotion: a wrong shape is an error."""
    _check_operands("mm", input, mat2, 2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: shapes {tuple(input.shape)} and {tuple(mat2.shape)} cannot be "
                           f"multiplied ({input.shape[1]} != {mat2.shape[0]})")
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batches of matrix products, with equal batch sizes (no broadcasting)."""
    _check_operands("bmm", input, mat2, 3)
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"bmm: shapes {tuple(input.shape)} and {tuple(mat2.shape)} cannot be "
                           f"multiplied (need (b, n, m) and (b, m, p))")
    return MatMul.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length, as a 0-d tensor."""
    _check_operands("dot", input, other, 1)
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"dot: tensors of shapes {tuple(input.shape)} and "
                           f"{tuple(other.shape)} have different lengths")
    return MatMul.apply(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]`` (dtypes promote)."""
    _check_operands("outer", input, vec2, 1, same_dtype=False)
    return input.unsqueeze(1) * vec2.unsqueeze(0)


# --- einsum ------------------------------------------------------------------------------------
class Einsum(Function):
    """A contraction given by subscripts (one letter per axis, no letter repeated inside one
    operand). The gradient of operand k is itself an einsum of the output gradient with the
    other operands; letters that only operand k has (summed away) are broadcast back."""

    @staticmethod
    def forward(ctx, subs, out, *operands):
        ctx.save_for_backward(*operands)
        ctx.subs, ctx.out = subs, out
        spec = ",".join(subs) + "->" + out
        return operands[0].xp.einsum(spec, *(o.array for o in operands))

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        grads = [None, None]
        for k, (sub, need) in enumerate(zip(ctx.subs, ctx.needs_input_grad[2:])):
            if not need:
                grads.append(None)
                continue
            others = [(s, o) for i, (s, o) in enumerate(zip(ctx.subs, operands)) if i != k]
            known = set(ctx.out).union(*(s for s, _ in others))
            kept = "".join(c for c in sub if c in known)
            g = Einsum.apply((ctx.out,) + tuple(s for s, _ in others), kept, grad,
                             *(o for _, o in others))
            if kept != sub:  # broadcast over the letters only this operand had
                shape = operands[k].shape
                g = g.reshape(tuple(shape[i] if c in known else 1 for i, c in enumerate(sub)))
                g = g.expand(shape)
            grads.append(g)
        return tuple(grads)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation: str, operands: tuple) -> tuple:
    """Subscripts per operand and for the output, with '...' spelled out as letters and the
    implicit output (letters used once, sorted; '...' first) made explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise ArgumentError(f"einsum: the equation {equation!r} has {len(subs)} operand(s) but "
                            f"{len(operands)} tensor(s) were given")
    for s in subs + [rhs]:
        bad = set(s.replace("...", "")) - set(_LETTERS)
        if bad or s.replace("...", "").count(".") or s.count("...") > 1:
            raise ArgumentError(f"einsum: invalid subscripts {s!r} in {equation!r} (use letters "
                                "a-z, A-Z and at most one '...' per operand)")
    if not arrow:
        counts = {}
        for s in subs:
            for c in s.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        rhs = ("..." if any("..." in s for s in subs) else "") + \
            "".join(sorted(c for c, n in counts.items() if n == 1))
    free = [c for c in _LETTERS if c not in eq]
    n_ellipsis = 0
    for s, o in zip(subs, operands):
        n_named = len(s.replace("...", ""))
        if ("..." in s and o.ndim < n_named) or ("..." not in s and o.ndim != n_named):
            raise ShapeError(f"einsum: subscripts {s!r} do not fit an operand of shape "
                             f"{tuple(o.shape)}")
        if "..." in s:
            n_ellipsis = max(n_ellipsis, o.ndim - n_named)
    ell = "".join(free[:n_ellipsis])
    # Ellipsis axes line up from the right, as in broadcasting.
    subs = [s.replace("...", ell[n_ellipsis - (o.ndim - len(s.replace("...", ""))):])
            for s, o in zip(subs, operands)]
    rhs = rhs.replace("...", ell)
    for c in rhs:
        if rhs.count(c) > 1 or not any(c in s for s in subs):
            raise ArgumentError(f"einsum: output subscript {c!r} in {equation!r} must appear once "
                                "and in some operand")
    return subs, rhs


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``, differentiable in every
    operand. Ellipses broadcast. A letter repeated inside one operand takes a diagonal
    ('ii->i'; 'ii->' is the trace; 'iij->j'), differentiably."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(o, Tensor) for o in operands):
        raise TypeError("einsum: expected one or more tensors after the equation")
    for o in operands[1:]:
        if o.dtype != operands[0].dtype:
            raise RuntimeError(f"einsum: expected all operands to have the same dtype, got "
                               f"{operands[0].dtype} and {o.dtype}")
    subs, out = _parse_einsum(equation, operands)
    sizes: dict = {}
    for k, (s, o) in enumerate(zip(subs, operands)):
        for c, n in zip(s, o.shape):
            if o.shape[s.index(c)] != n:  # a diagonal needs equal sizes (no broadcasting)
                raise RuntimeError(f"einsum: subscript {c!r} is repeated for operand {k} "
                                   f"({s!r}) but the sizes don't match: dimensions of sizes "
                                   f"{o.shape[s.index(c)]} and {n} (shape {tuple(o.shape)})")
        for c, n in zip(s, o.shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise ShapeError(f"einsum: subscript {c!r} has size {sizes[c]} in one operand "
                                 f"and {n} in another ({equation!r})")
            if sizes.get(c, 1) == 1:
                sizes[c] = n
    # Size-1 axes broadcast against their letter's size: expand them first (differentiably).
    operands = tuple(o.expand(tuple(sizes[c] for c in s)) for s, o in zip(subs, operands))
    diagonals = [_repeated_diagonal(s, o) for s, o in zip(subs, operands)]
    return Einsum.apply(tuple(s for s, _ in diagonals), out, *(o for _, o in diagonals))


def _repeated_diagonal(sub: str, operand: Tensor) -> tuple:
    """A letter repeated within one operand ('ii', 'iij') takes a diagonal: read it with an
    advanced index (a differentiable gather, whose backward scatters onto the diagonal), so
    the contraction sees each letter once. Returns the new subscripts and operand."""
    letters = "".join(dict.fromkeys(sub))  # first occurrences, in order
    if len(letters) == len(sub):
        return sub, operand
    xp, n = operand.xp, len(letters)
    index = []
    for c, size in zip(sub, operand.shape):
        shape = [1] * n
        shape[letters.index(c)] = size
        index.append(xp.arange(size).reshape(shape))
    return letters, GetItem.apply(operand, tuple(index))


# --- comparisons with tolerance (not differentiable) -------------------------------------------
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (equal infinities are close;
    NaNs only with ``equal_nan``), as a bool tensor."""
    _check_operands("isclose", input, other)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"isclose: {name} must be greater than or equal to zero, but got "
                               f"{tol}")
    if input.device != other.device:
        raise RuntimeError(f"isclose: expected both tensors on the same device, got "
                           f"{input.device} and {other.device}")
    broadcast_shapes("isclose", tuple(input.shape), tuple(other.shape))
    return Tensor._make(input.xp.isclose(input.array, other.array, rtol=rtol, atol=atol,
                                         equal_nan=equal_nan), input.device)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values (NaN != NaN)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"equal: expected two tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    if input.device != other.device:
        raise RuntimeError(f"equal: expected both tensors on the same device, got "
                           f"{input.device} and {other.device}")
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool((input.array == other.array).all())

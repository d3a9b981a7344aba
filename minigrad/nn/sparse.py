"""``Embedding``: a lookup table of learned vectors, and its functional form ``embedding``.

Looking up rows is indexing, and its gradient scatters the incoming rows back into a
table-shaped zero gradient, adding where an index repeats. ``padding_idx``'s row gets no
gradient (so it stays as initialised, zero by default), ``scale_grad_by_freq`` divides each
row's gradient by how often its index occurs in the batch, and ``max_norm`` rescales, in
place and before the lookup, each looked-up row whose norm exceeds it, as PyTorch does.
Sparse gradients are not supported (minigrad has no sparse tensors).
"""
from __future__ import annotations

import numbers
from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..creation import empty
from ..errors import DtypeError, InvalidIndexError, ShapeError
from ..ops.shape import IndexAdd
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype


class EmbeddingLookup(Function):
    """weight[indices]; backward scatter-adds the gradient rows (tensor ops under create_graph:
    it is linear, so it differentiates again; plain arrays otherwise, see ``scatter_rows``)."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        idx = indices.array
        ctx.table_shape, ctx.idx = weight.shape, idx
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return weight.xp.take(weight.array, idx, axis=0)  # take: faster than weight[idx]

    @staticmethod
    def backward(ctx, grad):
        xp, idx = grad.xp, ctx.idx
        factor = None
        if ctx.scale_grad_by_freq:
            counts = xp.bincount(idx.reshape(-1), minlength=ctx.table_shape[0])
            factor = 1.0 / counts[idx].astype(grad.dtype)
        if ctx.padding_idx is not None:
            keep = (idx != ctx.padding_idx).astype(grad.dtype)
            factor = keep if factor is None else factor * keep
        if is_grad_enabled():  # create_graph=True
            if factor is not None:
                grad = grad * Tensor._make(xp.expand_dims(factor, -1), grad.device)
            return IndexAdd.apply(grad, ctx.table_shape, (idx,)), None, None, None
        g = grad.array if factor is None else grad.array * xp.expand_dims(factor, -1)
        table = scatter_rows(g, idx, ctx.table_shape[0], xp)
        return Tensor._make(table, grad.device), None, None, None


def scatter_rows(rows: Any, idx: Any, n_rows: int, xp: Any) -> Any:
    """A zero (n_rows, D) array plus each row of ``rows`` (..., D) at its index in ``idx``
    (..., ): an embedding's table gradient, repeated indices adding up.

    Rows whose index occurs once are just written (0 + v is v). The repeated ones are added
    element by element at the flat positions idx * D + j, because NumPy's ``add.at`` has a
    fast loop only for a 1-D target (about 3x faster than adding whole rows, and as fast with
    many repeats, such as a padding token); in slices of about a million elements, so that the
    int64 positions stay a bounded temporary. Each sum adds in ``idx``'s order, as add.at."""
    dim = rows.shape[-1]
    out = xp.zeros((n_rows, dim), dtype=rows.dtype)
    rows, idx = rows.reshape(-1, dim), idx.reshape(-1).astype(xp.int64, copy=False)
    once = xp.bincount(idx, minlength=n_rows)[idx] == 1
    picked = xp.flatnonzero(once)
    out[idx[picked]] = xp.take(rows, picked, axis=0)
    repeated = xp.flatnonzero(~once)
    columns = xp.arange(dim, dtype=xp.int64)
    step = max(1, (1 << 20) // max(dim, 1))
    for start in range(0, repeated.shape[0], step):
        chosen = repeated[start:start + step]
        flat = (idx[chosen].reshape(-1, 1) * dim + columns).reshape(-1)
        xp.add.at(out.reshape(-1), flat, xp.take(rows, chosen, axis=0).reshape(-1))
    return out


def _padding_index(padding_idx: Any, num_embeddings: int, op: str) -> int | None:
    """``padding_idx`` as a row number in [0, num_embeddings) (negatives count from the end)."""
    if padding_idx is None:
        return None
    if not isinstance(padding_idx, numbers.Integral) or isinstance(padding_idx, bool):
        raise TypeError(f"{op}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{op}: padding_idx={padding_idx} must be within num_embeddings="
                         f"{num_embeddings} (in [{-num_embeddings}, {num_embeddings - 1}])")
    return int(padding_idx) % num_embeddings


def _check_lookup(input: Tensor, weight: Tensor, op: str) -> None:  # noqa: A002
    """Integer indices and a table, both Tensors on one device (embedding, embedding_bag)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: expected input and weight tensors, got {type(input).__name__} "
                        f"and {type(weight).__name__}")
    if input.dtype.kind not in "iu":
        raise DtypeError(f"{op}: expected an integer tensor of indices (int64 or int32), got "
                         f"{input.dtype}")
    if input.device != weight.device:
        raise RuntimeError(f"{op}: indices are on {input.device} but weight is on "
                           f"{weight.device}")


def _check_index_range(idx: Any, input: Tensor, weight: Tensor, op: str) -> None:  # noqa: A002
    """Every index in ``idx`` (``input``'s indices, as a backend array) names a row of the
    (num_embeddings, embedding_dim) ``weight``."""
    n = weight.shape[0]
    if idx.size and bool(((idx < 0) | (idx >= n)).any()):
        bad = input.backend.to_numpy(idx[(idx < 0) | (idx >= n)])[0]
        raise InvalidIndexError(f"{op}: index {int(bad)} is out of range for an embedding "
                                f"table of {n} rows (weight of shape {tuple(weight.shape)}; "
                                f"valid indices are 0..{n - 1})")


def _renorm_(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Shrink, in place, the rows of ``weight`` at ``idx`` whose norm exceeds ``max_norm``."""
    xp = weight.xp
    rows = xp.unique(idx.reshape(-1))
    if rows.size == 0:
        return
    norms = xp.linalg.norm(weight.array[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if not bool(big.any()):
        return
    rows, norms = rows[big], norms[big]
    scale = (max_norm / (norms + 1e-7)).astype(weight.dtype)
    with no_grad():
        weight._check_inplace("embedding (max_norm)")  # counts the write, for saved tensors
        weight.array[rows] = weight.array[rows] * scale[:, None]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) at integer ``input``: the output has
    shape input.shape + (embedding_dim,). Turns token ids into trainable vectors."""
    op = "embedding"
    _check_lookup(input, weight, op)
    if sparse:
        raise NotImplementedError(f"{op}: sparse=True is not supported (minigrad has no sparse "
                                  "gradients); use sparse=False")
    if weight.ndim != 2:
        raise ShapeError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    padding_idx = _padding_index(padding_idx, weight.shape[0], op)
    idx = input.array
    _check_index_range(idx, input, weight, op)
    if max_norm is not None:
        _renorm_(weight, idx, float(max_norm), float(norm_type))
    return EmbeddingLookup.apply(weight, input, padding_idx, bool(scale_grad_by_freq))


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``, looked up by
    integer index; starts as N(0, 1) with the ``padding_idx`` row zero."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None):
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ShapeError(f"Embedding: {name} must be a non-negative int, got {value!r}")
        if sparse:
            raise NotImplementedError("Embedding: sparse=True is not supported (minigrad has no "
                                      "sparse gradients); use sparse=False")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            dtype = parameter_dtype(dtype, "Embedding")
            self.weight = Parameter(empty((num_embeddings, embedding_dim), dtype=dtype,
                                          device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {tuple(_weight.shape)} does not "
                                 f"match (num_embeddings, embedding_dim) = "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight.detach(), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """N(0, 1), then the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding holding ``embeddings`` (2-D) as its table, frozen by default."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("Embedding.from_pretrained: embeddings must be a 2-D tensor, got "
                             f"{getattr(embeddings, 'shape', type(embeddings).__name__)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

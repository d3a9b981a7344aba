"""``EmbeddingBag`` and ``embedding_bag``: the sum, mean or max of bags of embedding rows,
without materialising each row's output (bag-of-words and recommendation models).

Bags come as a 2-D (B, N) input (B bags of N indices) or as a 1-D input cut by ``offsets``
(bag b starts at offsets[b]; with ``include_last_offset`` the last offset closes the last bag,
CSR style). Both become a (B, longest bag) block of positions into the flat indices, with a mask
for the positions past a bag's end and for ``padding_idx`` entries. 'sum' and 'mean' without
``per_sample_weights`` or ``scale_grad_by_freq`` (the common case) are one op, ``BagSum``: a
masked weighted sum of the looked-up rows, 1 / the bag's size being the weight for 'mean'.
Otherwise the indices are looked up once with the ``Embedding`` op (so ``max_norm`` and
``scale_grad_by_freq`` mean what they mean there) and gathered into a dense (B, L, D) block:
'sum' multiplies by the mask (and ``per_sample_weights``), 'mean' divides by the number of
unmasked entries, 'max' fills masked positions with -inf. Empty bags give zeros, as PyTorch.
Gradients of any order flow to the table and to ``per_sample_weights``.

Differs from PyTorch 2.13 on purpose: with ``scale_grad_by_freq=True`` each row's gradient is
divided by how often its index occurs in ``input`` (the documented rule, as ``embedding``);
PyTorch's CPU kernel divides some rows by another index's count.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..creation import empty, zeros
from ..ops.comparison import where
from ..ops.shape import IndexAdd
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype
from .sparse import (EmbeddingLookup, _check_index_range, _check_lookup, _padding_index,
                     _renorm_, scatter_rows)

_MODES = ("sum", "mean", "max")


class BagSum(Function):
    """out[b] = sum_l coef[b, l] * weight[idx[b, l]]: the 'sum' and 'mean' modes in one op.

    ``coef`` (B, L) is 0 past a bag's end and at ``padding_idx``, else 1 ('sum') or 1 / the
    bag's size ('mean'). One gather and one batched (1, L) @ (L, D) product per bag forward, and
    one scatter of grad[b] * coef[b, l] backward, where the composition (lookup, gather into a
    block, weighting, sum) makes three passes and two scatters each way."""

    @staticmethod
    def forward(ctx, weight, idx, coef):
        ctx.idx, ctx.coef, ctx.n_rows = idx, coef, weight.shape[0]
        rows = weight.xp.take(weight.array, idx, axis=0)            # (B, L, D)
        return (coef[:, None, :] @ rows)[:, 0]

    @staticmethod
    def backward(ctx, grad):
        if is_grad_enabled():  # create_graph=True: linear in grad, as tensor ops
            coef = Tensor._make(ctx.coef[..., None], grad.device)
            values = grad.unsqueeze(1) * coef                        # (B, L, D)
            return IndexAdd.apply(values, (ctx.n_rows, grad.shape[1]), (ctx.idx,)), None, None
        values = grad.array[:, None, :] * ctx.coef[..., None]
        return Tensor._make(scatter_rows(values, ctx.idx, ctx.n_rows, grad.xp),
                            grad.device), None, None


def _bag_layout(input: Tensor, offsets: Tensor | None, include_last_offset: bool,
                op: str) -> tuple:
    """(flat indices (M,), positions (B, L) into them, in-bag mask (B, L)) for either input
    form; L is the longest bag."""
    xp = input.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2D, then offsets has to be None, as input is "
                             "treated is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets).__name__}")
        b, n = input.shape
        positions = xp.arange(b * n, dtype=xp.int64).reshape(b, n)
        return input.array.reshape(-1), positions, xp.ones((b, n), dtype=bool)
    if input.ndim != 1:
        raise ValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim} (shape {tuple(input.shape)})")
    if offsets is None:
        raise ValueError(f"{op}: offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1:
        raise ValueError(f"{op}: offsets has to be a 1D Tensor, got "
                         f"{getattr(offsets, 'shape', type(offsets).__name__)}")
    if offsets.dtype.kind not in "iu":
        raise TypeError(f"{op}: offsets must be an integer tensor (int64 or int32), got "
                        f"{offsets.dtype}")
    if offsets.device != input.device:
        raise RuntimeError(f"{op}: offsets are on {offsets.device} but input is on "
                           f"{input.device}")
    m = input.shape[0]
    starts = offsets.array.astype(xp.int64)
    if include_last_offset:
        if starts.shape[0] == 0:
            raise ValueError(f"{op}: include_last_offset=True needs at least one offset, got "
                             "an empty offsets tensor")
        starts, ends = starts[:-1], starts[1:]
    else:
        ends = xp.concatenate([starts[1:], xp.full((1,), m, dtype=xp.int64)]) \
            if starts.shape[0] else starts
    host = input.backend.to_numpy(offsets.array)
    if host.shape[0]:
        if int(host[0]) != 0:
            raise RuntimeError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the "
                               f"mini-batch has to start from position 0. However, got "
                               f"{int(host[0])}")
        if int(host[-1]) > m:
            raise RuntimeError(f"{op}: offsets[-1] can not be greater than input's length {m} "
                               f"but got offsets[-1] of {int(host[-1])}")
        if (host[1:] < host[:-1]).any():
            raise RuntimeError(f"{op}: offsets must be non-decreasing, got {host.tolist()}")
    lengths = ends - starts
    longest = int(lengths.max()) if lengths.shape[0] else 0
    steps = xp.arange(longest, dtype=xp.int64)
    mask = steps < lengths.reshape(-1, 1)
    positions = xp.where(mask, starts.reshape(-1, 1) + steps, 0)
    return input.array.reshape(-1), positions, mask


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """PyTorch's ``F.embedding_bag``: one (embedding_dim,) row per bag, the 'sum', 'mean' or
    'max' of its rows of ``weight``; (B, embedding_dim) out."""
    return _embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode,
                          sparse, per_sample_weights, include_last_offset, padding_idx,
                          "embedding_bag")


def _embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None, max_norm: Any,
                   norm_type: float, scale_grad_by_freq: bool, mode: str, sparse: bool,
                   per_sample_weights: Tensor | None, include_last_offset: bool,
                   padding_idx: int | None, op: str) -> Tensor:
    _check_lookup(input, weight, op)
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight has to be a 2D Tensor (num_embeddings, embedding_dim), "
                         f"but got Tensor of dimension {weight.ndim} (shape "
                         f"{tuple(weight.shape)})")
    if mode not in _MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if sparse:
        raise NotImplementedError(f"{op}: sparse=True is not supported (minigrad has no sparse "
                                  "gradients); use sparse=False")
    if scale_grad_by_freq and mode == "max":
        raise ValueError(f"{op}: max mode does not support scaling the gradient by the "
                         "frequency")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{op}: per_sample_weights was not None. "
                                      "per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}')")
        if not isinstance(per_sample_weights, Tensor):
            raise TypeError(f"{op}: per_sample_weights must be a Tensor or None, got "
                            f"{type(per_sample_weights).__name__}")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"{op}: If per_sample_weights ({tuple(per_sample_weights.shape)}) "
                             "is not None, then it must have the same shape as the input "
                             f"({tuple(input.shape)})")
        if per_sample_weights.dtype != weight.dtype:
            raise TypeError(f"{op}: per_sample_weights is {per_sample_weights.dtype} but weight "
                            f"is {weight.dtype}")
        if per_sample_weights.device != weight.device:
            raise RuntimeError(f"{op}: per_sample_weights is on {per_sample_weights.device} but "
                               f"weight is on {weight.device}")
    num_embeddings, dim = weight.shape
    padding_idx = _padding_index(padding_idx, num_embeddings, op)
    flat, positions, mask = _bag_layout(input, offsets, include_last_offset, op)
    _check_index_range(flat, input, weight, op)
    bags, longest = positions.shape
    if longest == 0 or flat.size == 0:  # every bag is empty
        return zeros((bags, dim), dtype=weight.dtype, device=weight.device)
    if max_norm is not None:
        _renorm_(weight, flat, float(max_norm), float(norm_type))
    xp = input.xp
    if mode != "max" and per_sample_weights is None and not scale_grad_by_freq:
        if padding_idx is not None:
            mask = mask & (flat[positions] != padding_idx)
        coef = mask.astype(weight.dtype)
        if mode == "mean":
            coef /= xp.maximum(mask.sum(axis=1, keepdims=True), 1).astype(weight.dtype)
        return BagSum.apply(weight, flat[positions], coef)
    rows = EmbeddingLookup.apply(weight, Tensor._make(flat, input.device), padding_idx,
                                 bool(scale_grad_by_freq))            # (M, D)
    picked = Tensor._make(positions, input.device)
    block = rows[picked]                                              # (B, L, D)
    if padding_idx is not None:
        mask = mask & (flat[positions] != padding_idx)
    if mode == "max":
        keep = Tensor._make(xp.expand_dims(mask, -1), input.device)
        best = where(keep, block, -math.inf).max(dim=1)[0]
        nonempty = Tensor._make(mask.any(axis=1).reshape(-1, 1), input.device)
        return where(nonempty, best, 0.0)
    coef = Tensor._make(mask.astype(weight.dtype), input.device)      # (B, L)
    if per_sample_weights is not None:
        coef = coef * per_sample_weights.reshape(-1)[picked]
    total = (block * coef.unsqueeze(-1)).sum(dim=1)
    if mode == "sum":
        return total
    counts = xp.maximum(mask.sum(axis=1), 1).astype(weight.dtype).reshape(-1, 1)
    return total / Tensor._make(counts, input.device)


class EmbeddingBag(Module):
    """A table of ``num_embeddings`` learned vectors whose bags of indices are reduced by
    ``mode`` ('mean' by default, 'sum' or 'max') into one vector per bag; starts as N(0, 1)
    with the ``padding_idx`` row zero."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"EmbeddingBag: {name} must be a non-negative int, got "
                                 f"{value!r}")
        if mode not in _MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got "
                             f"{mode!r}")
        if sparse:
            raise NotImplementedError("EmbeddingBag: sparse=True is not supported (minigrad has "
                                      "no sparse gradients); use sparse=False")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "EmbeddingBag")
        if _weight is None:
            dtype = parameter_dtype(dtype, "EmbeddingBag")
            self.weight = Parameter(empty((num_embeddings, embedding_dim), dtype=dtype,
                                          device=device))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"EmbeddingBag: _weight of shape {tuple(_weight.shape)} does not "
                                 f"match (num_embeddings, embedding_dim) = "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight.detach())

    def reset_parameters(self) -> None:
        """N(0, 1), then the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        return _embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                              self.scale_grad_by_freq, self.mode, self.sparse,
                              per_sample_weights, self.include_last_offset, self.padding_idx,
                              "EmbeddingBag")

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> "EmbeddingBag":
        """An EmbeddingBag holding ``embeddings`` (2-D) as its table, frozen by default."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("EmbeddingBag.from_pretrained: embeddings must be a 2-D tensor, "
                             f"got {getattr(embeddings, 'shape', type(embeddings).__name__)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

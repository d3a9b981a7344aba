"""Attention: ``scaled_dot_product_attention`` (softmax(q k^T * scale + mask) v) and the
``MultiheadAttention`` layer built on it, with PyTorch's arguments, masks and parameter layout.

Both are compositions of differentiable ops (matmul, softmax, where, dropout, linear), so
autograd supplies every gradient, and double backward, without a hand-written kernel.

Mask conventions differ between the two, as in PyTorch: ``scaled_dot_product_attention``
takes a boolean ``attn_mask`` where True means "may attend"; ``MultiheadAttention`` takes
boolean ``attn_mask`` / ``key_padding_mask`` where True means "masked out". Float masks are
added to the scores in both.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..creation import empty, zeros
from ..errors import ShapeError
from ..ops.broadcast import broadcast_shapes
from ..ops.comparison import where
from ..ops.padding import pad
from ..ops.rearrange import chunk
from ..ops.shape import cat
from ..ops.softmax import softmax
from ..tensor import Tensor
from . import init
from .dropout import _check_p, dropout
from .linear import Linear, linear
from .module import Module
from .parameter import Parameter, parameter_dtype

_NEG_INF = float("-inf")


def _mask_to_bias(mask: Tensor, like: Tensor, allowed_when: bool, op: str) -> Tensor:
    """A boolean mask as an additive float bias in ``like``'s dtype: 0 where the mask equals
    ``allowed_when`` and -inf elsewhere. A constant, so it carries no gradient."""
    if mask.device != like.device:
        raise RuntimeError(f"{op}: the mask is on {mask.device} but the query is on "
                           f"{like.device}")
    xp = like.xp
    zero, neg_inf = like.dtype.type(0), like.dtype.type(_NEG_INF)
    keep = mask.array if allowed_when else xp.logical_not(mask.array)
    return Tensor._make(xp.where(keep, zero, neg_inf), like.device)


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim, with rows whose scores are all -inf (nothing to attend to)
    giving zeros and zero gradients rather than NaN, as PyTorch 2.13's CPU attention does."""
    xp = scores.xp
    dead = xp.all(scores.array == _NEG_INF, axis=-1, keepdims=True)
    if not bool(dead.any()):
        return softmax(scores, -1)
    dead_t = Tensor._make(dead, scores.device)
    safe = where(dead_t, 0.0, scores)
    return where(dead_t, 0.0, softmax(safe, -1))


def _check_sdpa_inputs(query: Any, key: Any, value: Any, attn_mask: Any) -> None:
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ShapeError(f"{op}: query, key and value must all be at least 2-D (..., L or S, E), "
                         f"got {shapes}")
    if not (query.dtype == key.dtype == value.dtype) or not dtypes.is_floating(query.dtype):
        raise TypeError(f"{op}: query, key and value must share one floating dtype, got "
                        f"{query.dtype}, {key.dtype} and {value.dtype}")
    if not (query.device == key.device == value.device):
        raise RuntimeError(f"{op}: query, key and value must be on one device, got "
                           f"{query.device}, {key.device} and {value.device}")
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(f"{op}: query and key must have the same embedding size (last dim), "
                         f"got {shapes}")
    if key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"{op}: key and value must have the same sequence length S (dim -2), "
                         f"got {shapes}")
    batch = broadcast_shapes(op, query.shape[:-2], key.shape[:-2], value.shape[:-2])
    if attn_mask is None:
        return
    if not isinstance(attn_mask, Tensor):
        raise TypeError(f"{op}: attn_mask must be a Tensor, got {type(attn_mask).__name__}")
    if attn_mask.dtype != dtypes.bool and attn_mask.dtype not in (dtypes.float32, query.dtype):
        raise TypeError(f"{op}: attn_mask must be bool, float32 or the query's dtype "
                        f"({query.dtype}), got {attn_mask.dtype}")
    scores = batch + (query.shape[-2], key.shape[-2])
    broadcast_shapes(f"{op}: attn_mask of shape {tuple(attn_mask.shape)} against attention "
                     f"scores of shape {scores}", attn_mask.shape, scores)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value over (..., L, E) queries and (..., S, E)
    keys: the core of every attention layer, as ``torch.nn.functional``'s.

    ``attn_mask`` broadcasts to (..., L, S): boolean (True = may attend) or float (added to the
    scores). ``is_causal`` masks key j > query i (top-left aligned) and excludes ``attn_mask``.
    ``dropout_p`` applies to the attention weights whenever it is > 0 (there is no training
    flag, as in PyTorch). A query row with every key masked out gives zeros."""
    op = "scaled_dot_product_attention"
    if enable_gqa:
        raise NotImplementedError(f"{op}: enable_gqa=True (grouped-query attention) is not "
                                  "supported by minigrad; repeat the key/value heads instead")
    _check_sdpa_inputs(query, key, value, attn_mask)
    dropout_p = _check_p(dropout_p, op)
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{op}: explicit attn_mask should not be set when is_causal=True")
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = (query @ key.transpose(-2, -1)) * scale  # a weak Python float keeps float32
    if is_causal:
        xp = query.xp
        attn_mask = Tensor._make(xp.tril(xp.ones((L, S), dtype=bool)), query.device)
    if attn_mask is not None:
        if attn_mask.dtype == dtypes.bool:
            attn_mask = _mask_to_bias(attn_mask, query, True, op)
        elif attn_mask.device != query.device:
            raise RuntimeError(f"{op}: attn_mask is on {attn_mask.device} but the query is on "
                               f"{query.device}")
        scores = scores + attn_mask
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value


class NonDynamicallyQuantizableLinear(Linear):
    """The Linear that ``MultiheadAttention`` uses for ``out_proj``: a plain ``Linear`` under
    PyTorch's class name, so that reprs and module types read the same in both."""


def _canonical_mask(mask: Tensor | None, name: str, like: Tensor) -> Tensor | None:
    """MultiheadAttention's masks as an additive float bias in the query's dtype: a boolean
    mask's True entries are the positions to ignore (-inf), a float mask is added as it is."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got "
                        f"{type(mask).__name__}")
    if mask.dtype == dtypes.bool:
        return _mask_to_bias(mask, like, False, "MultiheadAttention")
    if not dtypes.is_floating(mask.dtype):
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are "
                        f"supported, got {mask.dtype}")
    return mask if mask.dtype == like.dtype else mask.to(like.dtype)


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads of size embed_dim // num_heads, each seeing its own
    learned projection of query, key and value, concatenated and mixed by ``out_proj``.

    Parameters as PyTorch: one packed ``in_proj_weight`` (3E, E) when key and value have
    ``embed_dim`` features, else ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim) and
    ``v_proj_weight`` (E, vdim); ``in_proj_bias`` (3E) and ``out_proj`` (a Linear)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        for name, v in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"MultiheadAttention: {name} must be a positive int, got {v!r}")
        if embed_dim % num_heads != 0:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        dtype = parameter_dtype(dtype, "MultiheadAttention")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = _check_p(dropout, "MultiheadAttention")
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn

        def new(*shape: int) -> Parameter:
            return Parameter(empty(*shape, dtype=dtype, device=device))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = new(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = new(embed_dim, embed_dim)
            self.k_proj_weight = new(embed_dim, self.kdim)
            self.v_proj_weight = new(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = new(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:  # one more key and value, learned, that every query may attend to
            self.bias_k, self.bias_v = new(1, 1, embed_dim), new(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's init: Xavier-uniform projections, zero biases; out_proj.weight keeps
        Linear's default."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _check_inputs(self, query: Any, key: Any, value: Any, key_padding_mask: Any,
                      attn_mask: Any) -> bool:
        """PyTorch's shape rules; returns whether the input is batched."""
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: expected {name} to be a Tensor, got "
                                f"{type(t).__name__}")
        shapes = (f"query {tuple(query.shape)}, key {tuple(key.shape)}, value "
                  f"{tuple(value.shape)}")
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D "
                             f"(batched) or all 2-D (unbatched), got {shapes}")
        batched = query.ndim == 3
        for name, mask in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
            if mask is not None and not isinstance(mask, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got "
                                f"{type(mask).__name__}")
        if key_padding_mask is not None and key_padding_mask.ndim != (2 if batched else 1):
            raise ValueError(f"MultiheadAttention: for {'batched' if batched else 'unbatched'} "
                             f"query of shape {tuple(query.shape)}, key_padding_mask must be "
                             f"{2 if batched else 1}-D, got shape "
                             f"{tuple(key_padding_mask.shape)}")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ValueError(f"MultiheadAttention: attn_mask must be 2-D or 3-D, got shape "
                             f"{tuple(attn_mask.shape)}")
        if not (query.dtype == key.dtype == value.dtype) or not dtypes.is_floating(query.dtype):
            raise TypeError(f"MultiheadAttention: query, key and value must share one floating "
                            f"dtype, got {query.dtype}, {key.dtype} and {value.dtype}")
        for name, t, dim in (("query", query, self.embed_dim), ("key", key, self.kdim),
                             ("value", value, self.vdim)):
            if t.shape[-1] != dim:
                raise ValueError(f"MultiheadAttention: expected {name} with {dim} features "
                                 f"(last dim), got {shapes}")
        return batched

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(output, weights): output (L, N, E) ((N, L, E) when batch_first, (L, E) unbatched);
        weights (N, L, S) averaged over heads or (N, num_heads, L, S), or None when
        ``need_weights`` is False."""
        batched = self._check_inputs(query, key, value, key_padding_mask, attn_mask)
        same_input = query is key and key is value  # self-attention: one packed projection
        if batched and self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        L, N, E = query.shape
        S = key.shape[0]
        if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
            raise ValueError(f"MultiheadAttention: key and value must have the same sequence "
                             f"length and batch size as each other, and the query's batch size, "
                             f"got query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                             f"{tuple(value.shape)} (seq-first)")
        H, hd = self.num_heads, self.head_dim
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True is a hint that attn_mask is "
                               "the causal mask and needs attn_mask; create one with "
                               "nn.Transformer.generate_square_subsequent_mask")
        kpm = _canonical_mask(key_padding_mask, "key_padding_mask", query)
        if is_causal and key_padding_mask is None and not need_weights:
            mask = None  # the hint alone: attention builds the causal mask itself
        else:
            is_causal = False
            mask = _canonical_mask(attn_mask, "attn_mask", query)
        if mask is not None:
            want = (L, S) if mask.ndim == 2 else (N * H, L, S)
            if tuple(mask.shape) != want:
                raise ShapeError(f"MultiheadAttention: the shape of the {mask.ndim}-D attn_mask "
                                 f"is {tuple(mask.shape)}, but should be {want}")
            if mask.ndim == 2:
                mask = mask.unsqueeze(0)
        # add_bias_kv / add_zero_attn append keys every query may attend to: mask columns of 0
        extra = (self.bias_k is not None) + bool(self.add_zero_attn)
        if extra and mask is not None:
            mask = pad(mask, (0, extra))
        if kpm is not None:
            if tuple(kpm.shape) != (N, S):
                raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape "
                                 f"{(N, S) if batched else (S,)}, got "
                                 f"{tuple(key_padding_mask.shape[1 - batched:])}")
            kpm = pad(kpm, (0, extra)) if extra else kpm
            kpm = kpm.reshape(N, 1, 1, S + extra).expand(N, H, 1, S + extra)
            kpm = kpm.reshape(N * H, 1, S + extra)
            mask = kpm if mask is None else mask + kpm

        q, k, v = self._project(query, key, value, same_input)
        if self.bias_k is not None:  # after the projection, as PyTorch
            k = cat([k, self.bias_k.expand(1, N, E)], 0)
            v = cat([v, self.bias_v.expand(1, N, E)], 0)
            S += 1
        q = q.reshape(L, N * H, hd).transpose(0, 1)  # (N*H, L, hd)
        k = k.reshape(S, N * H, hd).transpose(0, 1)
        v = v.reshape(S, N * H, hd).transpose(0, 1)
        if self.add_zero_attn:  # a key and value of zeros per head
            zero = zeros(N * H, 1, hd, dtype=k.dtype, device=k.device)
            k, v = cat([k, zero], 1), cat([v, zero], 1)
            S += 1
        p = self.dropout if self.training else 0.0
        if need_weights:
            # PyTorch's explicit path: a plain softmax, so a fully masked row gives NaN there.
            scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
            if mask is not None:
                scores = scores + mask
            weights = softmax(scores, -1)
            if p > 0.0:
                weights = dropout(weights, p, training=True)
            out = (weights @ v).transpose(0, 1).reshape(L * N, E)
            weights = weights.reshape(N, H, L, S)
            if average_attn_weights:
                weights = weights.mean(dim=1)
        else:
            if mask is not None:
                mask = mask.unsqueeze(0) if mask.shape[0] == 1 else mask.reshape(N, H, -1, S)
            out = scaled_dot_product_attention(
                q.reshape(N, H, L, hd), k.reshape(N, H, S, hd), v.reshape(N, H, S, hd),
                attn_mask=mask, dropout_p=p, is_causal=is_causal)
            out = out.permute(2, 0, 1, 3).reshape(L * N, E)
            weights = None
        out = self.out_proj(out).reshape(L, N, E)
        if not batched:
            out = out.squeeze(1)
            if weights is not None:
                weights = weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _project(self, query: Tensor, key: Tensor, value: Tensor, same_input: bool) -> tuple:
        """The per-input projections: slices of the packed weight/bias, or the three separate
        weights when key/value have other widths. Self-attention (one tensor as query, key and
        value) projects once through the whole packed weight, as PyTorch does: one product
        three times as wide is cheaper than three, and so is its backward."""
        E = self.embed_dim
        if same_input and self._qkv_same_embed_dim:
            return chunk(linear(query, self.in_proj_weight, self.in_proj_bias), 3, -1)
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)

"""Differentiable operations, one family per file.

- ``elementwise``: + - * / **, exp, log, sqrt, abs, tanh, sigmoid, relu, clamp, where, ...
- ``reduction``: sum, mean, var, std, max, min, argmax, logsumexp
- ``shape``: reshape, permute, expand, indexing, cat, stack, pad, dtype/device moves
- ``rearrange``: split, chunk, unbind, narrow, flip, roll, movedim, repeat, tile, broadcast_to,
  meshgrid
- ``linalg``: matmul
- ``softmax``: softmax, log_softmax
"""
from .elementwise import (abs, add, clamp, div, eq, exp, ge, gt, isfinite, isnan, le, leaky_relu,
                          log, logical_and, logical_not, logical_or, lt, maximum, minimum, mul, ne,
                          neg, pow, relu, sigmoid, sign, sqrt, sub, tanh, where)
from .elementwise import (ceil, cos, exp2, expm1, fix, floor, fmod, frac, isinf, isneginf,
                          isposinf, lerp, log1p, log2, log10, logical_xor, nan_to_num, reciprocal,
                          remainder, round, rsqrt, sin, square, trunc)
from .linalg import matmul
from .reduction import (all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, std, sum,
                        var)
from .shape import (cat, expand, flatten, getitem, pad, permute, reshape, squeeze, stack,
                    transpose, unsqueeze)
from .softmax import log_softmax, softmax
from .activation import erf, erfc, prelu, selu, threshold
from .rearrange import (broadcast_tensors, broadcast_to, chunk, flip, meshgrid, moveaxis, movedim,
                        narrow, repeat, roll, split, swapaxes, swapdims, t, tile, unbind,
                        unflatten)
from .indexing import (diag, diagonal, gather, index_select, masked_fill, scatter, scatter_add,
                       take_along_dim, trace, tril, triu)
from .scatter_reduce import scatter_reduce, scatter_reduce_
from .sorting import argsort, sort, topk
from .reduction import cumprod, cumsum, median, norm, numel, prod
from .linalg import allclose, bmm, dot, einsum, equal, isclose, mm, outer

__all__ = [name for name in dir() if not name.startswith("_")]

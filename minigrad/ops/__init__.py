"""Differentiable operations, one family per file.

- ``arithmetic``: + - * / **, neg, lerp
- ``rounding``: floor, ceil, trunc, round, frac, fmod, remainder
- ``unary_math``: exp, log (and other bases), sqrt, rsqrt, square, reciprocal, sin, cos, abs, sign
- ``activation_basic``: relu, leaky_relu, sigmoid, tanh (``activation``: gelu, silu, elu, ...)
- ``comparison``: eq, lt, ..., logical ops, isnan/isinf, where, maximum, minimum, clamp,
  nan_to_num
- ``elementwise``: the operand helpers the elementwise files above share
- ``reduction``: sum, mean, var, std, max, min, argmax, logsumexp
- ``shape``: reshape, permute, expand, indexing, cat, stack, pad, dtype/device moves
- ``rearrange``: split, chunk, unbind, narrow, flip, roll, movedim, repeat, tile, broadcast_to,
  meshgrid
- ``linalg``: matmul
- ``softmax``: softmax, log_softmax
"""
from .arithmetic import add, div, lerp, mul, neg, pow, sub
from .rounding import ceil, fix, floor, fmod, frac, remainder, round, trunc
from .unary_math import (abs, cos, exp, exp2, expm1, log, log1p, log2, log10, reciprocal, rsqrt,
                         sign, sin, sqrt, square)
from .activation_basic import leaky_relu, relu, sigmoid, tanh
from .comparison import (clamp, eq, ge, gt, isfinite, isinf, isnan, isneginf, isposinf, le,
                         logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum,
                         nan_to_num, ne, where)
from .linalg import matmul
from .reduction import (all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, std, sum,
                        var)
from .shape import (cat, expand, flatten, getitem, pad, permute, reshape, squeeze, stack,
                    transpose, unsqueeze)
from .softmax import log_softmax, softmax
from .activation import erf, erfc, prelu, selu, threshold
from .rearrange import (adjoint, broadcast_shapes, broadcast_tensors, broadcast_to, chunk, flip,
                        meshgrid, moveaxis, movedim, narrow, narrow_copy, repeat, roll, split,
                        swapaxes, swapdims, t, tile, unbind, unflatten)
from .indexing import (diag, diagonal, gather, index_select, masked_fill, scatter, scatter_add,
                       take_along_dim, trace, tril, triu)
from .scatter_reduce import scatter_reduce, scatter_reduce_
from .sorting import argsort, sort, topk
from .reduction import cumprod, cumsum, median, norm, numel, prod
from .linalg import allclose, bmm, dot, einsum, equal, isclose, mm, outer
from .trig import (acos, acosh, asin, asinh, atan, atan2, atanh, cosh, deg2rad, hypot, rad2deg,
                   sinc, sinh, tan)
from .elementwise_more import (clamp_max, clamp_min, copysign, float_power, floor_divide, fmax,
                               fmin, heaviside, logaddexp, logaddexp2, logit, signbit,
                               true_divide, xlogy)
from .functional_forms import (can_cast, clone, concat, concatenate, detach, ger,
                               is_floating_point, mv, promote_types, result_type)
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh

from .reduction_more import (aminmax, count_nonzero, cummax, cummin, diff, kthvalue,
                             logcumsumexp, mode, msort, nanmean, nanquantile, nansum, quantile,
                             std_mean, var_mean)
from .selection import (bincount, bucketize, histc, index_add, index_copy, index_fill,
                        masked_select, nonzero, searchsorted, take, unique, unique_consecutive)
from .products import (addbmm, addmm, addmv, baddbmm, cross, inner, kron, matrix_power,
                       tensordot)
from .linalg_decomp import det, logdet, slogdet
from .linalg_decomp import inv as inverse
from .sampling import bernoulli, multinomial, normal, poisson
from .stacking import (atleast_1d, atleast_2d, atleast_3d, block_diag, cartesian_prod,
                       column_stack, combinations, diag_embed, diagflat, dsplit, dstack, fliplr,
                       flipud, hsplit, hstack, logspace, repeat_interleave, rot90, row_stack,
                       select, tensor_split, tril_indices, triu_indices, vander, vsplit, vstack)
from .statistics import (cdist, corrcoef, cov, cumulative_trapezoid, dist, renorm, trapezoid,
                         trapz)
from .pdist import pdist
from .gamma import digamma, lgamma, mvlgamma, polygamma
from .special import (entr, erfcx, erfinv, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py)
from .bitwise import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                      bitwise_right_shift, bitwise_xor, frexp, gcd, lcm, ldexp, nextafter)
from .pooling_forms import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d,
                            max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d)
from .convolution import conv2d
from .convolution1d import conv1d, conv_transpose1d
from .conv_transpose import conv_transpose2d
from .convolution3d import conv3d, conv_transpose3d
from .scatter_views import (as_strided, diagonal_scatter, select_scatter, slice_scatter,
                            split_with_sizes, sum_to_size)
from .index_writes import index_put, index_reduce, masked_scatter, put
from .matrix_exp import matrix_exp
from .linalg_triangular import cholesky_inverse, cholesky_solve, triangular_solve
from .linalg_lu import lu_unpack
from . import aliases  # torch's keyword forms of add/sub/div shadow nothing here: mg.* has them
from .aliases import (absolute, addcdiv, addcmul, addr, argwhere, get_num_threads, greater,
                      greater_equal, is_complex, is_nonzero, is_same_size, is_signed, isin,
                      less, less_equal, multiply, nanmedian, negative, not_equal, positive,
                      ravel, rsub, set_num_threads, sgn, unravel_index, vdot)
from .windows import (bartlett_window, blackman_window, hamming_window, hann_window,
                      kaiser_window)
from .finite_difference import gradient
from .histogram import histogram, histogramdd
from .incomplete_gamma import igamma, igammac
from . import dtype_view, resize  # Tensor.view (shapes and dtypes), Tensor.resize_/resize_as_
from .dtype_view import view
from .resize import resize_as_
from .real_tensors import (angle, conj, conj_physical, imag, is_conj, is_neg, isreal, real,
                           resolve_conj, resolve_neg)
from .view_copies import (alias_copy, as_strided_copy, detach_copy, diagonal_copy, expand_copy,
                          permute_copy, select_copy, slice_copy, split_copy,
                          split_with_sizes_copy, squeeze_copy, t_copy, transpose_copy,
                          unbind_copy, unfold_copy, unsqueeze_copy, view_copy)
from .selection import nonzero_static
from .shrink import hardshrink
from .aliases import typename, unsafe_chunk, unsafe_split, unsafe_split_with_sizes
from .scatter_views import as_strided_scatter
from .activation_more import celu
from .distance import cosine_similarity, pairwise_distance
__all__ = [name for name in dir() if not name.startswith("_")]

"""minigrad: a small deep-learning framework with reverse-mode autograd, written to be read.

The public names follow PyTorch's: ``import minigrad as mg`` and ``mg.tensor``,
``mg.no_grad``, ``mg.nn.Conv2d``, ``mg.optim.Adam`` mean what they mean there.
"""
from .tensor import Tensor  # first: the ops modules build on it

from . import autograd, cuda, dtypes, ops  # noqa: E402
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd import (is_anomaly_check_nan_enabled, is_anomaly_enabled,  # noqa: E402
                       is_inference_mode_enabled, set_anomaly_enabled)
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       get_default_device, initial_seed, linspace, manual_seed, ones, ones_like,
                       rand, rand_like, randint, randint_like, randn, randn_like, randperm,
                       set_default_device, tensor, zeros, zeros_like)
from .dtypes import (bool, double, float, float16, float32, float64, get_default_dtype, int32,
                     int64, long, set_default_dtype, uint8)
from .dtypes import half, int, int8, int16, short  # noqa: E402,A004
from .gradcheck import GradcheckError, gradcheck, gradcheck_module, gradgradcheck
from .printing import set_printoptions
from . import testing  # noqa: E402  (mg.testing.assert_close, as torch.testing)
from .compiler import compile  # noqa: E402,A004
from .ops import (abs, amax, amin, argmax, argmin, cat, clamp, exp, flatten, log, log_softmax,
                  logsumexp, matmul, max, maximum, mean, min, minimum, permute, relu, reshape,
                  sigmoid, softmax, sqrt, squeeze, stack, std, sum, tanh, transpose, unsqueeze,
                  var, where)
from .ops import (ceil, cos, exp2, expm1, fix, floor, fmod, frac, isfinite, isinf, isnan,
                  isneginf, isposinf, lerp, log1p, log2, log10, logical_and, logical_not,
                  logical_or, logical_xor, nan_to_num, neg, pow, reciprocal, remainder, round,
                  rsqrt, sign, sin, square, trunc)
from .ops import (adjoint, broadcast_shapes, broadcast_tensors, broadcast_to,  # noqa: E402
                  chunk, flip, meshgrid, moveaxis, movedim, narrow, narrow_copy, roll, split,
                  swapaxes, swapdims, t, tile, unbind, unflatten)
from .ops import (allclose, argsort, bmm, cumprod, cumsum, diag, diagonal, dot,  # noqa: E402
                  einsum, equal, gather, index_select, isclose, masked_fill, median, mm, norm,
                  numel, outer, prod, scatter, scatter_add, sort, take_along_dim, topk, trace,
                  tril, triu)
from .ops import erf, erfc, prelu, selu, threshold  # noqa: E402
from .ops import scatter_reduce  # noqa: E402
from .ops import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,  # noqa: E402
                  arctanh, asin, asinh, atan, atan2, atanh, cosh, deg2rad, hypot, rad2deg, sinc,
                  sinh, tan)
from .ops import (clamp_max, clamp_min, copysign, float_power, floor_divide,  # noqa: E402
                  fmax, fmin, heaviside, logaddexp, logaddexp2, logit, signbit, true_divide,
                  xlogy)
from .ops import (all, any, can_cast, clone, concat, concatenate, detach, eq,  # noqa: E402
                  ge, ger, gt, is_floating_point, le, lt, mv, ne, promote_types, result_type)

from .ops import (aminmax, count_nonzero, cummax, cummin, diff, kthvalue,  # noqa: E402
                  logcumsumexp, mode, msort, nanmean, nanquantile, nansum, quantile, std_mean,
                  var_mean)
from .ops import (bincount, bucketize, histc, index_add, index_copy,  # noqa: E402
                  index_fill, masked_select, nonzero, searchsorted, take, unique,
                  unique_consecutive)
from .ops import (addbmm, addmm, addmv, baddbmm, bernoulli, cross, det, inner,  # noqa: E402
                  inverse, kron, logdet, matrix_power, multinomial, normal, poisson, slogdet,
                  tensordot)
from . import linalg  # noqa: E402
from .ops import (atleast_1d, atleast_2d, atleast_3d, block_diag, cartesian_prod,  # noqa: E402
                  column_stack, combinations, diag_embed, diagflat, dsplit, dstack, fliplr,
                  flipud, hsplit, hstack, logspace, repeat_interleave, rot90, row_stack, select,
                  tensor_split, tril_indices, triu_indices, vsplit, vstack, vander)
from .ops import (cdist, corrcoef, cov, cumulative_trapezoid, dist, renorm,  # noqa: E402
                  trapezoid, trapz)
from .ops import pdist  # noqa: E402
from .ops import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: E402
                  conv_transpose3d)
from .ops import digamma, erfinv, i0, lgamma, mvlgamma, polygamma  # noqa: E402
from .ops import (as_strided, cholesky_inverse, cholesky_solve, diagonal_scatter,  # noqa: E402
                  index_put, index_reduce, lu_unpack, masked_scatter, matrix_exp, put,
                  select_scatter, slice_scatter, split_with_sizes, triangular_solve)
from . import special  # noqa: E402
from . import random  # noqa: E402  (mg.random.fork_rng, manual_seed, ... as torch.random)
from .random import (Generator, default_generator, get_rng_state, seed,  # noqa: E402
                     set_rng_state)
from .ops import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d,  # noqa: E402
                  max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d)
from .ops import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,  # noqa: E402
                  bitwise_right_shift, bitwise_xor, frexp, gcd, lcm, ldexp, nextafter)
from .ops.aliases import (absolute, add, addcdiv, addcmul, addr, argwhere, div,  # noqa: E402
                          divide, get_num_threads, greater, greater_equal, is_complex,
                          is_nonzero, is_same_size, is_signed, isin, less, less_equal, mul,
                          multiply, nanmedian, negative, not_equal, positive, ravel, rsub,
                          set_num_threads, sgn, sub, subtract, unravel_index, vdot)
from .ops import (bartlett_window, blackman_window, gradient, hamming_window,  # noqa: E402
                  hann_window, histogram, histogramdd, kaiser_window)
from .ops import igamma, igammac  # noqa: E402
from .creation import empty_permuted, empty_strided, scalar_tensor  # noqa: E402
from .ops import (as_strided_scatter, celu, cosine_similarity, pairwise_distance,  # noqa: E402
                  typename)
from .interop import asarray, from_dlpack, frombuffer  # noqa: E402
from .ops import inplace_functions as _inplace_functions  # noqa: E402
globals().update(_inplace_functions.FUNCTIONS)  # mg.relu_(x) is x.relu_(), as torch.relu_
from .ops import (alias_copy, angle, as_strided_copy, conj, conj_physical,  # noqa: E402
                  detach_copy, diagonal_copy, expand_copy, hardshrink, imag, is_conj, is_neg,
                  isreal, nonzero_static, permute_copy, real, resize_as_, resolve_conj,
                  resolve_neg, select_copy, slice_copy, split_copy, split_with_sizes_copy,
                  squeeze_copy, t_copy, transpose_copy, unbind_copy, unfold_copy,
                  unsafe_chunk, unsafe_split, unsafe_split_with_sizes, unsqueeze_copy,
                  view_copy)
clip = clamp
__version__ = "0.1.0"


def is_tensor(obj: object) -> "builtins.bool":  # noqa: F821
    return isinstance(obj, Tensor)


def __getattr__(name: str):
    """Load the layers above the core (nn, optim, data, viz, func, utils) on first use."""
    import importlib
    if name in ("nn", "optim", "data", "viz", "training", "distributions", "func", "utils"):
        return importlib.import_module(f".{name}", __name__)
    if name == "vmap":  # torch.vmap is torch.func.vmap
        return importlib.import_module(".func", __name__).vmap
    if name in ("save", "load"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")

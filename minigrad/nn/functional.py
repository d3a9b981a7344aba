"""``minigrad.nn.functional`` (``F``): every layer's computation as a plain function.

Layers hold parameters and state; these functions take them as arguments, so
``F.linear(x, w, b)`` computes what ``nn.Linear`` does with its own ``w`` and ``b``.
The math lives in ``minigrad/ops`` (``convolution.py``, ``pooling.py``,
``normalization.py``, ``loss.py``, ...) or in the layer's own file (``linear``,
``dropout``); this module gathers the names PyTorch uses.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

from .. import dtypes, ops
from ..errors import ArgumentError, DtypeError, InvalidIndexError
from ..ops.activation import (elu, gelu, hardsigmoid, hardswish, hardtanh, logsigmoid,  # noqa: F401
                              mish, prelu, relu6, selu, silu, softplus, softsign, threshold)
from ..ops.convolution import conv2d  # noqa: F401
from ..ops.conv_transpose import conv_transpose2d  # noqa: F401
from ..ops.upsample import interpolate  # noqa: F401
from ..ops.convolution1d import conv1d  # noqa: F401
from .pooling import (adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_max_pool2d,  # noqa: F401
                      avg_pool1d, max_pool1d)
from ..ops.cross_entropy import cross_entropy  # noqa: F401
from ..ops.loss import binary_cross_entropy_with_logits, mse_loss, nll_loss  # noqa: F401
from ..ops.normalization import batch_norm  # noqa: F401
from ..ops.loss import (binary_cross_entropy, huber_loss, kl_div, l1_loss,  # noqa: F401
                        smooth_l1_loss)
from ..ops.layer_norm import group_norm, layer_norm  # noqa: F401
from ..ops.distance import cosine_similarity, normalize, pairwise_distance  # noqa: F401
from ..ops.dims import normalize_dim as _normalize_dim  # private: F.* lists only functionals
from .dropout import dropout2d  # noqa: F401
from .sparse import embedding  # noqa: F401
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from ..tensor import Tensor
from .dropout import dropout  # noqa: F401
from .linear import linear  # noqa: F401


def _tensor(input: Any, op: str) -> Tensor:  # noqa: A002
    """``input`` itself, after checking it is a Tensor (a list or an array would otherwise fail
    deep inside the op with an AttributeError that does not name it)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); ``inplace`` is accepted for compatibility and returns a new tensor."""
    return ops.relu(_tensor(input, "relu"))


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return ops.leaky_relu(_tensor(input, "leaky_relu"), float(negative_slope))


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return ops.tanh(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's legacy choice when no ``dim`` is given: 0 for 0-, 1- and 3-D inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None,  # noqa: A002
            _stacklevel: int = 3) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``; ``dtype`` casts the input first (as in PyTorch)."""
    _tensor(input, "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))
    return ops.softmax(input, dim)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None,  # noqa: A002
                _stacklevel: int = 3) -> Tensor:
    """log(softmax(x)) along ``dim``, without forming softmax (stable for large scores)."""
    _tensor(input, "log_softmax")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))
    return ops.log_softmax(input, dim)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one (``nn.Flatten`` uses start_dim=1)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"flatten: expected a Tensor, got {type(input).__name__}")
    n = max(input.ndim, 1)
    for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
        if not -n <= d < n:
            raise IndexError(f"flatten: {name}={d} is out of range for an input of shape "
                             f"{tuple(input.shape)} (expected a dim in [{-n}, {n - 1}])")
    start, end = start_dim % n, end_dim % n
    if start > end:
        raise ArgumentError(f"flatten: start_dim={start_dim} comes after end_dim={end_dim} for an "
                            f"input of shape {tuple(input.shape)}")
    return ops.flatten(input, start, end)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Padding in mode 'constant', 'reflect', 'replicate' or 'circular' (ops/padding.py);
    ``pad`` lists (before, after) pairs from the last dimension backwards, negatives crop."""
    return ops.pad(input, pad, mode, value)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64) to one-hot rows (int64), as ``F.one_hot``."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        raise DtypeError("one_hot: expected an integer (int64) tensor of class indices, got "
                         f"{getattr(tensor, 'dtype', type(tensor).__name__)}")
    xp = tensor.xp
    if num_classes == -1:
        num_classes = int(tensor.array.max()) + 1 if tensor.numel() else 0
    if tensor.numel() and (bool((tensor.array < 0).any()) or
                           bool((tensor.array >= num_classes).any())):
        raise InvalidIndexError(f"one_hot: class values must be in [0, {num_classes}), got min "
                         f"{int(tensor.array.min())} and max {int(tensor.array.max())}")
    out = xp.expand_dims(tensor.array, -1) == xp.arange(num_classes)
    return Tensor._make(out.astype(dtypes.int64), tensor.device)


__all__ = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm",
           "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
           "dropout", "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits",
           "flatten", "pad", "one_hot"]
__all__ += ["l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "kl_div",
            "layer_norm", "group_norm", "dropout2d", "embedding", "normalize",
            "cosine_similarity", "pairwise_distance"]


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``: weights that favour the smallest entries (e.g. distances)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"softmin: expected a Tensor input, got {type(input).__name__}")
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"softmin: not implemented for {input.dtype} tensors (shape "
                           f"{tuple(input.shape)}); pass dtype= or convert with .float() first")
    _normalize_dim(dim, input.shape, "softmin")  # a bad dim is reported as softmin's
    if input.numel() == 0:  # empty: softmax's path (the fused op's max has no identity)
        return ops.softmax(-input, dim)
    return _softmin(input, dim)  # one op: no negated copy


__all__ += ["gelu", "silu", "mish", "softplus", "elu", "selu", "hardtanh", "relu6", "hardsigmoid",
            "hardswish", "logsigmoid", "softsign", "prelu", "softmin", "threshold"]
__all__ += ["conv1d", "conv_transpose2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
            "adaptive_max_pool1d", "adaptive_max_pool2d", "interpolate"]


from .attention import scaled_dot_product_attention  # noqa: E402,F401
__all__ += ["scaled_dot_product_attention"]
from ..ops.fold import fold, unfold  # noqa: E402,F401
__all__ += ["fold", "unfold"]
from .instance_norm import instance_norm  # noqa: E402,F401
from .local_response_norm import local_response_norm  # noqa: E402,F401
from .dropout_more import (alpha_dropout, dropout1d, dropout3d,  # noqa: E402,F401
                           feature_alpha_dropout)
from .pooling_more import lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d  # noqa: E402,F401
from .embedding_bag import embedding_bag  # noqa: E402,F401
__all__ += ["instance_norm", "local_response_norm", "dropout1d", "dropout3d", "alpha_dropout",
            "feature_alpha_dropout", "lp_pool1d", "lp_pool2d", "max_unpool1d", "max_unpool2d",
            "embedding_bag"]
from ..ops.margin_loss import (cosine_embedding_loss, hinge_embedding_loss,  # noqa: E402,F401
                               margin_ranking_loss, multi_margin_loss, multilabel_margin_loss,
                               multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss,
                               triplet_margin_with_distance_loss)
from ..ops.probabilistic_loss import gaussian_nll_loss, poisson_nll_loss  # noqa: E402,F401
from ..ops.ctc_loss import ctc_loss  # noqa: E402,F401
__all__ += ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
            "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
            "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
            "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]
from .shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: E402,F401
__all__ += ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]
from ..ops.activation_more import celu, glu, rrelu, tanhshrink  # noqa: E402,F401
from ..ops.activation_more import softmin as _softmin  # noqa: E402
from .bilinear import bilinear  # noqa: E402,F401
__all__ += ["glu", "celu", "rrelu", "tanhshrink", "bilinear"]
from ..ops.convolution1d import conv_transpose1d  # noqa: E402,F401
from ..ops.convolution3d import conv3d, conv_transpose3d  # noqa: E402,F401
__all__ += ["conv3d", "conv_transpose1d", "conv_transpose3d"]
from ..ops.affine_grid import affine_grid  # noqa: E402,F401
from ..ops.grid_sample import grid_sample  # noqa: E402,F401
from ..ops.rms_norm import rms_norm  # noqa: E402,F401
from ..ops.shrink import hardshrink, softshrink  # noqa: E402,F401
from ..ops.pdist import pdist  # noqa: E402,F401
from ..ops.gumbel_softmax import gumbel_softmax  # noqa: E402,F401
from .upsample_aliases import upsample, upsample_bilinear, upsample_nearest  # noqa: E402,F401
from .activation_inplace import (celu_, elu_, hardtanh_, leaky_relu_, relu_,  # noqa: E402,F401
                                 rrelu_, selu_, threshold_)
__all__ += ["affine_grid", "grid_sample", "rms_norm", "hardshrink", "softshrink", "pdist",
            "gumbel_softmax", "upsample", "upsample_nearest", "upsample_bilinear", "relu_",
            "elu_", "leaky_relu_", "hardtanh_", "celu_", "selu_", "rrelu_", "threshold_"]
from ..ops.pooling3d import adaptive_avg_pool3d, avg_pool3d, max_pool3d  # noqa: E402,F401
from .pooling3d import (adaptive_max_pool1d_with_indices,  # noqa: E402,F401
                        adaptive_max_pool2d_with_indices, adaptive_max_pool3d,
                        adaptive_max_pool3d_with_indices, lp_pool3d, max_pool1d_with_indices,
                        max_pool2d_with_indices, max_pool3d_with_indices, max_unpool3d)
from ..ops.fractional_max_pool import (fractional_max_pool2d,  # noqa: E402,F401
                                       fractional_max_pool2d_with_indices, fractional_max_pool3d,
                                       fractional_max_pool3d_with_indices)
__all__ += ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
            "lp_pool3d", "max_unpool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
            "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
            "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
            "fractional_max_pool2d", "fractional_max_pool2d_with_indices",
            "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]

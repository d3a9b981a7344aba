"""``BatchNorm1d`` and ``BatchNorm2d``: per-channel normalisation with learned scale and shift;
``LayerNorm`` and ``GroupNorm``: per-sample normalisation, the same in training and eval.
The arithmetic lives in ``minigrad/ops/normalization.py`` and ``minigrad/ops/layer_norm.py``."""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..creation import ones, tensor, zeros
from ..errors import ShapeError
from ..ops.layer_norm import as_shape, group_norm, layer_norm
from ..ops.normalization import normalize
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input ranks they accept.

    Training normalises with the batch's statistics (biased variance) and folds them into
    ``running_mean``/``running_var`` (unbiased variance) with ``momentum``, or with a
    cumulative average when ``momentum=None``; eval normalises with the running statistics.
    Buffers have PyTorch's names (``running_mean``, ``running_var``, ``num_batches_tracked``)."""

    _ranks: tuple = ()
    _shapes: str = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True):
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, int) or isinstance(num_features, bool) or \
                num_features <= 0:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        if eps <= 0:
            raise ValueError(f"{name}: eps must be positive, got {eps!r}")
        dtype = parameter_dtype(dtype, name)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:  # bias=False (PyTorch 2.13) keeps the learned scale but drops the shift
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 tensor(0, dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Forget what the running statistics have seen (mean 0, variance 1, no batches)."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics back to the start, and weight 1, bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in self._ranks:
            raise ValueError(f"{name}: expected {self._shapes} input, got shape "
                             f"{tuple(input.shape)} ({input.ndim}-D)")
        if input.shape[1] != self.num_features:
            raise ShapeError(f"{name} expected {self.num_features} channels (num_features), got "
                             f"{input.shape[1]} (input shape {tuple(input.shape)})")
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats and input.numel() // input.shape[1] <= 1:
            raise ValueError(f"{name}: Expected more than 1 value per channel when training, "
                             f"got input size {tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / int(self.num_batches_tracked.item())
        # Running statistics are updated only while training with tracking on.
        update = not self.training or self.track_running_stats
        return normalize(input, self.running_mean if update else None,
                         self.running_var if update else None, self.weight, self.bias,
                         use_batch_stats, factor, self.eps, name)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) features or (N, C, L) sequences, one statistic per channel C."""

    _ranks = (2, 3)
    _shapes = "a 2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images, one statistic per channel C."""

    _ranks = (4,)
    _shapes = "a 4-D (N, C, H, W)"


class _AffineNorm(Module):
    """What LayerNorm and GroupNorm share: an optional learned scale (``weight``, starting at
    1) and shift (``bias``, starting at 0) applied after normalising."""

    def _add_affine(self, shape: tuple, affine: bool, bias: bool, dtype: Any,
                    device: Any) -> None:
        """Register weight and bias of ``shape``, or None where switched off."""
        self.register_parameter("weight", Parameter(ones(shape, dtype=dtype, device=device))
                                if affine else None)
        self.register_parameter("bias", Parameter(zeros(shape, dtype=dtype, device=device))
                                if affine and bias else None)

    def reset_parameters(self) -> None:
        """Weight 1, bias 0: the identity on normalised values."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class LayerNorm(_AffineNorm):
    """Normalise over the last dims given by ``normalized_shape`` (e.g. the feature dim of each
    token), with an elementwise learned scale (``weight``) and shift (``bias``)."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        self.normalized_shape = as_shape(normalized_shape, "LayerNorm")
        if not self.normalized_shape:
            raise ValueError("LayerNorm: normalized_shape must name at least one dimension")
        dtype = parameter_dtype(dtype, "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._add_affine(self.normalized_shape, elementwise_affine, bias, dtype, device)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(_AffineNorm):
    """Normalise each sample's (N, C, *) channels in ``num_groups`` groups, then a per-channel
    learned scale and shift; batch-size independent."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True):
        super().__init__()
        for name, value in (("num_groups", num_groups), ("num_channels", num_channels)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"GroupNorm: {name} must be a positive int, got {value!r}")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        dtype = parameter_dtype(dtype, "GroupNorm")
        self.num_groups, self.num_channels, self.eps, self.affine = \
            num_groups, num_channels, eps, affine
        self._add_affine((num_channels,), affine, bias, dtype, device)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if isinstance(input, Tensor) and input.ndim >= 2 and input.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm expected {self.num_channels} channels, got "
                             f"{input.shape[1]} (input shape {tuple(input.shape)})")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")

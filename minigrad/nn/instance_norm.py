"""``InstanceNorm1d/2d/3d`` and ``instance_norm``: normalise each sample's channels on their
own (style transfer, small batches), optionally with a learned per-channel scale and shift.

With the input's statistics (training, or no running statistics) instance norm is group
norm with one channel per group: the fused ``GroupNorm`` op of ``minigrad/ops/layer_norm.py``
normalises each (sample, channel) over its spatial positions and applies the per-channel
weight and bias (as batch norm over an (1, N * C, ...) input followed by separate multiply
and add nodes it took ~3.4x PyTorch's time). Running statistics, when tracked, move towards
the batch's mean of the per-sample mean and unbiased variance with ``momentum``. Eval with
``track_running_stats=True`` normalises with the running statistics instead: batch norm in
eval mode over the (1, N * C, ...) input, each channel's statistics repeated per sample.
"""
from __future__ import annotations

import warnings
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.layer_norm import GroupNorm, affine_of_empty
from ..ops.normalization import _check_channel_tensor, normalize
from ..tensor import Tensor
from .normalization import _BatchNorm


def _instance_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                   weight: Tensor | None, bias: Tensor | None, use_input_stats: bool,
                   momentum: float, eps: float, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an (N, C, ...) input, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    n, c = input.shape[:2]
    spatial = tuple(input.shape[2:])
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channel_tensor(t, name, c, input, op)
    count = 1  # values per (sample, channel)
    for s in spatial:
        count *= s
    if use_input_stats:
        if count == 1:
            raise ValueError(f"{op}: Expected more than 1 spatial element when training, got "
                             f"input size {tuple(input.shape)}")
    elif running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:  # as PyTorch: no silent promotion
            raise RuntimeError(f"{op}: expected {name} of the input's dtype {input.dtype}, got "
                               f"{t.dtype}")
    if input.numel() == 0:  # an empty batch: nothing to normalise or to learn statistics from
        return affine_of_empty(input, weight, bias)
    if use_input_stats:  # group norm with one channel per group: statistics per (n, c)
        stats = [] if running_mean is not None or running_var is not None else None
        out = GroupNorm.apply(input, weight, bias, c, float(eps), stats)
        if stats:  # PyTorch's update: the batch's mean of the per-sample statistics
            mean, var = stats
            with no_grad():
                if running_mean is not None:
                    running_mean.array *= 1.0 - momentum
                    running_mean.array += momentum * mean.mean(axis=0)
                if running_var is not None:  # unbiased variance, as batch norm
                    running_var.array *= 1.0 - momentum
                    running_var.array += (momentum * count / (count - 1)) * var.mean(axis=0)
        return out
    xp = input.xp
    repeated = [Tensor._make(xp.tile(t.array, n), input.device)
                for t in (running_mean, running_var)]
    flat = input.reshape((1, n * c) + spatial)
    out = normalize(flat, repeated[0], repeated[1], None, None, False, float(momentum),
                    float(eps), op).reshape(input.shape)
    per_channel = (1, c) + (1,) * len(spatial)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """PyTorch's ``F.instance_norm``: normalise each (sample, channel) of (N, C, ...) over its
    spatial positions (or with the running statistics when ``use_input_stats=False``)."""
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                          momentum, eps, "instance_norm")


class _InstanceNorm(_BatchNorm):
    """What InstanceNorm1d/2d/3d share: PyTorch's defaults (no affine, no running statistics)
    and its unbatched input (one rank less, no N)."""

    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"{name}: expected {unbatched}D or {unbatched + 1}D input (got "
                             f"{input.ndim}D input, shape {tuple(input.shape)})")
        feature_dim = input.ndim - unbatched
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          "can silence this warning by not passing in num_features, which is not "
                          "used because affine=False", UserWarning, stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        momentum = self.momentum if self.momentum is not None else 0.0
        out = _instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats, momentum, self.eps,
                             name)
        return out.squeeze(0) if input.ndim == unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) sequences or unbatched (C, L): each channel of each
    sample normalised over L."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) images or unbatched (C, H, W): each channel of each
    sample normalised over its plane."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over (N, C, D, H, W) volumes or unbatched (C, D, H, W)."""

    _spatial = 3

"""``InstanceNorm1d/2d/3d`` and ``instance_norm``: normalise each sample's channels on their
own (style transfer, small batches), optionally with a learned per-channel scale and shift.

As in PyTorch, instance norm is batch norm over an input seen as one sample of N * C
channels: the batch-norm op then reduces each (sample, channel) over its spatial positions.
With running statistics, each channel's running mean and variance are repeated N times for
that call, updated there with ``momentum``, and averaged back over the batch. Eval with
``track_running_stats=True`` normalises with the running statistics instead.
"""
from __future__ import annotations

import warnings
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.normalization import _check_channel_tensor, normalize
from ..tensor import Tensor
from .batchnorm3d import _NormBase


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
    if use_input_stats:
        count = 1
        for s in spatial:
            count *= s
        if count == 1:
            raise ValueError(f"{op}: Expected more than 1 spatial element when training, got "
                             f"input size {tuple(input.shape)}")
    elif running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    xp = input.xp
    # One statistic per (sample, channel): the running ones repeated over the batch.
    repeated = [None if t is None else Tensor._make(xp.tile(t.array, n), input.device)
                for t in (running_mean, running_var)]
    flat = input.reshape((1, n * c) + spatial)
    out = normalize(flat, repeated[0], repeated[1], None, None, bool(use_input_stats),
                    float(momentum), float(eps), op).reshape(input.shape)
    if use_input_stats:
        with no_grad():
            for buffer, rep in zip((running_mean, running_var), repeated):
                if buffer is not None:
                    buffer.copy_(Tensor._make(rep.array.reshape(n, c).mean(axis=0)
                                              .astype(buffer.dtype), input.device))
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


class _InstanceNorm(_NormBase):
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

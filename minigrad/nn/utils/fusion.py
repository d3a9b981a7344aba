"""Fold an eval-mode BatchNorm into the convolution or linear layer before it, so inference
runs one layer instead of two (``fuse_conv_bn_eval``, ``fuse_linear_bn_eval`` and their
``*_weights`` forms on raw tensors), with PyTorch's names and arithmetic."""
from __future__ import annotations

import copy

from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter


class FusionError(AssertionError, RuntimeError):
    """PyTorch asserts these preconditions (AssertionError); also a RuntimeError for callers
    that catch minigrad's usual error types."""


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple:
    """(weight, bias) of the convolution that equals conv followed by eval BatchNorm:
    w * gamma / sqrt(var + eps) per output channel (dim 1 of a transposed conv's weight)."""
    from ...creation import ones_like, zeros_like
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    conv_b = zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
    rsqrt = (bn_rv + bn_eps).rsqrt()
    rest = [1] * (conv_w.ndim - 2)
    shape = [1, -1] + rest if transpose else [-1, 1] + rest
    fused_w = (conv_w * (bn_w * rsqrt).reshape(shape)).to(w_dtype)
    fused_b = ((conv_b - bn_rm) * rsqrt * bn_w + bn_b).to(b_dtype)
    return (Parameter(fused_w.detach(), conv_w.requires_grad),
            Parameter(fused_b.detach(), conv_b.requires_grad))


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` whose weights include ``bn`` (both must be in eval mode)."""
    if conv.training or bn.training:
        raise FusionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise FusionError("fuse_conv_bn_eval: the BatchNorm has no running statistics "
                          "(track_running_stats=False)")
    fused = copy.deepcopy(conv)
    weight, bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                        bn.running_var, bn.eps, bn.weight, bn.bias, transpose)
    fused.weight, fused.bias = weight, bias
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor, bn_b: Tensor) -> tuple:
    """(weight, bias) of the linear layer that equals linear followed by eval BatchNorm."""
    from ...creation import zeros_like
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    linear_b = zeros_like(bn_rm) if linear_b is None else linear_b
    scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * scale.unsqueeze(-1).to(w_dtype)
    fused_b = ((linear_b - bn_rm) * scale + bn_b).to(b_dtype)
    return (Parameter(fused_w.detach(), linear_w.requires_grad),
            Parameter(fused_b.detach(), linear_b.requires_grad))


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` whose weights include ``bn`` (both in eval mode; bn's features
    must equal linear's out_features, or be 1)."""
    if linear.training or bn.training:
        raise FusionError("Fusion only for eval!")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise FusionError("To fuse, linear.out_features == bn.num_features or bn.num_features == "
                          f"1 (got out_features={linear.out_features}, "
                          f"num_features={bn.num_features})")
    if bn.running_mean is None or bn.running_var is None:
        raise FusionError("fuse_linear_bn_eval: the BatchNorm has no running statistics "
                          "(track_running_stats=False)")
    fused = copy.deepcopy(linear)
    weight, bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                          bn.running_var, bn.eps, bn.weight, bn.bias)
    fused.weight, fused.bias = weight, bias
    return fused

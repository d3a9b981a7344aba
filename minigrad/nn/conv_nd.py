"""The other convolution layers: ``Conv3d``, ``ConvTranspose1d`` and ``ConvTranspose3d``.

Same arguments, weight layouts, defaults, initialisation, ``extra_repr`` and state_dict keys
as PyTorch's, from the bases ``Conv2d`` / ``ConvTranspose2d`` share (``_ConvNd`` /
``_ConvTransposeNd`` in ``conv.py``): each layer only names its dimension count, converter and
functional form.
The arithmetic: ``ops/convolution3d.py`` (3-D, on the 2-D kernels with the depth taps
unfolded into channels) and ``ops/convolution1d.py`` (1-D, a unit-height 2-D plane).
"""
from __future__ import annotations

from ..ops.convolution1d import as_single, conv_transpose_1d
from ..ops.convolution3d import as_triple, conv3d_padding, conv_transpose_3d, convolve3d
from ..tensor import Tensor
from .conv import _check_input, _ConvNd, _ConvTransposeNd


class Conv3d(_ConvNd):
    """Learnable filters slid through an (N, C, D, H, W) batch of volumes (video clips, scans),
    with PyTorch's arguments, weight layout (out_channels, in_channels/groups, kD, kH, kW) and
    default initialisation (U(+-1/sqrt(fan_in)), fan_in = C/groups * kD * kH * kW)."""

    _dims = 3
    _convert = staticmethod(as_triple)
    _check_padding = staticmethod(conv3d_padding)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check_input(input, "Conv3d", 4, self.in_channels, "(N, C, D, H, W)")
        input, padding = self._pad_input(input)
        return convolve3d(input, self.weight, self.bias, self.stride, padding,
                          self.dilation, self.groups, "Conv3d")


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of ``Conv1d`` as a layer: learnable upsampling of (N, C, L) sequences
    (audio decoders). Weight layout (in_channels, out_channels/groups, kW) as PyTorch."""

    _dims, _layout = 1, "(N, C, L)"
    _convert = staticmethod(as_single)
    _function = staticmethod(conv_transpose_1d)


class ConvTranspose3d(_ConvTransposeNd):
    """The adjoint of ``Conv3d`` as a layer: learnable upsampling of (N, C, D, H, W) volumes
    (3-D U-Net decoders). Weight layout (in_channels, out_channels/groups, kD, kH, kW)."""

    _dims, _layout = 3, "(N, C, D, H, W)"
    _convert = staticmethod(as_triple)
    _function = staticmethod(conv_transpose_3d)

"""``LocalResponseNorm`` and ``local_response_norm``: divide each activation by a power of
the energy of its neighbouring channels (AlexNet's lateral inhibition).

    b_c = a_c / (k + alpha / size * sum_{c' in window(c)} a_{c'}^2) ** beta

As PyTorch, the window of ``size`` channels around c reaches ``size // 2`` channels before
and ``(size - 1) // 2`` after it, the channels beyond the edges count as zeros, and the sum
is divided by ``size`` whatever the number of real channels in it (PyTorch pools with a
zero-padded average). Built from tensor ops (a zero pad and ``size`` shifted slices), so it
is differentiable to any order.
"""
from __future__ import annotations

import numbers

from ..errors import ArgumentError
from ..ops.shape import pad
from ..tensor import Tensor
from .module import Module


def _check_size(size: object, op: str) -> int:
    if not isinstance(size, numbers.Integral) or isinstance(size, bool) or size <= 0:
        raise ArgumentError(f"{op}: size must be a positive int, got {size!r}")
    return int(size)


def _local_response_norm(input: Tensor, size: int, alpha: float, beta: float, k: float,
                         op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    size = _check_size(size, op)
    if input.ndim < 3:
        raise ValueError(f"{op}: Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions, shape {tuple(input.shape)})")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    # zeros before and after the channels: (before, after) pairs from the last dim backwards
    widths = (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2)
    padded = pad(input * input, widths)
    energy = padded[:, 0:channels]
    for i in range(1, size):
        energy = energy + padded[:, i:i + channels]
    div = (energy * (float(alpha) / size) + float(k)) ** float(beta)
    return input / div


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """PyTorch's ``F.local_response_norm`` over the channels (dim 1) of (N, C, *) input."""
    return _local_response_norm(input, size, alpha, beta, k, "local_response_norm")


class LocalResponseNorm(Module):
    """Normalise each activation by its ``size`` neighbouring channels' energy (AlexNet)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = _check_size(size, "LocalResponseNorm")
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _local_response_norm(input, self.size, self.alpha, self.beta, self.k,
                                    "LocalResponseNorm")

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

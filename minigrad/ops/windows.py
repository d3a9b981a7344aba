"""Window functions for spectral analysis and filter design: hann, hamming, blackman, bartlett
and kaiser, with torch's arguments (``periodic=True`` by default: the window of length N + 1
with its last sample dropped, the form an FFT of length N expects).

Each is the textbook cosine sum / triangle / Bessel formula over n = 0 .. N-1 (N = window_length,
or N + 1 when periodic), computed in float64 and rounded once to ``dtype`` (default: the default
float dtype); length 0 gives an empty tensor and length 1 gives [1].
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable

from .. import dtypes
from ..backend import get_backend
from ..tensor import Tensor
from .special import bessel_i_array


def _window(name: str, window_length: int, periodic: bool, dtype: Any, device: Any,
            requires_grad: bool, formula: Callable[[Any, int, Any], Any]) -> Tensor:
    from ..creation import _device
    if not isinstance(window_length, numbers.Integral) or isinstance(window_length, bool) \
            or window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length!r}")
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype):
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    device = _device(device)
    xp = get_backend(device).xp
    n_total = int(window_length)
    if n_total <= 1:
        values = xp.ones(n_total, dtype=dtype)
    else:
        length = n_total + 1 if periodic else n_total
        n = xp.arange(n_total, dtype=dtypes.float64)
        values = formula(n, length, xp).astype(dtype)
    out = Tensor._make(values, device)
    return out.requires_grad_(True) if requires_grad else out


def _cosine_sum(coefficients: tuple) -> Callable:
    def formula(n: Any, length: int, xp: Any) -> Any:
        phase = (2.0 * math.pi / (length - 1)) * n
        out = xp.zeros_like(n) + coefficients[0]
        for k, c in enumerate(coefficients[1:], start=1):
            out = out + ((-1) ** k) * c * xp.cos(k * phase)
        return out
    return formula


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """0.5 - 0.5 cos(2 pi n / (N - 1)): the default STFT window."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((0.5, 0.5)))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
    """alpha - beta cos(2 pi n / (N - 1)): Hann with a raised floor (lower first sidelobe)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((float(alpha), float(beta))))


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """0.42 - 0.5 cos(2 pi n/(N-1)) + 0.08 cos(4 pi n/(N-1)): lower sidelobes than Hann."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((0.42, 0.5, 0.08)))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The triangle 1 - |2n / (N - 1) - 1|."""
    def formula(n: Any, length: int, xp: Any) -> Any:
        return 1.0 - xp.abs(2.0 * n / (length - 1) - 1.0)
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   formula)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """I0(beta sqrt(1 - (2n/(N-1) - 1)^2)) / I0(beta): beta trades main-lobe width for
    sidelobe level."""
    beta = float(beta)

    def formula(n: Any, length: int, xp: Any) -> Any:
        ratio = 2.0 * n / (length - 1) - 1.0
        arg = beta * xp.sqrt(xp.maximum(1.0 - ratio * ratio, 0.0))
        # I0(a)/I0(beta) = i0e(a)/i0e(beta) * exp(a - beta): no overflow for large beta
        scaled = bessel_i_array(0, arg, xp, True) / bessel_i_array(0, xp.asarray([beta]), xp,
                                                                    True)
        return scaled * xp.exp(arg - beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   formula)

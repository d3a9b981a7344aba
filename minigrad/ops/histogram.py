"""torch.histogram: counts (or weight sums, or a density) of a float tensor's values in bins,
returned with the bin edges; ``histc`` (ops/selection.py) is the older counts-only form.

``bins`` is a count (equal bins over ``range``, or over [min, max] of the input; a constant
input gets [v - 0.5, v + 0.5] and an empty one [0, 1], as PyTorch and NumPy) or a 1-D tensor of
increasing edges. Each bin is half-open [e_i, e_i+1) except the last, which includes its right
edge. Values outside the edges are not counted. Not differentiable (nor in PyTorch).
"""
from __future__ import annotations

import numbers
from typing import Any, NamedTuple

from .. import dtypes
from ..tensor import Tensor
from .elementwise import _tensor_input


class HistogramResult(NamedTuple):
    """(hist, bin_edges), as torch.return_types.histogram."""

    hist: Tensor
    bin_edges: Tensor


def histogram(input: Tensor, bins: Any, *, range: Any = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> HistogramResult:
    """The histogram of all of ``input``'s values (flattened), with its bin edges."""
    x = _tensor_input(input, "histogram")
    if not dtypes.is_floating(x.dtype):
        raise NotImplementedError(f"histogram: not implemented for {x.dtype} tensors (shape "
                                  f"{tuple(x.shape)}); convert with .float() first")
    xp = x.xp
    if isinstance(bins, Tensor):
        if bins.ndim != 1 or bins.shape[0] < 2:
            raise RuntimeError(f"histogram: bins must be a 1-D tensor of at least 2 edges (1 "
                               f"bin), got shape {tuple(bins.shape)}")
        edges_in = bins.array.astype(x.dtype)
        if edges_in.shape[0] > 1 and bool((edges_in[1:] < edges_in[:-1]).any()):
            raise ValueError("histogram: bin edges must increase monotonically")
    elif isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        if bins <= 0:
            raise RuntimeError(f"histogram: bins must be > 0, but got {bins}")
        edges_in = int(bins)
    else:
        raise TypeError(f"histogram: bins must be an int or a 1-D Tensor, got "
                        f"{type(bins).__name__}")
    if range is not None:
        low, high = (float(v) for v in range)
        if low > high:
            raise RuntimeError(f"histogram: min should not exceed max, but got min {low} max "
                               f"{high}")
        range = (low, high)
    weights = None
    if weight is not None:
        if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(x.shape):
            raise RuntimeError(f"histogram: if weight tensor is provided it should have the same "
                               f"shape as the input tensor ({tuple(x.shape)}), got "
                               f"{tuple(getattr(weight, 'shape', ()))}")
        weights = weight.array.reshape(-1)
    values = x.array.reshape(-1)
    if isinstance(edges_in, int) and range is None and values.size and \
            not bool(xp.isfinite(values).all()):
        raise ValueError(f"histogram: the range of the values must be finite to choose bins, "
                         f"got non-finite values in a tensor of shape {tuple(x.shape)}")
    hist, edges = xp.histogram(values, bins=edges_in, range=range, weights=weights,
                               density=bool(density))
    return HistogramResult(Tensor._make(hist.astype(x.dtype), x.device),
                           Tensor._make(edges.astype(x.dtype), x.device))

"""torch.histogram (and histogramdd, its D-dimensional form): counts (or weight sums, or a
density) of a float tensor's values in bins, returned with the bin edges; ``histc``
(ops/selection.py) is the older counts-only form.

``bins`` is a count (equal bins over ``range``, or over [min, max] of the input; a constant
input gets [v - 0.5, v + 0.5] and an empty one [0, 1], as PyTorch and NumPy) or a 1-D tensor of
increasing edges. Each bin is half-open [e_i, e_i+1) except the last, which includes its right
edge. Values outside the edges are not counted. Not differentiable (nor in PyTorch).
"""
from __future__ import annotations

import builtins
import numbers
from typing import Any, NamedTuple

from .. import dtypes
from ..backend import float_errors_ignored
from ..errors import ArgumentError
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
        raise ArgumentError(f"histogram: the range of the values must be finite to choose bins, "
                            f"got non-finite values in a tensor of shape {tuple(x.shape)}")
    hist, edges = xp.histogram(values, bins=edges_in, range=range, weights=weights,
                               density=bool(density))
    return HistogramResult(Tensor._make(hist.astype(x.dtype), x.device),
                           Tensor._make(edges.astype(x.dtype), x.device))


class HistogramddResult(NamedTuple):
    """(hist, bin_edges), as torch.return_types.histogramdd; bin_edges holds one tensor a dim."""

    hist: Tensor
    bin_edges: tuple


def histogramdd(input: Tensor, bins: Any, *, range: Any = None,  # noqa: A002
                weight: Tensor | None = None, density: bool = False) -> HistogramddResult:
    """The D-dimensional histogram of the points in ``input`` (shape (..., D): the last dim
    holds a point's coordinates). ``bins`` is one count for every dim, D counts, or D 1-D
    tensors of increasing edges; ``range`` is [min_0, max_0, min_1, max_1, ...]. Bins are
    half-open except each dim's last, as in ``histogram``."""
    x = _tensor_input(input, "histogramdd")
    if not dtypes.is_floating(x.dtype):
        raise NotImplementedError(f"histogramdd: not implemented for {x.dtype} tensors (shape "
                                  f"{tuple(x.shape)}); convert with .float() first")
    if x.ndim < 1:
        raise RuntimeError("histogramdd: input should have at least 1 dimension (the points' "
                           "coordinates), got a 0-d tensor")
    xp, d = x.xp, x.shape[-1]
    points = x.array.reshape(-1, d)
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        bins = [int(bins)] * d
    if not isinstance(bins, (list, tuple)) or len(bins) != d:
        raise RuntimeError(f"histogramdd: bins must be an int or a sequence of {d} ints or 1-D "
                           f"tensors (one a dim of the input's last dim, size {d}), got {bins!r}")
    edges_in = []
    for i, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b.ndim != 1 or b.shape[0] < 2:
                raise RuntimeError(f"histogramdd: bins[{i}] must be a 1-D tensor of at least 2 "
                                   f"edges, got shape {tuple(b.shape)}")
            e = b.array.astype(x.dtype)
            if bool((e[1:] < e[:-1]).any()):
                raise ValueError(f"histogramdd: bins[{i}] edges must increase monotonically")
            edges_in.append(e)
        elif isinstance(b, numbers.Integral) and not isinstance(b, bool) and b > 0:
            edges_in.append(int(b))
        else:
            raise RuntimeError(f"histogramdd: bins[{i}] must be a positive int or a 1-D tensor, "
                               f"got {b!r}")
    limits = None
    if range is not None:
        flat = [float(v) for v in range]
        if len(flat) != 2 * d:
            raise RuntimeError(f"histogramdd: range should have {2 * d} elements (min and max "
                               f"of each of the {d} dims), got {len(flat)}")
        limits = [(flat[2 * i], flat[2 * i + 1]) for i in builtins.range(d)]
        for i, (low, high) in enumerate(limits):
            if low > high:
                raise RuntimeError(f"histogramdd: min should not exceed max in dim {i}, got "
                                   f"min {low} max {high}")
    elif points.size and any(isinstance(e, int) for e in edges_in) and \
            not bool(xp.isfinite(points).all()):
        raise ArgumentError(f"histogramdd: the range of the values must be finite to choose bins, "
                            f"got non-finite values in a tensor of shape {tuple(x.shape)}")
    weights = None
    if weight is not None:
        if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(x.shape[:-1]):
            raise RuntimeError(f"histogramdd: weight should have the input's shape without its "
                               f"last dim ({tuple(x.shape[:-1])}), got "
                               f"{tuple(getattr(weight, 'shape', ()))}")
        weights = weight.array.reshape(-1)
    with float_errors_ignored():  # the density of nothing is 0 / 0: NaN, as PyTorch
        hist, edges = xp.histogramdd(points, bins=edges_in, range=limits, weights=weights,
                                     density=bool(density))
    return HistogramddResult(Tensor._make(hist.astype(x.dtype), x.device),
                             tuple(Tensor._make(e.astype(x.dtype), x.device) for e in edges))

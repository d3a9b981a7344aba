"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, their 1-D forms
(``MaxPool1d``, ``AvgPool1d``, ``AdaptiveAvgPool1d`` with ``max_pool1d``, ``avg_pool1d``,
``adaptive_avg_pool1d``) and ``AdaptiveMaxPool2d``. The arithmetic lives in
``minigrad/ops/pooling.py``: a 1-D pool checks its arguments in 1-D terms (so errors name
1-D shapes), then runs the 2-D pool over an (N, C, 1, L) plane. As in PyTorch, each family's
arguments and repr live in one base (``_MaxPoolNd``, ``_AvgPoolNd``, ``_AdaptiveAvgPoolNd``,
``_AdaptiveMaxPoolNd``, also used by the 3-D layers of ``pooling3d.py``); a concrete layer
only says which function it calls."""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..errors import ArgumentError, ShapeError
from ..ops.convolution import as_pair
from ..ops.pooling import adaptive_avg_pool, avg_pool, check_pool_input, max_pool
from ..tensor import Tensor
from .conv import as_single
from .module import Module


class _MaxPoolNd(Module):
    """The arguments MaxPool1d/2d/3d share (PyTorch's ``_MaxPoolNd``); ``stride``
    defaults to ``kernel_size``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """The largest value of each window; ``stride`` defaults to ``kernel_size``, padding counts
    as -inf, and the gradient goes to each window's first maximum (as PyTorch)."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return max_pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        self.ceil_mode, self.return_indices, "MaxPool2d")


class _AvgPoolNd(Module):
    """The arguments AvgPool1d/2d/3d share (PyTorch's ``_AvgPoolNd``); ``stride``
    defaults to ``kernel_size``. AvgPool1d has no ``divisor_override`` and stores 1-tuples."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    """What the adaptive average pools share: only ``output_size``."""

    def __init__(self, output_size: Any):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    """What the adaptive max pools share: ``output_size`` and ``return_indices``."""

    def __init__(self, output_size: Any, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AvgPool2d(_AvgPoolNd):
    """The mean of each window; ``stride`` defaults to ``kernel_size``; zero padding is counted
    in the mean unless ``count_include_pad=False``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return avg_pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad, self.divisor_override, "AvgPool2d")


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling that picks its windows to produce ``output_size`` whatever the input
    size (``1`` gives global average pooling; None keeps a dimension)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return adaptive_avg_pool(input, self.output_size, "AdaptiveAvgPool2d")


# --- 1-D pooling: the 2-D pools over a unit-height plane ------------------------------------------
def _window_1d(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool, op: str) -> tuple:
    """Check 1-D window arguments against the input as PyTorch does; returns them as the
    (1, k)-style pairs of the 2-D pool (unit kernel, stride and dilation along the height)."""
    check_pool_input(input, op, 1)
    k = as_single(kernel_size, "kernel_size", op)
    s = k if stride is None or stride == [] or stride == () else as_single(stride, "stride", op)
    p, d = as_single(padding, "padding", op), as_single(dilation, "dilation", op)
    for name, value in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if value <= 0:
            raise ArgumentError(f"{op}: {name} must be positive, got {value}")
    if p < 0:
        raise ArgumentError(f"{op}: padding must be non-negative, got {p}")
    span = d * (k - 1) + 1
    if 2 * p > span:
        raise ArgumentError(f"{op}: padding should be at most half of the (dilated) kernel size, "
                         f"got padding={p}, kernel_size={k}, dilation={d}")
    room = input.shape[-1] + 2 * p - span
    if room < 0 and not ceil_mode or room + s <= 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} is too small for "
                         f"kernel_size={k} (dilation {d}) with padding={p}")
    return (1, k), (1, s), (0, p), (1, d)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """PyTorch's ``F.max_pool1d``: the largest value of each window along L (padding counts as
    -inf; the gradient goes to the first maximum). Any order of gradients."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                       "max_pool1d")


def _max_pool1d(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, return_indices: bool, op: str) -> Any:
    kernel, stride, padding, dilation = _window_1d(input, kernel_size, stride, padding, dilation,
                                                   ceil_mode, op)
    result = max_pool(input.unsqueeze(-2), kernel, stride, padding, dilation, ceil_mode,
                      return_indices, op)
    if return_indices:  # an index h * L + l in a unit-height plane is l itself
        return tuple(r.squeeze(-2) for r in result)
    return result.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """PyTorch's ``F.avg_pool1d``: the mean of each window along L (zero padding counted unless
    ``count_include_pad=False``). Any order of gradients."""
    return _avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       "avg_pool1d")


def _avg_pool1d(input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                count_include_pad: bool, op: str) -> Tensor:
    kernel, stride, padding, _ = _window_1d(input, kernel_size, stride, padding, 1, ceil_mode,
                                            op)
    return avg_pool(input.unsqueeze(-2), kernel, stride, padding, ceil_mode, count_include_pad,
                    None, op).squeeze(-2)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """PyTorch's ``F.adaptive_avg_pool1d``: average over windows chosen to give
    ``output_size`` positions whatever the input length. Any order of gradients."""
    return _adaptive_avg_pool1d(input, output_size, "adaptive_avg_pool1d")


def _adaptive_avg_pool1d(input: Tensor, output_size: Any, op: str) -> Tensor:
    check_pool_input(input, op, 1)
    size = as_single(output_size, "output_size", op)
    if size <= 0:
        raise ArgumentError(f"{op}: output_size must be positive, got {output_size!r}")
    if input.shape[-1] == 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} is empty along L")
    return adaptive_avg_pool(input.unsqueeze(-2), (1, size), op).squeeze(-2)


class MaxPool1d(_MaxPoolNd):
    """The largest value of each window along L; ``stride`` defaults to ``kernel_size``."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return _max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                           self.ceil_mode, self.return_indices, "MaxPool1d")


class AvgPool1d(_AvgPoolNd):
    """The mean of each window along L; ``stride`` defaults to ``kernel_size``. Stores its
    arguments as 1-tuples, as PyTorch does (and, as PyTorch, has no ``divisor_override``)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):
        Module.__init__(self)
        self.kernel_size = (as_single(kernel_size, "kernel_size", "AvgPool1d"),)
        self.stride = self.kernel_size if stride is None or stride == [] or stride == () else \
            (as_single(stride, "stride", "AvgPool1d"),)
        self.padding = (as_single(padding, "padding", "AvgPool1d"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                           self.count_include_pad, "AvgPool1d")


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling along L that picks its windows to give ``output_size`` positions."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _adaptive_avg_pool1d(input, self.output_size, "AdaptiveAvgPool1d")


# --- adaptive max pooling ----------------------------------------------------------------------
def _adaptive_windows(n_in: int, n_out: int, xp: Any) -> Any:
    """(n_out, widest) indices of PyTorch's adaptive windows [floor(i*n/m), ceil((i+1)*n/m)).
    Narrower windows repeat their last index: a repeat never wins over its first occurrence,
    because the max picks the first of equal values."""
    i = xp.arange(n_out).reshape(-1, 1)
    start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
    widest = int((end - start).max())
    return xp.minimum(start + xp.arange(widest), end - 1)


# A running max over the K window offsets costs ~4 NumPy calls per offset, argmax ~40 ns per
# window: the loop pays for windows of up to _LOOP_WINDOW elements when each offset's pass
# covers at least _LOOP_MIN_PASS windows per offset (measured: 13 -> 3 on 1024 planes 1.6x).
_LOOP_WINDOW, _LOOP_MIN_PASS = 32, 256


class AdaptiveMax(Function):
    """Max over each adaptive window of the last two dims (any leading dims, B planes in all).
    ``where`` is (K, P): for each of the K window offsets (row-major) the flat position
    h * W + w that each of the P = Ho * Wo outputs reads. Returns the maxima and each
    winner's flat position (the first maximum in row-major order, or the last nan: PyTorch's
    rule)."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, where, out_size):
        xp, (k, p), lead = x.xp, where.shape, x.shape[:-2]
        planes = x.array.reshape(-1, x.shape[-2] * x.shape[-1])  # (B, H*W)
        b = planes.shape[0]
        if k <= _LOOP_WINDOW and k * _LOOP_MIN_PASS <= b * p:
            columns = xp.ascontiguousarray(planes.T)  # (H*W, B): a position's values in a row
            out, which = xp.take(columns, where[0], axis=0), xp.zeros((p, b), dtype=xp.uint8)
            new, better = xp.empty_like(out), xp.empty(out.shape, dtype=xp.bool_)
            for j in range(1, k):  # which < j so far: max(which, j * (new > out)) notes a win
                xp.take(columns, where[j], axis=0, out=new)  # offset j of every window, (P, B)
                xp.greater(new, out, out=better)
                xp.maximum(which, better.view(xp.uint8) * xp.uint8(j), out=which)
                xp.maximum(out, new, out=out)
            out, which = out.T, which.T
        else:  # few windows, or big ones (global pooling): argmax along the window axis
            global_pool = p == 1 and k == planes.shape[1]  # one window: the plane, in order
            windows = planes[:, None, :] if global_pool else xp.take(planes, where.T, axis=1)
            which = windows.argmax(axis=-1)
            out = xp.take_along_axis(windows, which[..., None], axis=-1)[..., 0]
        nan = xp.isnan(out)  # (B, P), small: no extra pass over the windows without a nan
        if nan.any():
            # A window holding a nan has the max nan, won by its *last* nan (PyTorch's rule);
            # the loop above never lets a nan win (nan > m is False: the index pointed at a
            # number) and argmax takes the first nan.
            bi, pi = xp.nonzero(nan)
            is_nan = xp.isnan(planes[bi[:, None], where[:, pi].T])  # (n, K) those windows
            which[bi, pi] = k - 1 - is_nan[:, ::-1].argmax(axis=1)
        flat = where[which, xp.arange(p)]  # (B, P) winners' positions in their plane
        ctx.flat, ctx.in_shape = flat, x.shape
        return out.reshape(lead + out_size), flat.reshape(lead + out_size)

    @staticmethod
    def backward(ctx, grad, _):
        return WinnerScatter.apply(grad, ctx.flat, ctx.in_shape), None, None


class WinnerScatter(Function):
    """Adaptive max pooling's backward: each gradient added to its window's winner, ``flat``
    (B, P), in an array of the input's shape (neighbouring windows may share a winner, so
    add, not assign)."""

    @staticmethod
    def forward(ctx, grad, flat, in_shape):
        ctx.flat, ctx.out_shape = flat, grad.shape
        xp, (b, p) = grad.xp, flat.shape
        plane_size = in_shape[-2] * in_shape[-1]
        target = flat + xp.arange(b).reshape(-1, 1) * plane_size  # positions in the raveled out
        # bincount adds repeats in one pass (add.at goes element by element); it sums in
        # float64, so the result is cast back to the gradient's dtype.
        total = xp.bincount(target.ravel(), weights=grad.array.reshape(-1),
                            minlength=b * plane_size)
        return total.astype(grad.dtype, copy=False).reshape(in_shape)

    @staticmethod
    def backward(ctx, gg):
        return WinnerGather.apply(gg, ctx.flat, ctx.out_shape), None, None


class WinnerGather(Function):
    """The adjoint of WinnerScatter: read each window's winner (double backward)."""

    @staticmethod
    def forward(ctx, gg, flat, out_shape):
        ctx.flat, ctx.in_shape = flat, gg.shape
        planes = gg.array.reshape(flat.shape[0], -1)
        return gg.xp.take_along_axis(planes, flat, axis=1).reshape(out_shape)

    @staticmethod
    def backward(ctx, grad):
        return WinnerScatter.apply(grad, ctx.flat, ctx.in_shape), None, None


def _adaptive_max_pool(input: Tensor, output_size: Any, return_indices: bool, op: str) -> Any:
    """Max over each adaptive window of the last two dims (any leading dims): the windows'
    elements are gathered offset by offset, and the first maximum in row-major order wins
    (PyTorch's rule), which is also where the gradient goes. Differentiable to any order."""
    check_pool_input(input, op, 2)
    h, w = input.shape[-2:]
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(s if s is not None else n for s, n in zip(sizes, (h, w)))
    ho, wo = as_pair(sizes, "output_size", op)
    if ho <= 0 or wo <= 0:
        raise ArgumentError(f"{op}: output_size must be positive, got {output_size!r}")
    if h == 0 or w == 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} has an empty plane")
    xp = input.xp
    rows, cols = _adaptive_windows(h, ho, xp), _adaptive_windows(w, wo, xp)
    # where[(i, j), (r, c)]: offset (i, j) of output (r, c)'s window, as a flat h * W + w
    where = rows.T.reshape(-1, 1, ho, 1) * w + cols.T.reshape(1, -1, 1, wo)
    out, flat = AdaptiveMax.apply(input, where.reshape(-1, ho * wo), (ho, wo))
    return (out, flat) if return_indices else out


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """PyTorch's ``F.adaptive_max_pool2d``: the max over windows chosen to give
    ``output_size`` (an int, or a pair whose None entries keep the input's size); with
    ``return_indices``, also each winner's flat index h * W + w. Any order of gradients."""
    return _adaptive_max_pool(input, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """PyTorch's ``F.adaptive_max_pool1d``: the max over windows chosen to give
    ``output_size`` positions along L. Any order of gradients."""
    return _adaptive_max_pool1d(input, output_size, return_indices, "adaptive_max_pool1d")


def _adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool, op: str) -> Any:
    check_pool_input(input, op, 1)
    size = as_single(output_size, "output_size", op)
    result = _adaptive_max_pool(input.unsqueeze(-2), (1, size), return_indices, op)
    return tuple(r.squeeze(-2) for r in result) if return_indices else result.squeeze(-2)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling that picks its windows to produce ``output_size`` whatever the input
    size (``1`` gives global max pooling; None keeps a dimension)."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return _adaptive_max_pool(input, self.output_size, self.return_indices,
                                  "AdaptiveMaxPool2d")


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling along L that picks its windows to give ``output_size`` positions."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return _adaptive_max_pool1d(input, self.output_size, self.return_indices,
                                    "AdaptiveMaxPool1d")

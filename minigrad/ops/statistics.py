"""Statistics, integrals and distances built from tensor ops: cov, corrcoef, trapezoid,
cumulative_trapezoid, dist, cdist, renorm.

All are compositions (sums, products, norms, cumsum), so they are differentiable twice; the
norm's gradient at zero is 0 (PyTorch's subgradient), so equal points give a zero gradient
in dist/cdist rather than NaN.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..tensor import Tensor
from .comparison import clamp, where
from .dims import normalize_dim
from .elementwise import _tensor_input, scalar_like
from .reduction import cumsum, norm, sum


def _float(x: Any, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating-point {name}, got {x.dtype}")
    return x


# --- covariance ----------------------------------------------------------------------------------
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance of the variables in the rows of ``input`` (observations in columns), with
    optional integer frequency and float observation weights, as numpy.cov / torch.cov."""
    _float(input, "cov")
    if input.ndim > 2:
        raise RuntimeError(f"cov: expected input to have two or fewer dimensions, got shape "
                           f"{tuple(input.shape)}")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        _tensor_input(fweights, "cov")
        if fweights.dtype.kind not in "iu" or fweights.ndim > 1 or fweights.numel() != n:
            raise RuntimeError(f"cov: fweights must be a 1-D integer tensor of {n} "
                               f"observations, got shape {tuple(fweights.shape)} of "
                               f"{fweights.dtype}")
        if bool((fweights.array < 0).any()):
            raise RuntimeError("cov: fweights cannot be negative")
        w = fweights.to(x.dtype).reshape(-1)
    if aweights is not None:
        _float(aweights, "cov", "aweights")
        if aweights.ndim > 1 or aweights.numel() != n:
            raise RuntimeError(f"cov: aweights must be a 1-D tensor of {n} observations, got "
                               f"shape {tuple(aweights.shape)}")
        if bool((aweights.array < 0).any()):
            raise RuntimeError("cov: aweights cannot be negative")
        aw = aweights.to(x.dtype).reshape(-1)
        w = aw if w is None else w * aw
    if w is None:
        total = scalar_like(n, x)
        avg = x.mean(1, keepdim=True)
        factor = total - correction
    else:
        total = w.sum()
        avg = (x * w).sum(1, keepdim=True) / total
        factor = total - correction * ((w * aw).sum() / total) if aweights is not None else \
            total - correction
    factor = clamp(factor, min=0)
    centred = x - avg
    weighted = centred if w is None else centred * w
    out = weighted.matmul(centred.transpose(0, 1)) / factor
    return out.reshape(()) if input.ndim < 2 else out


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows, clipped to [-1, 1] as PyTorch does."""
    _float(input, "corrcoef")
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef: expected input to have two or fewer dimensions, got "
                           f"shape {tuple(input.shape)}")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    from .indexing import diagonal
    std = diagonal(c).sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return clamp(c, -1, 1)


# --- integrals -------------------------------------------------------------------------------------
def _spacing(y: Tensor, x: Any, dx: Any, dim: int, op: str) -> tuple:
    """(axis, the widths between neighbours along it: a number or a broadcastable tensor)."""
    _tensor_input(y, op)
    axis = normalize_dim(dim, y.shape, op, scalar=False)
    if x is not None and dx is not None:
        raise RuntimeError(f"{op}: cannot give both x and dx")
    if x is None:
        step = 1 if dx is None else dx
        if isinstance(step, Tensor) or not isinstance(step, numbers.Number):
            raise TypeError(f"{op}: dx must be a number, got {type(step).__name__}")
        return axis, step
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: x must be a Tensor (give a spacing as dx=), got "
                        f"{type(x).__name__}")
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(f"{op}: there must be one `x` value for each sample point, got "
                               f"{x.shape[0]} for {y.shape[axis]} samples along dim {axis}")
        widths = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[axis] = widths.shape[0]
        return axis, widths.reshape(shape)
    xs = x.movedim(normalize_dim(dim, x.shape, op, scalar=False), -1)
    widths = (xs[..., 1:] - xs[..., :-1]).movedim(-1, normalize_dim(dim, x.shape, op,
                                                                      scalar=False))
    return axis, widths


def _pair_sums(y: Tensor, axis: int) -> Tensor:
    before = (slice(None),) * axis
    return y[before + (slice(1, None),)] + y[before + (slice(None, -1),)]


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoid rule along ``dim``: samples ``y`` at points ``x`` (or spaced ``dx``)."""
    axis, widths = _spacing(y, x, dx, dim, "trapezoid")
    if y.dtype.kind in "bui":
        y = y.to(dtypes.get_default_dtype())
    return sum(_pair_sums(y, axis) * widths, axis) * 0.5


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoid integral along ``dim`` (one element shorter there)."""
    axis, widths = _spacing(y, x, dx, dim, "cumulative_trapezoid")
    if y.dtype.kind in "bui":
        y = y.to(dtypes.get_default_dtype())
    return cumsum(_pair_sums(y, axis) * widths * 0.5, axis)


# --- distances -------------------------------------------------------------------------------------
def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    """The p-norm of ``input - other`` (broadcast), as one number."""
    _float(input, "dist")
    _float(other, "dist", "other")
    return norm(input - other, p)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
          ) -> Tensor:
    """Pairwise p-norm distances between the rows of (..., P, M) ``x1`` and (..., R, M) ``x2``:
    a (..., P, R) tensor. Computed directly (no matrix-product shortcut), so it matches
    PyTorch's exact mode."""
    _float(x1, "cdist", "x1")
    _float(x2, "cdist", "x2")
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist: only supports at least 2D tensors, got shapes "
                           f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 and x2 must have the same number of columns, got "
                           f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or p < 0:
        raise RuntimeError(f"cdist: only supports non-negative p values, got {p!r}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(diff, p, dim=-1)


def renorm(input: Tensor, p: Any, dim: int, maxnorm: Any) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to it (by
    maxnorm / (norm + 1e-7), PyTorch's factor); the others are left alone."""
    _float(input, "renorm")
    if not isinstance(p, numbers.Real) or p <= 0:
        raise RuntimeError(f"renorm: non-positive norm not supported, got p={p!r}")
    if not isinstance(maxnorm, numbers.Real) or maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm!r}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got shape "
                           f"{tuple(input.shape)}")
    axis = normalize_dim(dim, input.shape, "renorm")
    others = tuple(d for d in range(input.ndim) if d != axis)
    norms = norm(input, p, others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), scalar_like(1, norms))
    return input * factor

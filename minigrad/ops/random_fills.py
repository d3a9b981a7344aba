"""Tensor's in-place random fills with torch's names and checks: ``uniform_``, ``normal_``,
``random_``, ``geometric_``, ``log_normal_``, ``cauchy_`` (``bernoulli_`` and ``exponential_``
live in ops/sampling.py). Each draws from ``generator=`` (an ``mg.Generator`` on the tensor's
device) or, without one, from the device's global stream that ``mg.manual_seed`` resets."""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..tensor import Tensor


def _floating(self: Tensor, op: str) -> None:
    """Continuous distributions need a floating tensor (torch refuses integer ones too)."""
    if not dtypes.is_floating(self.dtype):
        raise RuntimeError(f"{op}: expected a floating point tensor, got {self.dtype} (shape "
                           f"{tuple(self.shape)})")


def _write(self: Tensor, values: Any) -> Tensor:
    self.array[...] = values
    return self


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with U(from_, to)."""
    from ..creation import _uniform_array
    _floating(self, "uniform_")
    if not from_ <= to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    self._check_inplace("uniform_")
    return _write(self, _uniform_array(self.shape, self.dtype, self.device, float(from_),
                                       float(to), generator=generator, op="uniform_"))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2)."""
    from ..creation import _normal_array
    _floating(self, "normal_")
    if not std >= 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    self._check_inplace("normal_")
    return _write(self, _normal_array(self.shape, self.dtype, self.device, float(mean), float(std),
                                      generator=generator, op="normal_"))


def _top(self: Tensor) -> int:
    """random_()'s largest value: the dtype's max for integers, 2**digits for floats (every
    integer up to it is exact), 1 for bool."""
    if self.dtype == dtypes.bool:
        return 1
    if dtypes.is_floating(self.dtype):
        return 2 ** (int(self.xp.finfo(self.dtype).nmant) + 1)
    return int(self.xp.iinfo(self.dtype).max)


def random_(self: Tensor, from_: int | None = None, to: int | None = None, *,
            generator: Any = None) -> Tensor:
    """Fill with integers uniform on [from_, to): ``random_()`` spans [0, the dtype's top]
    (see ``_top``), ``random_(to)`` [0, to), as in torch."""
    from ..random import draws
    if from_ is not None and to is None:  # random_(to)
        from_, to = 0, from_
    low = 0 if from_ is None else int(from_)
    high = _top(self) if to is None else int(to) - 1  # inclusive
    if to is not None and not low < int(to):
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={int(to)}")
    if not dtypes.is_floating(self.dtype):
        lo, hi = (0, 1) if self.dtype == dtypes.bool else (
            int(self.xp.iinfo(self.dtype).min), int(self.xp.iinfo(self.dtype).max))
        for name, value in (("from", low), ("to - 1", high)):
            if not lo <= value <= hi:
                raise RuntimeError(f"random_: {name} ({value}) is out of bounds for "
                                   f"{self.dtype} (range [{lo}, {hi}])")
    self._check_inplace("random_")
    values = draws(generator, self.device, "random_").integers(
        low, high, size=tuple(self.shape), dtype=dtypes.int64, endpoint=True)
    return _write(self, values.astype(self.dtype))


def geometric_(self: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    from ..random import draws
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    self._check_inplace("geometric_")
    values = draws(generator, self.device, "geometric_").geometric(float(p), size=tuple(self.shape))
    return _write(self, values.astype(self.dtype))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Any = None) -> Tensor:
    """Fill with exp(N(mean, std^2)): ``mean`` and ``std`` are the underlying normal's."""
    from ..creation import _normal_array
    _floating(self, "log_normal_")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    self._check_inplace("log_normal_")
    z = _normal_array(self.shape, self.dtype, self.device, float(mean), float(std),
                      generator=generator, op="log_normal_")
    return _write(self, self.xp.exp(z))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Fill with Cauchy(median, sigma) draws: median + sigma * tan(pi * (U - 1/2))."""
    from ..creation import _uniform_array
    _floating(self, "cauchy_")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    self._check_inplace("cauchy_")
    u = _uniform_array(self.shape, self.dtype, self.device, generator=generator, op="cauchy_")
    return _write(self, float(median) + float(sigma) * self.xp.tan(math.pi * (u - 0.5)))

"""``mg.special``: the torch.special names, so code written against that namespace runs as is.

Most entries are the same function objects as the top-level ops (``gammaln`` is ``mg.lgamma``,
``expit`` is ``mg.sigmoid``, ``psi`` is ``mg.digamma``); the math lives in ops/gamma.py,
ops/special.py and the elementwise files. softmax/log_softmax take torch.special's ``dtype``
keyword. Not provided: the Bessel J/Y/K families and the
orthogonal polynomials.
"""
from __future__ import annotations

from typing import Any

from .ops.activation import erf, erfc
from .ops.activation_basic import sigmoid as expit
from .ops.elementwise_more import logit, xlogy
from .ops.gamma import digamma, lgamma as gammaln, mvlgamma as multigammaln, polygamma, zeta
from .ops.incomplete_gamma import igamma as gammainc, igammac as gammaincc
from .ops.reduction import logsumexp
from .ops.rounding import round  # noqa: A004
from .ops.softmax import log_softmax as _log_softmax, softmax as _softmax
from .ops.special import (entr, erfcx, erfinv, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri,
                          xlog1py)
from .ops.trig import sinc
from .ops.unary_math import exp2, expm1, log1p
from .tensor import Tensor

psi = digamma
modified_bessel_i0 = i0
modified_bessel_i1 = i1


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """torch.special.softmax: softmax along ``dim``, after casting to ``dtype`` when given."""
    return _softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """torch.special.log_softmax: log-softmax along ``dim``, after casting to ``dtype``."""
    return _log_softmax(input if dtype is None else input.to(dtype), dim)


__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "modified_bessel_i0", "modified_bessel_i1",
           "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
           "xlog1py", "xlogy", "zeta"]

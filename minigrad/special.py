"""``mg.special``: the torch.special names, so code written against that namespace runs as is.

Most entries are the same function objects as the top-level ops (``gammaln`` is ``mg.lgamma``,
``expit`` is ``mg.sigmoid``, ``psi`` is ``mg.digamma``); the math lives in ops/gamma.py,
ops/special.py and the elementwise files. softmax/log_softmax take torch.special's ``dtype``
keyword. The Bessel J/Y/K functions, spherical j0 and Airy Ai live in ops/special_bessel.py,
the orthogonal polynomials in ops/orthogonal_polynomials.py.
"""
from __future__ import annotations

from typing import Any

from .ops.activation import erf, erfc
from .ops.activation_basic import sigmoid as expit
from .ops.elementwise_more import logit, xlogy
from .ops.gamma import digamma, lgamma as gammaln, mvlgamma as multigammaln, polygamma, zeta
from .ops.incomplete_gamma import igamma as gammainc, igammac as gammaincc
from .ops.orthogonal_polynomials import (chebyshev_polynomial_t, chebyshev_polynomial_u,
                                         chebyshev_polynomial_v, chebyshev_polynomial_w,
                                         hermite_polynomial_h, hermite_polynomial_he,
                                         laguerre_polynomial_l, legendre_polynomial_p,
                                         shifted_chebyshev_polynomial_t,
                                         shifted_chebyshev_polynomial_u,
                                         shifted_chebyshev_polynomial_v,
                                         shifted_chebyshev_polynomial_w)
from .ops.reduction import logsumexp
from .ops.rounding import round  # noqa: A004
from .ops.softmax import log_softmax as _log_softmax, softmax as _softmax
from .ops.special_bessel import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1,
                                 modified_bessel_k0, modified_bessel_k1,
                                 scaled_modified_bessel_k0, scaled_modified_bessel_k1,
                                 spherical_bessel_j0)
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


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2",
           "expit", "expm1", "gammainc", "gammaincc", "gammaln", "hermite_polynomial_h",
           "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "sinc", "softmax",
           "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]

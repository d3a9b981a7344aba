"""``PoissonNLLLoss`` and ``GaussianNLLLoss``: layer forms of ``ops/probabilistic_loss.py``."""
from __future__ import annotations

from typing import Any

from ..ops.probabilistic_loss import gaussian_nll_loss, poisson_nll_loss
from ..tensor import Tensor
from .loss import _Loss


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of counts under a predicted Poisson rate (log-rate by default)."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average: Any = None,
                 eps: float = 1e-8, reduce: Any = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood under a predicted mean and variance (learned uncertainty)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                 reduction=self.reduction)

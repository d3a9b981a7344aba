"""``CTCLoss``: the layer form of ``ops/ctc_loss.py``."""
from __future__ import annotations

from typing import Any

from ..ops.ctc_loss import ctc_loss
from ..tensor import Tensor
from .loss import _Loss


class CTCLoss(_Loss):
    """Connectionist temporal classification: sequence targets without frame alignments."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)

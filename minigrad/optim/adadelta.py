"""Adadelta: steps scaled by the ratio of running RMS of past updates to that of gradients,
so the units of the update match the parameter's (lr is a plain multiplier, 1.0 by default).

Per parameter, with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p
    v = rho * v + (1 - rho) * g * g
    delta = sqrt(u + eps) / sqrt(v + eps) * g     (eps inside both roots, as PyTorch)
    u = rho * u + (1 - rho) * delta * delta
    p = p - lr * delta
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import zeros_state
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler), step for step the same as ``torch.optim.Adadelta``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1.0,
                 rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0, *,
                 maximize: bool = False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "eps", "weight_decay")
        self._check_number(group, "rho", 0.0, 1.0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = zeros_state(p)
                    state["acc_delta"] = zeros_state(p)
                state["step"] += 1
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                v, u = state["square_avg"].array, state["acc_delta"].array
                v *= rho
                v += (1.0 - rho) * g * g
                std = xp.sqrt(v + eps)
                delta = xp.sqrt(u + eps)
                delta /= std
                delta *= g
                u *= rho
                u += (1.0 - rho) * delta * delta
                p.array += -lr * delta
        return loss

"""RMSprop, with PyTorch's placement of eps (outside the root), centring and momentum.

Per parameter, with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p                      (L2 penalty folded into the gradient)
    v = alpha * v + (1 - alpha) * g * g           (running mean of squared gradients)
    centered:  gbar = lerp(gbar, g, 1 - alpha);   avg = sqrt(v - gbar * gbar) + eps
    otherwise: avg = sqrt(v) + eps
    momentum > 0:  buf = momentum * buf + g / avg;   p = p - lr * buf
    otherwise:     p = p - lr * g / avg
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import lerp_, zeros_state
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """Scale each step by a running RMS of the gradient, step for step ``torch.optim.RMSprop``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
            centered, maximize = bool(group["centered"]), bool(group["maximize"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = zeros_state(p)
                    if momentum > 0:
                        state["momentum_buffer"] = zeros_state(p)
                    if centered:
                        state["grad_avg"] = zeros_state(p)
                state["step"] += 1
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                v = state["square_avg"].array
                v *= alpha
                v += (1.0 - alpha) * g * g
                if centered:
                    if "grad_avg" not in state:  # centered switched on mid-run
                        state["grad_avg"] = zeros_state(p)
                    gbar = state["grad_avg"].array
                    lerp_(xp, gbar, g, 1.0 - alpha)
                    avg = xp.sqrt(v - gbar * gbar)
                else:
                    avg = xp.sqrt(v)
                avg += eps
                if momentum > 0:
                    if "momentum_buffer" not in state:  # momentum switched on mid-run
                        state["momentum_buffer"] = zeros_state(p)
                    buf = state["momentum_buffer"].array
                    buf *= momentum
                    buf += g / avg
                    p.array -= lr * buf
                else:
                    p.array += (-lr * g) / avg
        return loss

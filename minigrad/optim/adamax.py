"""Adamax: Adam with the infinity norm in place of the second moment.

Per parameter, at step t (counting from 1), with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p
    m = lerp(m, g, 1 - beta1)
    u = max(beta2 * u, |g| + eps)                 (eps inside the max, as PyTorch)
    p = p - lr / (1 - beta1**t) * m / u
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import check_betas, lerp_, zeros_state
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, section 7), step for step the same as ``torch.optim.Adamax``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "eps", "weight_decay")
        check_betas("Adamax", group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = (float(b) for b in group["betas"])
            weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = zeros_state(p)
                    state["exp_inf"] = zeros_state(p)
                if maximize:
                    g = -g
                state["step"] += 1
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                m, u = state["exp_avg"].array, state["exp_inf"].array
                lerp_(xp, m, g, 1.0 - beta1)
                u *= beta2
                bound = xp.abs(g)
                bound += eps
                xp.maximum(u, bound, out=u)
                clr = lr / (1.0 - beta1 ** state["step"])
                p.array += (-clr * m) / u
        return loss

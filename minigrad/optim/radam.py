"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is
bounded, with PyTorch's rectification term and threshold (rho_t > 5).

Per parameter, at step t (counting from 1), with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p                      (or, decoupled: p = p * (1 - lr * weight_decay))
    m = lerp(m, g, 1 - beta1);   v = beta2 * v + (1 - beta2) * g * g
    rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
    rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                p = p - lr * m / (1 - beta1**t) * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
    otherwise:  p = p - lr * m / (1 - beta1**t)   (plain momentum SGD while v is unreliable)
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import check_betas, lerp_, zeros_state
from .optimizer import Optimizer


class RAdam(Optimizer):
    """Rectified Adam (Liu et al.), step for step the same as ``torch.optim.RAdam``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "eps", "weight_decay")
        check_betas("RAdam", group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = (float(b) for b in group["betas"])
            weight_decay = float(group["weight_decay"])
            decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                if maximize:
                    g = -g
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    if decoupled:
                        p.array *= 1.0 - lr * weight_decay
                    else:
                        g = g + weight_decay * p.array
                m, v = state["exp_avg"].array, state["exp_avg_sq"].array
                lerp_(xp, m, g, 1.0 - beta1)
                v *= beta2
                v += (1.0 - beta2) * g * g
                bias_correction2 = 1.0 - beta2 ** step
                corrected = m / (1.0 - beta1 ** step)
                rho_inf = 2.0 / (1.0 - beta2) - 1.0
                rho_t = rho_inf - 2.0 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                            / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
                    std = xp.sqrt(v)
                    std += eps
                    p.array -= corrected * lr * (bias_correction2 ** 0.5 / std) * rect
                else:
                    p.array -= corrected * lr
        return loss

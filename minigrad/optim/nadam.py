"""NAdam: Adam with Nesterov momentum, with PyTorch's momentum-decay schedule for beta1.

Per parameter, at step t (counting from 1), with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p                      (or, decoupled: p = p * (1 - lr * weight_decay))
    mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_product = mu_1 * ... * mu_t                (kept in float32, as PyTorch keeps it)
    m = lerp(m, g, 1 - beta1);   v = beta2 * v + (1 - beta2) * g * g
    denom = sqrt(v / (1 - beta2**t)) + eps
    p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
          - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import check_betas, float32, lerp_, scalar, zeros_state
from .optimizer import Optimizer


class NAdam(Optimizer):
    """Nesterov-accelerated Adam (Dozat), step for step the same as ``torch.optim.NAdam``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "eps", "weight_decay", "momentum_decay")
        check_betas("NAdam", group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = (float(b) for b in group["betas"])
            weight_decay = float(group["weight_decay"])
            momentum_decay = float(group["momentum_decay"])
            decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
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
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = float32(scalar(state["mu_product"]) * float32(mu))
                state["mu_product"] = mu_product
                m, v = state["exp_avg"].array, state["exp_avg_sq"].array
                lerp_(xp, m, g, 1.0 - beta1)
                v *= beta2
                v += (1.0 - beta2) * g * g
                denom = xp.sqrt(v / (1.0 - beta2 ** step))
                denom += eps
                p.array += (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
                p.array += (-lr * mu_next / (1.0 - mu_product * mu_next)) * m / denom
        return loss

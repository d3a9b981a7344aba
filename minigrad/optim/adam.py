"""Adam and AdamW, with PyTorch's placement of weight decay, bias correction and eps.

Per parameter, at step t (counting from 1), with g its gradient (negated when ``maximize``):

    Adam:  g = g + weight_decay * p               (L2 penalty inside the moments)
    AdamW: p = p * (1 - lr * weight_decay)        (decoupled: never touches the moments)
    m = m + (1 - beta1) * (g - m)                 (lerp towards g)
    v = beta2 * v + (1 - beta2) * g * g
    vmax = max(vmax, v)   and use vmax for v      if amsgrad
    denom = sqrt(v) / sqrt(1 - beta2**t) + eps    (eps outside the square root, after correction)
    p = p - (lr / (1 - beta1**t)) * m / denom
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import check_betas, zeros_state
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adaptive moments, step for step the same as ``torch.optim.Adam``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "eps", "weight_decay")
        check_betas(type(self).__name__, group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            amsgrad, maximize = bool(group["amsgrad"]), bool(group["maximize"])
            decoupled = bool(group["decoupled_weight_decay"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_state(p)
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
                bias_correction1 = 1.0 - beta1 ** step
                bias_correction2 = 1.0 - beta2 ** step
                step_size = lr / bias_correction1
                fused = None if amsgrad else p.backend.kernel("adam_update")
                if fused is not None:  # one GPU kernel doing exactly the lines below
                    fused(p.array, g, m, v, weight=1.0 - beta1, beta2=beta2,
                          bc2_sqrt=bias_correction2 ** 0.5, eps=eps, step_size=step_size)
                    continue

                # m.lerp_(g, 1 - beta1), in the two-branch form PyTorch's lerp uses.
                weight = 1.0 - beta1
                tmp = g - m
                if weight < 0.5:
                    tmp *= weight
                    m += tmp
                else:
                    tmp *= 1.0 - weight
                    xp.subtract(g, tmp, out=m)
                # v = beta2 * v + ((1 - beta2) * g) * g
                v *= beta2
                xp.multiply(g, 1.0 - beta2, out=tmp)
                tmp *= g
                v += tmp
                if amsgrad:
                    if "max_exp_avg_sq" not in state:  # amsgrad switched on mid-run
                        state["max_exp_avg_sq"] = zeros_state(p)
                    v_max = state["max_exp_avg_sq"].array
                    xp.maximum(v_max, v, out=v_max)
                    v = v_max
                denom = xp.sqrt(v, out=tmp)
                denom /= bias_correction2 ** 0.5
                denom += eps
                update = m * -step_size
                update /= denom
                p.array += update
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)

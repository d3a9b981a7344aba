"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and shrink
when it flips; only the gradient's sign moves the parameter.

Per parameter, with g its gradient (negated when ``maximize``) and g_prev the last one used:

    s = sign(g * g_prev)
    step_size = clamp(step_size * (etaplus if s > 0, etaminus if s < 0, else 1),
                      step_size_min, step_size_max)
    g = 0 where s < 0                             (a flip: skip this coordinate once)
    p = p - sign(g) * step_size;   g_prev = g

As in PyTorch, every step size starts at the group's lr on the first step; later changes
of lr (e.g. by a scheduler) do not affect them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import check_pair, zeros_state
from .optimizer import Optimizer


class Rprop(Optimizer):
    """Resilient backpropagation, step for step the same as ``torch.optim.Rprop``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, maximize: bool = False):
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr")
        etas = check_pair("Rprop", "etas", group["etas"])
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: invalid eta values: {etas[0]!r}, {etas[1]!r} (need "
                             "0 < etaminus < 1 < etaplus)")
        group["etas"] = etas
        group["step_sizes"] = check_pair("Rprop", "step_sizes", group["step_sizes"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = (float(e) for e in group["etas"])
            step_min, step_max = (float(s) for s in group["step_sizes"])
            maximize = bool(group["maximize"])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["prev"] = zeros_state(p)
                    state["step_size"] = Tensor._make(
                        xp.full_like(p.array, float(group["lr"])), p.device)
                state["step"] += 1
                g = -g if maximize else g.copy()
                prev, step_size = state["prev"].array, state["step_size"].array
                sign = xp.sign(g * prev)
                factor = xp.ones_like(step_size)
                factor[sign > 0] = etaplus
                factor[sign < 0] = etaminus
                step_size *= factor
                xp.clip(step_size, step_min, step_max, out=step_size)
                g[sign < 0] = 0
                p.array -= xp.sign(g) * step_size
                prev[...] = g
        return loss

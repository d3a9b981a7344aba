"""Adagrad, with PyTorch's learning-rate decay, accumulator start value and eps placement.

Per parameter, at step t (counting from 1), with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p                      (L2 penalty folded into the gradient)
    clr = lr / (1 + (t - 1) * lr_decay)
    s = s + g * g                                 (s starts at initial_accumulator_value)
    p = p - clr * g / (sqrt(s) + eps)
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Per-coordinate steps that shrink with the gradients seen so far (``torch.optim.Adagrad``).

    As in PyTorch, the accumulator ``sum`` is created when the optimizer is built
    (so it is in the state_dict before the first step), filled with
    ``initial_accumulator_value``. Also as in PyTorch, that is the constructor's
    value for every group: a group's own ``initial_accumulator_value`` is kept in
    the group but does not change its accumulator.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *,
                 maximize: bool = False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                            "eps")

    def _init_state(self, p: Tensor) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = 0
        fill = float(self.defaults["initial_accumulator_value"])  # PyTorch ignores the group's
        state["sum"] = Tensor._make(p.xp.full_like(p.array, fill), p.device)
        return state

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p, g in self._updates(group):
                state = self.state[p]
                if "sum" not in state:  # a group added after construction
                    state = self._init_state(p)
                state["step"] += 1
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                s = state["sum"].array
                s += g * g
                std = p.xp.sqrt(s)
                std += eps
                p.array += (-clr * g) / std
        return loss

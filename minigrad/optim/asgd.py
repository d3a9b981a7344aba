"""ASGD: SGD with a decaying step and a running (Polyak) average ``ax`` of the iterates,
which is the model to evaluate once averaging has started (step > t0).

Per parameter, at step t (counting from 1), with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p
    p = p * (1 - lambd * eta) - eta * g
    ax = ax + mu * (p - ax)   (ax = p while mu == 1)
    eta = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

``eta`` and ``mu`` are per-parameter scalars rounded to float32, as PyTorch keeps them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import float32, scalar, zeros_state
from .optimizer import Optimizer


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky), step for step the same as ``torch.optim.ASGD``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "weight_decay")
        for key in ("lambd", "alpha", "t0"):  # PyTorch takes any real number here
            self._check_number(group, key, low=-float("inf"))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr, lambd, alpha = float(group["lr"]), float(group["lambd"]), float(group["alpha"])
            t0, weight_decay = float(group["t0"]), float(group["weight_decay"])
            maximize = bool(group["maximize"])
            for p, g in self._updates(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["eta"] = float32(lr)
                    state["mu"] = 1.0
                    state["ax"] = zeros_state(p)
                if maximize:
                    g = -g
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                eta, mu = scalar(state["eta"]), scalar(state["mu"])
                p.array *= 1.0 - lambd * eta
                p.array -= eta * g
                ax = state["ax"].array
                if mu != 1.0:
                    ax += (p.array - ax) * mu
                else:
                    ax[...] = p.array
                state["eta"] = float32(lr / ((1.0 + lambd * lr * step) ** alpha))
                state["mu"] = float32(1.0 / max(1.0, step - t0))
        return loss

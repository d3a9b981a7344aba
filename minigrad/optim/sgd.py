"""Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay.

Per parameter, with g its gradient (negated when ``maximize``):

    g = g + weight_decay * p                      (L2 penalty folded into the gradient)
    buf = g                                       on the first step (no dampening!)
    buf = momentum * buf + (1 - dampening) * g    afterwards
    g = g + momentum * buf  if nesterov  else  buf
    p = p - lr * g
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """Plain, momentum or Nesterov SGD, step for step the same as ``torch.optim.SGD``."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "momentum", "dampening", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening, "
                             f"got momentum={group['momentum']}, dampening={group['dampening']}")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 under NumPy 2's promotion rules.
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov, maximize = bool(group["nesterov"]), bool(group["maximize"])
            for p, g in self._updates(group):
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._make(g.copy(), p.device)
                        state["momentum_buffer"] = buf
                    else:
                        b = buf.array
                        b *= momentum
                        if dampening == 0:
                            b += g
                        else:
                            b += (1.0 - dampening) * g
                    g = g + momentum * buf.array if nesterov else buf.array
                p.array -= lr * g
        return loss

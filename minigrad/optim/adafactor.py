"""Adafactor: Adam-like steps with a factored second moment (a row and a column statistic
per matrix instead of one per element), so the optimizer state is tiny for large layers.

PyTorch 2.13's variant, per parameter p (g its gradient, negated when ``maximize``), at
step t counting from 1, with eps1 = machine epsilon of p's dtype when ``eps[0]`` is None:

    beta2_t = 1 - t ** beta2_decay            (the weight of the new statistics)
    rho = min(lr, 1 / sqrt(t)),  alpha = max(eps2, RMS(p)) * rho
    p = p * (1 - lr * weight_decay)
    2-D and up:  r = lerp(r, mean(g^2 over the last dim), 1 - beta2_t)
                 c = lerp(c, mean(g^2 over dim -2), 1 - beta2_t)
                 v = r @ c / max(mean(r over dim -2), eps1)
    0-D / 1-D:   v = lerp(v, g^2, 1 - beta2_t)
    u = g / sqrt(max(v, eps1^2)),  p = p - alpha / max(1, RMS(u) / d) * u
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from ..tensor import Tensor
from ._update_helpers import lerp_, scalar, zeros_state
from .optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018) as ``torch.optim.Adafactor``, step for step.
    ``foreach`` is accepted for compatibility; there is one implementation."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 beta2_decay: float = -0.8, eps: tuple = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False):
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "weight_decay")
        decay = group["beta2_decay"]
        if isinstance(decay, bool) or not isinstance(decay, numbers.Real):
            raise TypeError(f"Adafactor: beta2_decay must be a number, got {type(decay).__name__}")
        if not decay <= 0.0:
            raise ValueError(f"Adafactor: beta2_decay should be <= 0 but is: {decay}")
        eps = group["eps"]
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise TypeError(f"Adafactor: eps must be a pair (eps1 or None, eps2), got {eps!r}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"Adafactor: epsilon1 should be >= 0 but is: {eps[0]}")
        if eps[1] is None or not 0.0 <= eps[1]:
            raise ValueError(f"Adafactor: epsilon2 should be >= 0 but is: {eps[1]}")
        group["eps"] = (eps[0], eps[1])
        if not 1.0 <= group["d"]:
            raise ValueError(f"Adafactor: clipping threshold d should be >= 1 but is: "
                             f"{group['d']}")

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As ``Optimizer.load_state_dict``, but the factored statistics (``row_var``,
        ``col_var``) have the shapes of a row and a column of the parameter, not its own."""
        state = state_dict.get("state") if isinstance(state_dict, Mapping) else None
        if not isinstance(state, Mapping) or not isinstance(state_dict.get("param_groups"), list):
            return super().load_state_dict(state_dict)
        factored, stripped = {}, {}
        for key, entry in state.items():
            if isinstance(entry, Mapping):
                factored[key] = dict(entry)
                entry = {k: v for k, v in entry.items() if k not in _FACTORED}
            stripped[key] = entry
        super().load_state_dict(dict(state_dict, state=stripped))
        index = {}
        for saved, group in zip(state_dict["param_groups"], self.param_groups):
            index.update(zip(saved["params"], group["params"]))
        for key, entry in factored.items():
            p = index[key]
            loaded = self.state[p]
            merged = {}
            for k, v in entry.items():
                merged[k] = _factored(k, v, p) if k in _FACTORED else loaded[k]
            self.state[p] = merged
        return None

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, decay, d = float(group["lr"]), float(group["beta2_decay"]), float(group["d"])
            weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            eps1_given, eps2 = group["eps"][0], float(group["eps"][1])
            for p, g in self._updates(group):
                xp = p.xp
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    if p.ndim > 1:
                        state["row_var"] = Tensor._make(
                            xp.zeros(p.shape[:-1] + (1,), dtype=p.dtype), p.device)
                        state["col_var"] = Tensor._make(
                            xp.zeros(p.shape[:-2] + (1, p.shape[-1]), dtype=p.dtype), p.device)
                    else:
                        state["variance"] = zeros_state(p)
                if maximize:
                    g = -g
                eps1 = float(xp.finfo(p.dtype).eps) if eps1_given is None else float(eps1_given)
                step = scalar(state["step"]) + 1
                state["step"] = step
                beta2_weight = step ** decay
                rho = min(lr, 1.0 / math.sqrt(step))
                numel = max(p.array.size, 1)
                rms_p = float(xp.sqrt((p.array * p.array).sum())) / math.sqrt(p.array.size) \
                    if p.array.size else 0.0
                alpha = max(eps2, rms_p) * rho
                if weight_decay != 0:
                    p.array *= 1.0 - lr * weight_decay
                if p.ndim > 1:
                    row, col = state["row_var"].array, state["col_var"].array
                    sq = g * g
                    row_mean = xp.sqrt(sq.sum(axis=-1, keepdims=True)) ** 2 / g.shape[-1]
                    col_mean = xp.sqrt(sq.sum(axis=-2, keepdims=True)) ** 2 / g.shape[-2]
                    lerp_(xp, row, row_mean.astype(p.dtype, copy=False), beta2_weight)
                    lerp_(xp, col, col_mean.astype(p.dtype, copy=False), beta2_weight)
                    estimate = row @ col
                    estimate /= xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
                else:
                    variance = state["variance"].array
                    lerp_(xp, variance, g * g, beta2_weight)
                    estimate = variance.copy()
                update = 1.0 / xp.sqrt(xp.maximum(estimate, eps1 * eps1))
                update *= g
                rms_u = float(xp.sqrt((update * update).sum())) / (math.sqrt(numel) * d)
                denom = max(1.0, rms_u)
                p.array += (-alpha / denom) * update
        return loss


_FACTORED = ("row_var", "col_var")


def _factored(key: str, value: Any, p: Tensor) -> Tensor:
    """A loaded ``row_var``/``col_var``: checked against ``p``'s shape, on ``p``'s device and
    dtype, private to this optimizer."""
    expected = p.shape[:-1] + (1,) if key == "row_var" else p.shape[:-2] + (1, p.shape[-1])
    if not isinstance(value, Tensor) or tuple(value.shape) != tuple(expected):
        shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(f"Adafactor.load_state_dict: state {key!r} has shape {shape} but a "
                         f"parameter of shape {tuple(p.shape)} needs {tuple(expected)}")
    array = value.array
    if value.device != p.device:
        array = p.backend.asarray(value.backend.to_numpy(array))
    return Tensor._make(array.astype(p.dtype, copy=True), p.device)

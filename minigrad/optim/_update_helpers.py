"""Small pieces shared by the optimizers (Adam's family, RMSprop, Rprop, ASGD): a zero state
buffer shaped like a parameter, PyTorch's two-branch lerp, its float32 scalar state, and the
check of a pair of hyperparameters (``betas``, ``etas``, ``step_sizes``)."""
from __future__ import annotations

import numbers
import struct
from typing import Any

from ..tensor import Tensor


def zeros_state(p: Tensor) -> Tensor:
    """A state buffer (moment, accumulator) for parameter ``p``: zeros of its shape, dtype,
    memory order and device."""
    return Tensor._make(p.xp.zeros_like(p.array), p.device)


def lerp_(xp: Any, m: Any, g: Any, weight: float) -> None:
    """``m.lerp_(g, weight)`` in place, in the two-branch form PyTorch's lerp kernel uses
    (so the rounding, and with it the trajectory, is the same)."""
    if weight < 0.5:
        m += weight * (g - m)
    else:
        xp.subtract(g, (g - m) * (1.0 - weight), out=m)


def float32(value: float) -> float:
    """``value`` rounded to float32, as a Python float.

    PyTorch keeps some per-parameter scalars (NAdam's ``mu_product``, ASGD's ``eta`` and
    ``mu``) in float32 0-d tensors whatever the parameters' dtype; rounding the same way
    keeps the float64 trajectories identical to its own, not merely close.
    """
    return struct.unpack("f", struct.pack("f", float(value)))[0]


def scalar(value: Any) -> float:
    """A state scalar as a Python float, whether stored here (a float) or loaded from a
    PyTorch checkpoint (a 0-d tensor)."""
    return float(value.item()) if hasattr(value, "item") else float(value)


def check_pair(name: str, key: str, value: Any) -> tuple[float, float]:
    """``value`` is a pair of real numbers (``betas``, ``etas``, ``step_sizes``)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2 or \
            not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        raise TypeError(f"{name}: {key} must be a pair of numbers, got {value!r}")
    return (value[0], value[1])


def check_betas(name: str, group: dict[str, Any]) -> None:
    """Both betas in [0, 1), as PyTorch's Adam family requires; stored as a tuple."""
    betas = check_pair(name, "betas", group["betas"])
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta!r} "
                             "(must be in [0, 1))")
    group["betas"] = betas

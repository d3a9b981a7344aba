"""Broadcasting in one place: the shape rule for forward, and its adjoint for backward."""
from __future__ import annotations

from typing import Any

from ..errors import ShapeError


def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """NumPy's broadcasting rule, with an error that names the op and the shapes."""
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(-ndim, 0):
        size = 1
        for s in shapes:
            d = s[axis] if -axis <= len(s) else 1
            if d != 1:
                if size != 1 and d != size:
                    raise ShapeError(
                        f"{op}: shapes {' and '.join(str(tuple(x)) for x in shapes)} cannot be "
                        f"broadcast together (dimension {axis}: {size} vs {d})")
                size = d
        result.append(size)
    return tuple(result)


def sum_to_shape(grad: Any, shape: tuple) -> Any:
    """The adjoint of broadcasting: sum ``grad`` over the axes that were stretched to fit."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = grad.sum(dim=axes, keepdim=True)
    return grad.reshape(shape)

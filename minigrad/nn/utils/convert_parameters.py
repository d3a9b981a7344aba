"""Parameters as one flat vector and back: for methods that treat a model's weights as a point
in R^n (second-order optimizers, weight averaging, evolution strategies)."""
from __future__ import annotations

from typing import Iterable

from ...tensor import Tensor


def _param_list(parameters: Tensor | Iterable[Tensor], op: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expected an iterable of Tensors, but element {i} is "
                            f"{type(p).__name__}")
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise TypeError(f"{op}: found parameters on different devices ({sorted(devices)}), which "
                        "is not supported")
    return params


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated, in order; differentiable, as in PyTorch."""
    from ...ops import cat
    params = _param_list(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """Make each parameter a view of its slice of ``vec`` (PyTorch assigns ``param.data``).

    As in PyTorch the parameters then share memory with ``vec``. One difference: a
    ``vec`` of another dtype is converted (so a float32 model stays float32), which
    makes the parameters copies rather than views.
    """
    op = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{op}: expected vec to be a Tensor, but got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"{op}: expected a 1-D vec, got shape {tuple(vec.shape)}")
    params = _param_list(parameters, op)
    total = sum(p.numel() for p in params)
    if vec.shape[0] != total:
        raise ValueError(f"{op}: vec has {vec.shape[0]} elements but the parameters have "
                         f"{total} ({[tuple(p.shape) for p in params]})")
    if params and vec.device != params[0].device:
        raise TypeError(f"{op}: vec is on {vec.device} but the parameters are on "
                        f"{params[0].device}")
    offset = 0
    for p in params:
        n = p.numel()
        chunk = vec.array[offset:offset + n].reshape(p.shape)
        if chunk.dtype != p.dtype:
            chunk = chunk.astype(p.dtype)
        p.array = chunk  # graphs that saved the old array keep its (unchanged) values
        offset += n

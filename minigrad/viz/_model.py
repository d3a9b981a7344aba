"""Shared model plumbing for the pictures: which layers, which input, eval mode, hooks.

Everything here works with any object that has ``named_modules()`` and
``register_forward_hook`` (``nn.Module``), so the viz layer needs nothing
from ``nn`` beyond its public interface.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from ..tensor import Tensor


def model_dtype_device(model: Any) -> tuple[Any, str]:
    """The dtype and device of the model's first floating parameter (float32 on cpu if none)."""
    from .. import dtypes
    params = getattr(model, "parameters", None)
    if callable(params):
        for p in params():
            if p.dtype.kind == "f":
                return p.dtype, p.device
    return dtypes.get_default_dtype(), "cpu"


def as_batch(model: Any, image: Any, op: str, single: bool = True) -> Tensor:
    """One image as a (1, C, H, W) batch in the model's dtype and device.

    Accepts (H, W), (C, H, W) or (1, C, H, W); a Tensor, NumPy array or list.
    ``single=False`` takes the model's input as it is (a batch of any shape), only
    adding the batch dimension to a single (C, H, W) image.
    """
    from ..creation import tensor as make_tensor
    dtype, device = model_dtype_device(model)
    if isinstance(image, Tensor):
        x = image.detach()
        if x.dtype.kind != "f":
            x = x.to(dtype)
    else:
        from ._figure import to_host
        x = make_tensor(to_host(image), dtype=dtype, device=device)
    if not single:
        return x.reshape(1, *x.shape) if x.ndim == 3 else x
    if x.ndim == 2:
        x = x.reshape(1, 1, *x.shape)
    elif x.ndim == 3:
        x = x.reshape(1, *x.shape)
    elif x.ndim != 4:
        raise ValueError(f"{op}: expected one image of shape (H, W), (C, H, W) or (1, C, H, W), "
                         f"got shape {tuple(x.shape)}")
    if x.shape[0] != 1:
        raise ValueError(f"{op}: expected one image, got a batch of {x.shape[0]} (shape "
                         f"{tuple(x.shape)}); pass image[i]")
    return x


@contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Run in eval mode (dropout off, batch-norm running stats), then restore the mode."""
    was_training = getattr(model, "training", None)
    if callable(getattr(model, "eval", None)):
        model.eval()
    try:
        yield
    finally:
        if was_training and callable(getattr(model, "train", None)):
            model.train(True)


def named_modules(model: Any, op: str) -> list[tuple[str, Any]]:
    """``model.named_modules()`` without the root, or a clear error for a non-module."""
    if not callable(getattr(model, "named_modules", None)):
        raise TypeError(f"{op}: expected an nn.Module (something with named_modules() and "
                        f"register_forward_hook), got {type(model).__name__}")
    return [(name, m) for name, m in model.named_modules() if name]


def is_leaf(module: Any) -> bool:
    children = getattr(module, "children", None)
    return not callable(children) or next(iter(children()), None) is None


def resolve_layers(model: Any, layers: Any, op: str) -> list[tuple[str, Any]]:
    """Named modules for ``layers``: names, modules, a single one of either, or None (leaves)."""
    table = named_modules(model, op)
    if layers is None:
        return [(name, m) for name, m in table if is_leaf(m)]
    if isinstance(layers, str) or not isinstance(layers, Sequence):
        layers = [layers]
    by_name = dict(table)
    by_id = {id(m): name for name, m in table}
    chosen = []
    for layer in layers:
        if isinstance(layer, str):
            if layer not in by_name:
                raise ValueError(f"{op}: the model has no layer named {layer!r}; its layers are "
                                 f"{[n for n, _ in table]}")
            chosen.append((layer, by_name[layer]))
        elif id(layer) in by_id:
            chosen.append((by_id[id(layer)], layer))
        else:
            raise ValueError(f"{op}: {type(layer).__name__} is not a submodule of the model; "
                             "pass a layer name or one of model.modules()")
    return chosen


@contextmanager
def hooked(layers: list[tuple[str, Any]], record: Callable[[str, Any, Any], None]
           ) -> Iterator[None]:
    """Call ``record(name, module, output)`` after each layer's forward; unhook on exit."""
    handles = []
    try:
        for name, module in layers:
            handles.append(module.register_forward_hook(
                lambda m, args, out, _name=name: record(_name, m, out)))
        yield
    finally:
        for h in handles:
            h.remove()

"""``weight_norm`` / ``remove_weight_norm``: PyTorch's original (forward pre-hook) weight
normalisation, w = g * v / ||v||, which decouples a weight's length from its direction.

The layer's ``weight`` parameter is replaced by ``weight_g`` (the norm, one per slice along
``dim``) and ``weight_v`` (the direction); before every forward the hook rebuilds ``weight``
from them as a plain tensor, so gradients flow to g and v. ``norm_except_dim`` and
``weight_norm_of`` are shared with ``parametrizations.weight_norm``.
"""
from __future__ import annotations

from typing import Any

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """The ``pow``-norm of every slice of ``v`` along ``dim``, kept broadcastable to ``v``
    (shape 1 on every other dim); ``dim=-1`` means one norm of the whole tensor (a 0-d
    tensor), PyTorch's convention for ``weight_norm(dim=None)``."""
    if dim == -1:
        return (v.abs() ** pow).sum() ** (1.0 / pow) if pow != 2 else (v * v).sum().sqrt()
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight of shape "
                         f"{tuple(v.shape)}")
    dim = dim % v.ndim
    axes = tuple(d for d in range(v.ndim) if d != dim)
    if not axes:  # a 1-D v along its only dim: each element is its own slice (sum(dim=())
        return v.abs()  # would reduce everything)
    if pow == 2:
        return (v * v).sum(dim=axes, keepdim=True).sqrt()
    return (v.abs() ** pow).sum(dim=axes, keepdim=True) ** (1.0 / pow)


def weight_norm_of(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """w = g * v / ||v|| with the norm taken as ``norm_except_dim(v, 2, dim)``."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``; also what ``remove_weight_norm`` looks for."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        return weight_norm_of(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                              self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> "WeightNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                                   f"{name}")
        if dim is None:
            dim = -1
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
        if getattr(weight, "is_uninitialized", False):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "weight normalization")
        fn = WeightNorm(name, dim)
        with no_grad():
            g = norm_except_dim(weight.detach(), 2, dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` (Salimans & Kingma), which often
    speeds up training; ``dim=None`` uses one norm for the whole tensor. Returns ``module``."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Fold g and v back into a plain ``<name>`` parameter (e.g. before export)."""
    return remove_reparametrization_hook(module, WeightNorm, name, "weight_norm")


def remove_reparametrization_hook(module: Module, kind: type, name: str, what: str) -> Module:
    """Undo the ``kind`` forward pre-hook (weight_norm, spectral_norm) on ``module.<name>``:
    the hook folds its current weight back into a plain parameter and is unregistered."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")

"""``fuse_modules``: replace runs of layers by one layer that computes the same thing faster
(PyTorch's ``torch.ao.quantization.fuse_modules`` signature and placement rule).

Each listed run's first layer is replaced by the fused layer and the others by ``Identity``,
so a ``Sequential`` keeps its length and indices, and the parameters keep their names in the
``state_dict``. The runs it knows:

- (Conv2d, ReLU, MaxPool2d(2)) -> ``nn.ConvReLUMaxPool2d`` (training and inference; the same
  parameter objects, so an optimizer made before still updates them);
- (Conv2d, BatchNorm2d) and (Linear, BatchNorm1d), in eval mode -> the layer with the
  BatchNorm folded into its weights (``fuse_conv_bn_eval`` / ``fuse_linear_bn_eval``).

``modules_to_fuse=None`` (a minigrad extension) fuses every (Conv2d, ReLU, MaxPool2d) run
inside a ``Sequential`` that ``ConvReLUMaxPool2d`` supports, and leaves the rest alone.
"""
from __future__ import annotations

import copy
from typing import Any

from ..containers import Identity, Sequential
from ..module import Module
from .fusion import FusionError, fuse_conv_bn_eval, fuse_linear_bn_eval


def _fuse_run(layers: list) -> Module:
    """The one layer that replaces ``layers``."""
    from ..conv import Conv2d
    from ..conv_relu_pool import ConvReLUMaxPool2d
    from ..linear import Linear
    from ..normalization import BatchNorm1d, BatchNorm2d
    kinds = tuple(type(layer) for layer in layers)
    if len(layers) == 3 and kinds[0] is Conv2d:
        return ConvReLUMaxPool2d.fuse(*layers)
    if kinds == (Conv2d, BatchNorm2d):
        return fuse_conv_bn_eval(*layers)
    if kinds == (Linear, BatchNorm1d):
        return fuse_linear_bn_eval(*layers)
    names = ", ".join(kind.__name__ for kind in kinds)
    raise FusionError(f"fuse_modules: no fusion for ({names}); supported: (Conv2d, ReLU, "
                      f"MaxPool2d), (Conv2d, BatchNorm2d) and (Linear, BatchNorm1d)")


def _set_submodule(model: Module, name: str, layer: Module) -> None:
    parent, _, last = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, last, layer)


def _conv_relu_pool_runs(model: Module) -> list:
    """Every run of three consecutive children of a Sequential that ConvReLUMaxPool2d takes."""
    from ..conv_relu_pool import why_not_fusable
    runs = []
    for prefix, module in model.named_modules():
        if not isinstance(module, Sequential):
            continue
        children = list(module.named_children())
        i = 0
        while i + 3 <= len(children):
            names, layers = zip(*children[i:i + 3])
            if why_not_fusable(*layers) is None:
                runs.append([f"{prefix}.{n}" if prefix else n for n in names])
                i += 3
            else:
                i += 1
    return runs


def fuse_modules(model: Module, modules_to_fuse: Any = None, inplace: bool = False) -> Module:
    """Fuse each run of layers named in ``modules_to_fuse`` (a list of names, or a list of such
    lists: ``[["0", "1", "2"], ["3", "4", "5"]]``) into one; ``None`` finds the
    (Conv2d, ReLU, MaxPool2d) runs. Returns the fused model: ``model`` itself with
    ``inplace=True``, else a deep copy (whose parameters are new objects)."""
    if not inplace:
        model = copy.deepcopy(model)
    if modules_to_fuse is None:
        runs = _conv_relu_pool_runs(model)
    elif modules_to_fuse and all(isinstance(name, str) for name in modules_to_fuse):
        runs = [list(modules_to_fuse)]
    else:
        runs = [list(run) for run in modules_to_fuse]
    for run in runs:
        if len(run) < 2 or not all(isinstance(name, str) for name in run):
            raise FusionError(f"fuse_modules: each run is a list of two or more module names, "
                              f"got {run!r}")
        layers = [model.get_submodule(name) for name in run]
        _set_submodule(model, run[0], _fuse_run(layers))
        for name in run[1:]:
            _set_submodule(model, name, Identity())
    return model

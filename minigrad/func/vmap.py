"""``vmap``: torch.func.vmap's names, arguments and results, computed by a Python loop.

minigrad has no batching rules, so ``vmap(f)(x)`` runs ``f`` once per slice of ``x`` along
its ``in_dims`` and stacks the results along ``out_dims``. That gives torch's values, shapes
and gradients (the slicing and stacking are differentiable ops, so ``grad(vmap(f))`` and
``vmap(grad(f))`` both work), but not its speed: the cost is ``batch_size`` calls of ``f``.
It also means ``f`` may do things a batching rule would refuse (``.item()``, data-dependent
control flow) -- torch would raise where minigrad does not.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from ..creation import zeros
from ..ops import stack
from ..tensor import Tensor
from . import _randomness
from ._pytree import same_structure, spec_str, tree_flatten, tree_unflatten
from .transforms import _check_chunk


def _is_dim(d: Any) -> bool:
    return isinstance(d, int) and not isinstance(d, bool)


def _broadcast(dims: Any, value: Any, label: str, what: str, whose: str) -> list:
    """One dim (int or None) per leaf of ``value``: ``dims`` is a prefix of its structure (an
    int or None applies to a whole subtree)."""
    if dims is None or _is_dim(dims):
        return [dims] * len(tree_flatten(value)[0])
    if not isinstance(dims, (tuple, list, dict)):
        raise ValueError(f"{label}: expected `{what}` to be int or a (potentially nested) tuple "
                         f"matching the structure of {whose}, got: {type(dims)}.")
    fits = (isinstance(dims, dict) and isinstance(value, dict) and list(dims) == list(value)
            or not isinstance(dims, dict) and isinstance(value, (tuple, list))
            and len(dims) == len(value))
    if not fits:
        raise ValueError(f"{label}: {what} is not compatible with the structure of `{whose}`. "
                         f"{what} has structure {spec_str(tree_flatten(dims)[1])} but {whose} "
                         f"has structure {spec_str(tree_flatten(value)[1])}.")
    if isinstance(dims, dict):
        return [d for k in value for d in _broadcast(dims[k], value[k], label, what, whose)]
    return [d for sub, v in zip(dims, value) for d in _broadcast(sub, v, label, what, whose)]


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return a is b or (tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype and
                          bool(a.xp.array_equal(a.array, b.array)))
    return not isinstance(a, Tensor) and not isinstance(b, Tensor) and a == b


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """``func`` mapped over a batch dimension: ``in_dims`` says which dim of each positional
    argument is the batch (an int for all, or a tuple matching the arguments, nested for
    containers; ``None`` passes an argument whole to every call), ``out_dims`` where the batch
    dim goes in each output. Keyword arguments are passed whole, as in torch.

    This is a loop, correct but not fast: ``func`` runs once per slice and the results are
    stacked (``chunk_size`` is accepted and changes nothing). ``randomness``: ``'different'``
    is what a loop gives (each slice draws its own numbers); ``'same'`` restores the global
    random state saved before the first slice ahead of every slice, so every slice draws the
    same numbers (the state afterwards is as after one call); ``'error'`` (the default) raises
    if a call drew from the global random streams (draws from an explicit ``generator=`` are
    not seen). A batch of size 0 runs ``func`` once on a zero-filled slice to learn the output
    shapes, and returns empty outputs."""
    _randomness.check_randomness(randomness, "vmap")
    _check_chunk(chunk_size, "vmap")
    fname = getattr(func, "__name__", type(func).__name__)

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        label = f"vmap({fname}, in_dims={in_dims}, ...)(<inputs>)"
        if not (_is_dim(in_dims) or isinstance(in_dims, tuple)):
            raise ValueError(f"{label}: expected `in_dims` to be int or a (potentially nested) "
                             f"tuple matching the structure of inputs, got: {type(in_dims)}.")
        leaves, spec = tree_flatten(args)
        dims = _broadcast(in_dims if _is_dim(in_dims) else tuple(in_dims), args, label,
                          "in_dims", "inputs")
        sizes = []
        for a, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(a, Tensor):
                raise ValueError(f"{label}: Got in_dim={d} for an input but the input is of type "
                                 f"{type(a)}. We cannot vmap over non-Tensor arguments, please "
                                 "use None as the respective in_dim")
            if not -a.ndim <= d < max(a.ndim, 0) or a.ndim == 0:
                raise ValueError(f"{label}: Got in_dim={d} for some input, but that input is a "
                                 f"Tensor of dimensionality {a.ndim} so expected in_dim to "
                                 f"satisfy -{a.ndim} <= in_dim < {a.ndim}.")
            sizes.append(a.shape[d])
        if not sizes:
            raise ValueError(f"{label}: at least one input must be a Tensor mapped over (an "
                             "in_dim that is not None); got none, so there is no batch size")
        if len(set(sizes)) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        batch = sizes[0]
        slices = [None if d is None else a.unbind(d) if batch else
                  (zeros(*(s for i, s in enumerate(a.shape) if i != d % a.ndim),
                         dtype=a.dtype, device=a.device),)
                  for a, d in zip(leaves, dims)]
        state = _randomness.snapshot() if randomness != "different" else None
        results = []
        for i in range(max(batch, 1)):
            if randomness == "same":
                _randomness.restore(state)
            call = [a if s is None else s[i] for a, s in zip(leaves, slices)]
            results.append(func(*tree_unflatten(spec, call), **kwargs))
            if randomness == "error" and _randomness.moved(state, _randomness.snapshot()):
                raise RuntimeError(_randomness.error_message("vmap"))
        return _stack_outputs(results, out_dims, fname, batch)
    return wrapped


def _stack_outputs(results: list, out_dims: Any, fname: str, batch: int) -> Any:
    label = f"vmap({fname}, ..., out_dims={out_dims})(<inputs>)"
    first, spec = tree_flatten(results[0])
    per_call = [first]
    for r in results[1:]:
        leaves, other = tree_flatten(r)
        if not same_structure(other, spec):
            raise ValueError(f"vmap({fname}, ...): `{fname}` returned {spec_str(other)} for one "
                             f"slice and {spec_str(spec)} for another; every call must return "
                             "the same structure")
        per_call.append(leaves)
    if not (_is_dim(out_dims) or out_dims is None or isinstance(out_dims, (tuple, list))):
        raise ValueError(f"{label}: expected `out_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of outputs, got: {type(out_dims)}.")
    dims = _broadcast(out_dims, results[0], label, "out_dims", "outputs")
    outs = []
    for j, d in enumerate(dims):
        values = [leaves[j] for leaves in per_call]
        if d is None:
            if batch and not all(_same_value(values[0], v) for v in values[1:]):
                raise ValueError(f"vmap({fname}, ...): `{fname}` can not return a BatchedTensor "
                                 f"when out_dim is None (output {j} differs between slices)")
            outs.append(values[0])
            continue
        if not isinstance(values[0], Tensor):
            raise ValueError(f"vmap({fname}, ...): `{fname}` must only return Tensors, got type "
                             f"{type(values[0])}. Did you mean to set out_dims= to None for "
                             "output?")
        shapes = sorted({tuple(v.shape) for v in values})
        if len(shapes) > 1:
            raise RuntimeError(f"vmap({fname}, ...): output {j} has different shapes for "
                               f"different slices ({shapes}); they cannot be stacked")
        ndim = values[0].ndim + 1
        if not -ndim <= d < ndim:
            raise IndexError(f"{label}: out_dim {d} is out of range for output {j}, which has "
                             f"{ndim} dims with the batch dim (expected to be in range of "
                             f"[{-ndim}, {ndim - 1}])")
        if batch:
            outs.append(stack(values, dim=d))
        else:
            shape = list(values[0].shape)
            shape.insert(d % ndim, 0)
            outs.append(zeros(*shape, dtype=values[0].dtype, device=values[0].device))
    return tree_unflatten(spec, outs)

"""``Optimizer``: parameter groups, per-parameter state, and a PyTorch-shaped state_dict.

Subclasses only write ``step`` (the update rule) and ``_check_group`` (which
hyperparameters are legal). Everything about bookkeeping lives here, so SGD and
Adam read as their equations.
"""
from __future__ import annotations

import copy
import numbers
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Iterator

from ..tensor import Tensor, bump_version
from ..hooks import RemovableHandle, hook_ids
from .step_hooks import (register_optimizer_step_post_hook,  # noqa: F401  (PyTorch's place)
                         register_optimizer_step_pre_hook, with_step_hooks)


class _Required:
    """Marks a hyperparameter with no default (PyTorch's ``optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Holds parameter groups and their state; subclasses implement ``step``.

    ``param_groups`` is a list of dicts, each with a ``'params'`` list and its own
    copy of every hyperparameter (missing ones come from ``defaults``), so one
    optimizer can train different layers at different learning rates.
    ``state[p]`` is a dict of buffers for parameter ``p`` (momentum, moments, step).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every optimizer's own ``step`` runs the step hooks (``step_hooks.py``)."""
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = with_step_hooks(cls.__dict__["step"])

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, but got a "
                            f"single Tensor of shape {tuple(params.shape)}; wrap it in a list")
        if isinstance(params, (Mapping, str, bytes)):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts (one per "
                            f"parameter group), but got {type(params).__name__}")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, but got "
                            f"{type(params).__name__}") from None
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list (did the model register any "
                             "parameters?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # --- groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add parameters with their own hyperparameters (e.g. a new layer to fine-tune)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got "
                            f"{type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be given in an ordered collection; a set's "
                            "order changes between runs. Use a list.")
        else:
            try:
                params = list(params)
            except TypeError:
                raise TypeError(f"{name}: a group's 'params' should be an iterable of Tensors, got "
                                f"{type(params).__name__}") from None
        seen: set[int] = set()
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape "
                                 f"{tuple(p.shape)}); optimize the leaf it was computed from")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating-point Tensors, got {p.dtype} "
                                f"of shape {tuple(p.shape)}")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter of shape {tuple(p.shape)} appears twice in "
                                 "one parameter group")
            seen.add(id(p))
        group = {"params": params}
        for key, value in param_group.items():
            if key != "params":
                group[key] = value
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key!r}")
            group.setdefault(key, default)
        for other in self.param_groups:
            if any(id(p) in seen for p in other["params"]):
                raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError/TypeError for illegal hyperparameters (overridden per optimizer)."""

    def _check_number(self, group: dict[str, Any], key: str, low: float = 0.0,
                      high: float | None = None, high_open: bool = False) -> None:
        """Shared check: ``group[key]`` is a real number in [low, high] (or [low, high))."""
        value = group[key]
        name = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name}: {key} must be a number, got {type(value).__name__}")
        ok = value >= low and (high is None or (value < high if high_open else value <= high))
        if not ok:  # also catches NaN
            bound = f">= {low}" if high is None else f"in [{low}, {high}{')' if high_open else ']'}"
            raise ValueError(f"{name}: invalid {key} value {value!r} (must be {bound})")

    def _check_numbers(self, group: dict[str, Any], *keys: str) -> None:
        """Each of ``keys`` a real number >= 0: the common case of every optimizer's check."""
        for key in keys:
            self._check_number(group, key)

    # --- the training-loop API -----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last backward, which would otherwise add up."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (implemented by each optimizer)."""
        raise NotImplementedError

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> Any:
        """``hook(optimizer, args, kwargs)`` before each ``step``; it may return a new
        ``(args, kwargs)``. Returns a handle whose ``remove()`` unregisters it."""
        return self._add_step_hook("_step_pre_hooks", hook)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> Any:
        """``hook(optimizer, args, kwargs)`` after each ``step``."""
        return self._add_step_hook("_step_post_hooks", hook)

    def _add_step_hook(self, registry: str, hook: Callable[..., Any]) -> Any:
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}: a step hook must be callable, got "
                            f"{type(hook).__name__}")
        hooks = self.__dict__.setdefault(registry, OrderedDict())
        hook_id = next(hook_ids)
        hooks[hook_id] = hook
        return RemovableHandle(hooks, hook_id)

    def _evaluate(self, closure: Callable[[], Any] | None) -> Any:
        """Run the optional closure with grad enabled (PyTorch's contract for step(closure))."""
        if closure is None:
            return None
        from ..autograd import enable_grad
        with enable_grad():
            return closure()

    def _updates(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, Any]]:
        """``(p, gradient array)`` for each parameter of ``group`` that has a gradient, which the
        caller then writes in place: so its memory version is bumped first, and a graph that
        saved ``p`` before this step refuses to run backward with the new values."""
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad_array(p)
            bump_version(p.array)
            yield p, g

    def _grad_array(self, p: Tensor) -> Any:
        """``p.grad``'s array, after checking it can update ``p`` in place."""
        grad = p.grad
        if tuple(grad.shape) != tuple(p.shape) or grad.device != p.device:
            raise RuntimeError(f"{type(self).__name__}.step: a parameter of shape {tuple(p.shape)} "
                               f"on {p.device} has a gradient of shape {tuple(grad.shape)} on "
                               f"{grad.device}")
        return grad.array

    # --- checkpoints ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state, with parameters replaced by their position (PyTorch's layout).

        ``{'state': {0: {...}, 1: {...}}, 'param_groups': [{..., 'params': [0, 1]}]}``;
        positions count through the groups in order, so the dict can be loaded into
        an optimizer built the same way over a fresh copy of the model. As in
        PyTorch, the state tensors are the live buffers: save or copy them.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Resume from ``state_dict()``; buffers are copied to each parameter's device and dtype."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups' entries, got {_describe(state_dict)}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the loaded state dict has "
                             f"{len(saved_groups)} parameter groups, this optimizer has "
                             f"{len(self.param_groups)}")
        by_index: dict[Any, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, Mapping) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has no 'params'")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} of the loaded state "
                                 f"dict has {len(saved['params'])} parameters, this optimizer's "
                                 f"has {len(group['params'])}")
            by_index.update(zip(saved["params"], group["params"]))

        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, saved_state in state_dict["state"].items():
            if key not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter {key!r}, which no "
                                 f"parameter group lists (known: {sorted(by_index, key=str)})")
            p = by_index[key]
            new_state[p] = {k: _adopt(name, k, v, p) for k, v in saved_state.items()}

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            merged = {"params": group["params"]}
            merged.update((k, v) for k, v in group.items() if k != "params")
            merged.update((k, copy.deepcopy(v)) for k, v in saved.items() if k != "params")
            if isinstance(merged.get("betas"), list):  # a checkpoint may store tuples as lists
                merged["betas"] = tuple(merged["betas"])
            self._check_group(merged)
            new_groups.append(merged)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _describe(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return f"a dict with keys {sorted(map(str, obj))}"
    return type(obj).__name__


def _adopt(name: str, key: str, value: Any, p: Tensor) -> Any:
    """A loaded state entry, made private to this optimizer and matched to ``p``."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if key == "step":  # PyTorch keeps the step count in a tensor; minigrad keeps a number
        number = value.item()
        return int(number) if float(number).is_integer() else number
    if value.ndim > 0 and tuple(value.shape) != tuple(p.shape):
        raise ValueError(f"{name}.load_state_dict: state {key!r} has shape {tuple(value.shape)} "
                         f"but its parameter has shape {tuple(p.shape)}")
    array = value.array
    if value.device != p.device:
        array = p.backend.asarray(value.backend.to_numpy(array))
    dtype = p.dtype if array.dtype.kind == "f" else array.dtype
    return Tensor._make(array.astype(dtype, copy=True), p.device)

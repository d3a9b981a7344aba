"""``Function``: one differentiable operation, its forward and its backward side by side.

Built-in ops and users' own layers are written the same way::

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    y = Square.apply(x)

``forward`` receives Tensors and runs with recording off. It may return a Tensor
or a backend array (built-in ops compute on ``x.array`` for speed). ``backward``
receives and returns Tensors; because it is written with tensor ops it can
itself be differentiated (``create_graph=True``). An op whose backward works on
raw arrays sets ``once_differentiable = True`` and refuses double backward.
The Function instance is the ``ctx`` and also the graph node (``grad_fn``).
"""
from __future__ import annotations

from typing import Any

from ..backend import float_errors_are_ignored, float_errors_ignored, get_backend
from ..tensor import Tensor, memory_version  # defined before minigrad.tensor imports the ops
from .anomaly import forward_stack, is_anomaly_enabled
from .grad_mode import _set_enabled, is_grad_enabled


class Function:
    """Base class of every differentiable operation (see the module docstring)."""

    once_differentiable = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A backward decorated with ``@once_differentiable`` marks the whole op."""
        super().__init_subclass__(**kwargs)
        backward = cls.__dict__.get("backward")
        if getattr(backward, "once_differentiable", False) or \
                getattr(getattr(backward, "__func__", None), "once_differentiable", False):
            cls.once_differentiable = True

    __slots__ = ("needs_input_grad", "parents", "_saved", "_versions", "freed", "hooks",
                 "n_outputs", "output_meta", "__dict__", "__weakref__")

    def __init__(self) -> None:
        self.needs_input_grad: tuple = ()
        self.parents: tuple = ()
        self._saved: tuple = ()
        self._versions: tuple = ()
        self.freed = False
        self.hooks: dict | None = None
        self.n_outputs = 1
        self.output_meta: tuple = ()

    # --- what forward hands to backward ---------------------------------------
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep these (inputs or other tensors) for backward; freed after backward. Their memory
        must not be written in place before then (backward checks)."""
        self._saved = tensors
        if self.parents:  # recorded in the graph (apply sets parents first): backward will run
            self._versions = tuple(memory_version(t.array) if isinstance(t, Tensor) else 0
                                   for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self.freed:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time, but its saved "
                "tensors were freed after the first backward. Pass retain_graph=True to the first "
                "backward() if you need to call it again.")
        for i, (t, version) in enumerate(zip(self._saved, self._versions)):
            if isinstance(t, Tensor) and memory_version(t.array) != version:
                raise RuntimeError(
                    f"{self.name}: saved tensor {i} (shape {tuple(t.shape)}, {t.dtype}) was "
                    f"modified in place after the forward pass saved it (version {version}, now "
                    f"{memory_version(t.array)}), so its gradient would be wrong. Make that "
                    "change out of place (y = y * 2), or after backward().")
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (as forward returns them) that get no gradient, such as indices:
        they come out with ``requires_grad=False``."""
        self.__dict__.setdefault("non_differentiable", []).extend(outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """``False``: backward receives ``None`` (not zeros) for outputs that got no gradient."""
        self.__dict__["materialize_grads"] = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        """PyTorch's way to modify an input in place inside a Function. minigrad does not
        record in-place operations in the graph, so it refuses: return a new tensor instead."""
        raise RuntimeError(f"{self.name}: mark_dirty is not supported (minigrad does not record "
                           "in-place operations in the graph); compute a new output in forward "
                           "instead of modifying an input")

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    # --- the two halves an op defines -----------------------------------------
    @staticmethod
    def forward(ctx: "Function", *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: "Function", *grads: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    # --- running it --------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward and, if any input needs a gradient, record this node in the graph."""
        ctx = cls()
        device = None
        needs = []
        for a in args:
            if isinstance(a, Tensor):
                if device is None:
                    device = a.device
                elif a.device != device:
                    raise RuntimeError(
                        f"{ctx.name}: expected all tensors on the same device, got {device} and "
                        f"{a.device}. Move them with .to('{device}') or .to('{a.device}').")
                needs.append(a._requires_grad)
            else:
                needs.append(False)
        ctx.needs_input_grad = tuple(needs)
        enabled = is_grad_enabled()
        record = enabled and any(needs)
        if record:  # before forward, so that save_for_backward knows backward will run
            ctx.parents = tuple(_edge(a) if need else None for a, need in zip(args, needs))

        _set_enabled(False)  # forward computes on arrays; nothing inside it is recorded
        try:
            if float_errors_are_ignored():  # inside a backward pass or another op already
                raw = cls.forward(ctx, *args, **kwargs)
            else:
                with float_errors_ignored():  # IEEE results (inf, nan) without NumPy's warnings
                    raw = cls.forward(ctx, *args, **kwargs)
        finally:
            _set_enabled(enabled)

        single = not isinstance(raw, tuple)
        outputs = (_as_output(raw, device),) if single else \
            tuple(_as_output(o, device) for o in raw)
        if record:
            ctx.n_outputs = len(outputs)
            ctx.output_meta = tuple((o.shape, o.dtype) for o in outputs)
            constant = ctx.__dict__.get("non_differentiable", ())
            if is_anomaly_enabled():
                ctx.forward_stack = forward_stack()
            for i, o in enumerate(outputs):
                if any((raw[i] if not single else raw) is c for c in constant):
                    continue
                if o.array.dtype.kind == "f":  # only floating outputs carry gradients
                    o._requires_grad = True
                    o.grad_fn = ctx
                    o._output_nr = i
        return outputs[0] if single else outputs


def once_differentiable(backward: Any) -> Any:
    """Decorate a Function's ``backward`` (under ``@staticmethod``) that works on raw arrays:
    the op then refuses double backward with a clear error (PyTorch's decorator)."""
    backward.once_differentiable = True
    return backward


def _as_output(obj: Any, device: str | None) -> Any:
    """Wrap a backend array returned by forward as a Tensor (Tensors pass through)."""
    if isinstance(obj, Tensor):
        # Always a fresh Tensor: forward may hand back one of its inputs, which must not be
        # turned into this node's output.
        return obj.detach()
    if obj is None:
        return None
    device = device or "cpu"
    if obj.ndim == 0 and not get_backend(device).is_array(obj):
        obj = get_backend(device).xp.asarray(obj)  # NumPy's full reductions return scalars
    return Tensor._make(obj, device)


def _edge(tensor: Any) -> tuple:
    """Where a gradient for ``tensor`` goes: its producing node, or the leaf itself."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (None, tensor)

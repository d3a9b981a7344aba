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
from . import graph as _graph
from .anomaly import forward_stack, is_anomaly_enabled
from .grad_mode import _state as _grad_mode


class Function:
    """Base class of every differentiable operation (see the module docstring)."""

    once_differentiable = False
    # True for an op whose gradient is constant in its inputs between kinks (relu, max
    # pooling): under create_graph=True the engine then records that gradient as a function of
    # the inputs with a zero derivative, so differentiating it again gives zeros (as PyTorch's
    # formulas do) instead of "input was not used" (see ``_ZeroSlope`` in engine.py).
    piecewise_linear = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A backward decorated with ``@once_differentiable`` marks the whole op; a class that
        defines ``setup_context`` has a ``forward`` without ``ctx``."""
        super().__init_subclass__(**kwargs)
        backward = cls.__dict__.get("backward")
        if getattr(backward, "once_differentiable", False) or \
                getattr(getattr(backward, "__func__", None), "once_differentiable", False):
            cls.once_differentiable = True
        cls._separate_setup = cls.setup_context is not Function.setup_context
        # minigrad's own ops may leave trailing None gradients out; a user's Function must
        # return one per input, as in PyTorch (a forgotten one would silently be None)
        cls._exact_grad_count = not cls.__module__.startswith("minigrad.")

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
            if isinstance(t, (Tensor, _SavedOutput)) and memory_version(t.array) != version:
                raise RuntimeError(
                    f"{self.name}: saved tensor {i} (shape {tuple(t.shape)}, {t.dtype}) was "
                    f"modified in place after the forward pass saved it (version {version}, now "
                    f"{memory_version(t.array)}), so its gradient would be wrong. Make that "
                    "change out of place (y = y * 2), or after backward().")
        if self.__dict__.get("unpacks_saved"):  # outputs and hooked tensors (see apply)
            return tuple(t.unpack(self) if isinstance(t, _SavedOutput) else
                         _unpacked(t) if isinstance(t, _graph.Packed) else t
                         for t in self._saved)
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (as forward returns them) that get no gradient, such as indices:
        they come out with ``requires_grad=False``."""
        self.__dict__.setdefault("non_differentiable", []).extend(outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """``False``: backward receives ``None`` (not zeros) for outputs that got no gradient."""
        self.__dict__["materialize_grads"] = bool(value)

    # --- the graph around this node (PyTorch's Node API) ----------------------------------
    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per input of forward: the node that made it, an
        ``AccumulateGrad`` for a leaf that requires grad, ``(None, 0)`` for the others."""
        return tuple((None, 0) if e is None else (AccumulateGrad(e[1]), 0) if e[0] is None
                     else e for e in self.parents)

    def register_prehook(self, hook: Any) -> Any:
        """``hook(grad_outputs) -> new grad_outputs or None``, called before this node's
        backward (after the output tensors' own hooks). Returns a handle with ``remove()``."""
        from ..hooks import RemovableHandle
        hooks = self.__dict__.setdefault("pre_hooks", [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_hook(self, hook: Any) -> Any:
        """``hook(grad_inputs, grad_outputs) -> new grad_inputs or None``, called after this
        node's backward. Returns a handle with ``remove()``."""
        from ..hooks import RemovableHandle
        hooks = self.__dict__.setdefault("post_hooks", [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

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

    @staticmethod
    def setup_context(ctx: "Function", inputs: tuple, output: Any) -> None:
        """PyTorch's other style: define this and a ``forward(*args)`` without ``ctx``; it is
        called after forward with the inputs (defaults filled in) and forward's output, to
        save what backward needs."""
        raise NotImplementedError("setup_context is only called on a Function that defines it")

    # --- running it --------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward and, if any input needs a gradient, record this node in the graph.
        Keyword arguments are inputs too, after the positional ones (as in PyTorch): backward
        returns a gradient for each, in that order."""
        ctx = cls()
        device = None
        needs = []
        inputs = args + tuple(kwargs.values()) if kwargs else args
        for a in inputs:
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
        enabled = _grad_mode.enabled  # this thread's grad mode (read inline: apply is hot)
        record = enabled and any(needs)
        if record:  # before forward, so that save_for_backward knows backward will run
            ctx.parents = tuple(_edge(a) if need else None for a, need in zip(inputs, needs))

        _grad_mode.enabled = False  # forward computes on arrays; nothing inside is recorded
        try:
            if cls._separate_setup:
                raw = _forward_then_setup(cls, ctx, args, kwargs)
            elif float_errors_are_ignored():  # inside a backward pass or another op already
                raw = cls.forward(ctx, *args, **kwargs)
            else:
                with float_errors_ignored():  # IEEE results (inf, nan) without NumPy's warnings
                    raw = cls.forward(ctx, *args, **kwargs)
        finally:
            _grad_mode.enabled = enabled

        single = not isinstance(raw, tuple)
        outputs = (_as_output(raw, device),) if single else \
            tuple(_as_output(o, device) for o in raw)
        if record:
            ctx.n_outputs = len(outputs)
            ctx.output_meta = tuple((o.shape, o.dtype) if isinstance(o, Tensor) else None
                                    for o in outputs)
            constant = ctx.__dict__.get("non_differentiable", ())
            if is_anomaly_enabled():
                ctx.forward_stack = forward_stack()
            for i, o in enumerate(outputs):
                if any((raw[i] if not single else raw) is c for c in constant):
                    continue
                if isinstance(o, Tensor) and o.array.dtype.kind == "f":  # only floating
                    # outputs carry gradients; other values (ints, None) pass through
                    o._requires_grad = True
                    o.grad_fn = ctx
                    o._output_nr = i
            if ctx._saved:
                # (built-in ops return arrays: only a forward returning Tensors saves an output)
                if isinstance(raw, Tensor) if single else any(isinstance(r, Tensor) for r in raw):
                    _link_saved_outputs(ctx, (raw,) if single else raw, outputs, inputs)
                if _graph.active and _graph.current_hooks():  # saved_tensors_hooks
                    ctx._saved = _graph.pack_saved(ctx._saved, _graph.current_hooks())
                    ctx.__dict__["unpacks_saved"] = True
        return outputs[0] if single else outputs


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the step that adds into ``variable.grad``."""

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @property
    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)


class _SavedOutput:
    """An output of a node that its forward saved for backward. Unpacked, it is that output
    with the node as its grad_fn, as in PyTorch, so a backward written with tensor ops can be
    differentiated through it (double backward); kept as its array meanwhile, so that no
    reference cycle (output -> node -> output) holds the graph's memory."""

    __slots__ = ("array", "device", "nr")

    def __init__(self, output: Tensor) -> None:
        self.array, self.device, self.nr = output.array, output.device, output._output_nr

    @property
    def shape(self) -> tuple:
        return self.array.shape

    @property
    def dtype(self) -> Any:
        return self.array.dtype

    def unpack(self, node: "Function") -> Tensor:
        t = Tensor._make(self.array, self.device)
        t._requires_grad, t.grad_fn, t._output_nr = True, node, self.nr
        return t


def _unpacked(packed: "_graph.Packed") -> Any:
    t = packed.unpack(packed.value)
    if not isinstance(t, Tensor):
        raise TypeError(f"saved_tensors_hooks: the unpack hook returned a "
                        f"{type(t).__name__}, not a Tensor")
    return t


def _link_saved_outputs(ctx: Function, raw: tuple, outputs: tuple, inputs: tuple) -> None:
    """Saved tensors that are forward's own (differentiable) outputs become ``_SavedOutput``s."""
    saved = list(ctx._saved)
    for k, t in enumerate(saved):
        if not isinstance(t, Tensor) or any(t is a for a in inputs):
            continue
        for r, o in zip(raw, outputs):
            if t is r and isinstance(o, Tensor) and o.grad_fn is ctx:
                saved[k] = _SavedOutput(o)
                ctx.__dict__["unpacks_saved"] = True
    ctx._saved = tuple(saved)


def once_differentiable(backward: Any) -> Any:
    """Decorate a Function's ``backward`` (under ``@staticmethod``) that works on raw arrays:
    the op then refuses double backward with a clear error (PyTorch's decorator)."""
    backward.once_differentiable = True
    return backward


def _forward_then_setup(cls: type, ctx: Function, args: tuple, kwargs: dict) -> Any:
    """The ``setup_context`` style: ``forward`` without ``ctx``, then ``setup_context`` with
    the inputs as forward's signature binds them (defaults filled in) and the output."""
    import inspect
    with float_errors_ignored():
        raw = cls.forward(*args, **kwargs)
    bound = inspect.signature(cls.forward).bind(*args, **kwargs)
    bound.apply_defaults()
    cls.setup_context(ctx, tuple(bound.args), raw)
    return raw


def _as_output(obj: Any, device: str | None) -> Any:
    """Wrap a backend array returned by forward as a Tensor (Tensors pass through; other
    values, such as ints or None, are returned as they are, as in PyTorch)."""
    if isinstance(obj, Tensor):
        # Always a fresh Tensor: forward may hand back one of its inputs, which must not be
        # turned into this node's output.
        return obj.detach()
    if not hasattr(obj, "ndim"):  # not an array or NumPy scalar
        return obj
    device = device or "cpu"
    if obj.ndim == 0 and not get_backend(device).is_array(obj):
        obj = get_backend(device).xp.asarray(obj)  # NumPy's full reductions return scalars
    return Tensor._make(obj, device)


def _edge(tensor: Any) -> tuple:
    """Where a gradient for ``tensor`` goes: its producing node, or the leaf itself."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (None, tensor)

"""``Parameter``: a tensor that a ``Module`` treats as one of its learnable weights.

Assigning a ``Parameter`` to a module attribute registers it, so it shows up in
``parameters()``, ``state_dict()`` and the optimizer. A plain ``Tensor`` assigned
the same way is just an attribute; that difference is the whole point of the class.
"""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is registered by ``Module.__setattr__``."""

    def __init__(self, data: Any = None, requires_grad: bool = True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if isinstance(data, Tensor):
            # Share memory with ``data``, as PyTorch does: Parameter(t) wraps t's storage.
            self.array = data.array
            self.device = data.device
        else:
            Tensor.__init__(self, data)
        self._requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._hooks = None
        if requires_grad:
            if self.array.dtype.kind != "f":
                raise RuntimeError(
                    f"Parameter: only floating-point tensors can require gradients, got "
                    f"{self.array.dtype} of shape {tuple(self.shape)}; pass requires_grad=False "
                    "or convert the data with .float()")
            self._requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo: dict) -> "Parameter":
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self.array.copy(), self.device), self.requires_grad)
        if self.grad is not None:
            out.grad = Tensor._make(self.grad.array.copy(), self.grad.device)
        memo[id(self)] = out
        return out


def parameter_dtype(dtype: Any, layer: str) -> Any:
    """The dtype a layer's new parameters get: the default float dtype unless ``dtype`` says
    otherwise, and never an integer one (it could not hold a gradient)."""
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype):
        raise TypeError(f"{layer}: parameters need a floating dtype, got {dtype}")
    return dtype


class Buffer(Tensor):
    """Module state that is not trained (running statistics, masks, constants): assigning a
    ``Buffer`` to a module attribute registers it as ``register_buffer`` would, ``persistent``
    deciding whether ``state_dict`` saves it (PyTorch's ``nn.Buffer``). The module keeps a
    plain tensor sharing the data's memory."""

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            data = Tensor(data)
        self.array, self.device = data.array, data.device  # shares memory, as Parameter(t)
        self._requires_grad, self.grad, self.grad_fn = False, None, None
        self._output_nr, self._hooks = 0, None
        self.persistent = bool(persistent)

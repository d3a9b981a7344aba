"""Lazy modules: layers whose input size is read from the first batch instead of being given
(``LazyLinear(out_features)``, ``LazyConv2d(out_channels, kernel_size)``, ``LazyBatchNorm2d()``,
...), as in PyTorch.

Until the first forward, the parameters are ``UninitializedParameter`` objects (and running
statistics ``UninitializedBuffer``). A forward pre-hook sizes them from the input
(``materialize``), runs the layer's usual initialisation, and turns the module into its
regular class (``LazyLinear`` -> ``Linear``). Materialising keeps each parameter object, so
an optimizer built before the first forward works, as in PyTorch:
it steps the same, now sized, tensors; its per-parameter state is created at the first
``step()`` as usual. ``load_state_dict`` into an unmaterialised module takes the shapes from
the checkpoint (a checkpoint of an unmaterialised module leaves it lazy), as PyTorch.
"""
from __future__ import annotations

import itertools
from typing import Any

from .. import dtypes
from ..creation import empty, tensor
from ..tensor import Tensor
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .batchnorm3d import BatchNorm3d
from .parameter import Parameter, parameter_dtype


# --- uninitialised tensors ----------------------------------------------------------------------
class _Uninitialized:
    """What both placeholders share: ``materialize`` gives them a shape (keeping the object)."""

    __slots__ = ()
    is_uninitialized = True
    cls_to_become: type = Tensor

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Become a regular tensor of ``shape`` (values uninitialised, as ``torch.empty``)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        made = empty(*shape, dtype=self.dtype if dtype is None else dtype,
                     device=self.device if device is None else device)
        self.array, self.device = made.array, made.device
        self.__class__ = self.cls_to_become

    def detach(self) -> Any:
        # state_dict() keeps the placeholder itself, as PyTorch's lazy modules do.
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet; a lazy module materialises it."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None):
        dtype = parameter_dtype(dtype, "UninitializedParameter")
        Parameter.__init__(self, empty(0, dtype=dtype, device=device), requires_grad)

    def __deepcopy__(self, memo: dict) -> "UninitializedParameter":
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer (running statistics) whose shape is not known yet."""

    __slots__ = ()

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None):
        made = empty(0, dtype=dtypes.get_default_dtype() if dtype is None else dtype,
                     device=device)
        self.array, self.device = made.array, made.device
        self._requires_grad, self.grad, self.grad_fn = False, None, None
        self._output_nr, self._hooks = 0, None

    def __deepcopy__(self, memo: dict) -> "UninitializedBuffer":
        if id(self) not in memo:
            memo[id(self)] = UninitializedBuffer(device=self.device, dtype=self.dtype)
        return memo[id(self)]


def is_lazy(t: Any) -> bool:
    """Whether ``t`` is a parameter or buffer still waiting for its shape."""
    return isinstance(t, _Uninitialized)


# --- the mixin ----------------------------------------------------------------------------------
def _infer_parameters(module: Module, args: tuple) -> None:
    """The forward pre-hook: size the parameters from ``args``, then become the regular class."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._sync_sizes()
    module.__dict__.pop("_initialize_hook").remove()
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """Mixed in before a layer class: its parameters are sized on the first forward."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """Whether any own parameter or buffer still waits for its shape."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def _sync_sizes(self) -> None:
        """Set the size attribute (in_features, in_channels, num_features) from the weights,
        e.g. after ``load_state_dict`` gave them their shapes."""

    def _pre_load_state_dict(self, state_dict: Any, prefix: str) -> None:
        """Called by ``Module.load_state_dict`` before copying: take the checkpoint's shapes."""
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if t is not None and is_lazy(t) and key in state_dict:
                value = state_dict[key]
                if not is_lazy(value) and hasattr(value, "shape"):
                    t.materialize(tuple(value.shape))
        if not self.has_uninitialized_params():
            self._sync_sizes()


def _check_size(value: Any, name: str, layer: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")


def _input(args: tuple, layer: str, min_ndim: int) -> Tensor:
    if not args or not isinstance(args[0], Tensor):
        got = type(args[0]).__name__ if args else "no input"
        raise TypeError(f"{layer}: expected a Tensor input to infer the parameter shapes, got "
                        f"{got}")
    if args[0].ndim < min_ndim:
        raise ValueError(f"{layer}: expected an input with at least {min_ndim} dimensions to "
                         f"infer the parameter shapes, got shape {tuple(args[0].shape)}")
    return args[0]


# --- linear -------------------------------------------------------------------------------------
class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dimension of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None):
        super().__init__(0, 0, False, device=device, dtype=dtype)
        if not isinstance(out_features, int) or isinstance(out_features, bool) or \
                out_features < 0:
            raise ValueError(f"LazyLinear: out_features must be a non-negative int, got "
                             f"{out_features!r}")
        dtype = parameter_dtype(dtype, "LazyLinear")
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any) -> None:
        if self.has_uninitialized_params():
            x = _input(args, "LazyLinear", 1)
            self.in_features = x.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()

    def _sync_sizes(self) -> None:
        self.in_features = self.weight.shape[1]


# --- convolutions -------------------------------------------------------------------------------
class _LazyConvMixin(LazyModuleMixin):
    """What the lazy convolutions share: ``in_channels`` from dim 1 of a batched input (dim 0
    of an unbatched one); the base layer is built with ``in_channels=groups`` (so its own
    argument checks run) and its weight then replaced by a placeholder."""

    _spatial = 2
    _transposed = False

    def _make_lazy(self, bias: bool, device: Any, dtype: Any) -> None:
        dtype = parameter_dtype(dtype, type(self).__name__)
        self.in_channels = 0
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        if not self.has_uninitialized_params():
            return
        x = _input(args, type(self).__name__, 0)
        unbatched = self._spatial + 1
        if x.ndim not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) "
                               f"input to {type(self).__name__}, but got input of size: "
                               f"{tuple(x.shape)}")
        self.in_channels = x.shape[1] if x.ndim == unbatched + 1 else x.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError(f"{type(self).__name__}: in_channels must be divisible by groups "
                             f"(in_channels={self.in_channels}, groups={self.groups})")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _sync_sizes(self) -> None:
        w = self.weight.shape
        self.in_channels = w[0] if self._transposed else w[1] * self.groups


def _lazy_conv(base: type, spatial: int) -> type:
    """``Lazy<base>``: the same arguments as ``base`` without ``in_channels``."""

    def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        _check_size(groups, "groups", type(self).__name__)
        super(cls, self).__init__(groups, out_channels, kernel_size, stride, padding, dilation,
                                  groups, False, padding_mode, device=device, dtype=dtype)
        self._make_lazy(bias, device, dtype)

    cls = type(f"Lazy{base.__name__}", (_LazyConvMixin, base),
               {"__init__": __init__, "cls_to_become": base, "_spatial": spatial,
                "__module__": __name__,
                "__doc__": f"``{base.__name__}`` whose ``in_channels`` is read from the first "
                           "input."})
    return cls


def _lazy_conv_transpose(base: type, spatial: int) -> type:
    """``Lazy<base>`` for a transposed convolution (its argument order has output_padding)."""

    def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        _check_size(groups, "groups", type(self).__name__)
        super(cls, self).__init__(groups, out_channels, kernel_size, stride, padding,
                                  output_padding, groups, False, dilation, padding_mode,
                                  device=device, dtype=dtype)
        self._make_lazy(bias, device, dtype)

    cls = type(f"Lazy{base.__name__}", (_LazyConvMixin, base),
               {"__init__": __init__, "cls_to_become": base, "_spatial": spatial,
                "_transposed": True, "__module__": __name__,
                "__doc__": f"``{base.__name__}`` whose ``in_channels`` is read from the first "
                           "input."})
    return cls


LazyConv1d = _lazy_conv(Conv1d, 1)
LazyConv2d = _lazy_conv(Conv2d, 2)
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d, 2)


# --- normalisation ------------------------------------------------------------------------------
class _LazyNormMixin(LazyModuleMixin):
    """What the lazy batch and instance norms share: ``num_features`` is dim 1 of the first
    input (as PyTorch), and PyTorch's lazy defaults (affine and running statistics on)."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True):
        super().__init__(1, eps, momentum, False, False, device, dtype)
        dtype = parameter_dtype(dtype, type(self).__name__)
        self.num_features = 0
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=dtypes.int64, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any) -> None:
        if not self.has_uninitialized_params():
            return
        x = _input(args, type(self).__name__, 2)
        self.num_features = x.shape[1]
        for t in (self.weight, self.bias, self.running_mean, self.running_var):
            if t is not None and is_lazy(t):
                t.materialize((self.num_features,))
        self.reset_parameters()

    def _sync_sizes(self) -> None:
        for t in (self.weight, self.running_mean):
            if t is not None:
                self.num_features = t.shape[0]
                return


def _lazy_norm(base: type) -> type:
    return type(f"Lazy{base.__name__}", (_LazyNormMixin, base),
                {"cls_to_become": base, "__module__": __name__,
                 "__doc__": f"``{base.__name__}`` whose ``num_features`` is read from the first "
                            "input."})


LazyBatchNorm1d = _lazy_norm(BatchNorm1d)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d)

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "LazyLinear",
           "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]

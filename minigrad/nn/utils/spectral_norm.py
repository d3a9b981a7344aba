"""``spectral_norm`` / ``remove_spectral_norm``: PyTorch's original (forward pre-hook) spectral
normalisation, w / sigma(w), which bounds a layer's Lipschitz constant (GAN discriminators).

sigma is the largest singular value of the weight seen as a matrix (``dim`` first, the rest
flattened), estimated by power iteration with the ``<name>_u`` / ``<name>_v`` buffers: in
training each forward refines u and v (in place, without gradient) before using them; in eval
they are used as they are. ``weight`` becomes ``weight_orig`` (the trained parameter).
"""
from __future__ import annotations

from typing import Any

from ...autograd.grad_mode import no_grad
from ...ops.distance import normalize
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter
from .weight_norm import remove_reparametrization_hook


def weight_as_matrix(weight: Tensor, dim: int) -> Tensor:
    """``weight`` as a (size of ``dim``, rest) matrix: the map whose top singular value is
    sigma."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _is_transposed_conv(module: Module) -> bool:
    return type(module).__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d") \
        or any(c.__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
               for c in type(module).__mro__)


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / sigma``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = \
            name, n_power_iterations, dim, eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = weight_as_matrix(weight, self.dim)
        if do_power_iteration:
            with no_grad():
                m = mat.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(m.t().mv(u), dim=0, eps=self.eps))
                    u.copy_(normalize(m.mv(v), dim=0, eps=self.eps))
        # u and v are constants of the differentiated expression sigma = u^T W v.
        sigma = u.detach().clone().dot(mat.mv(v.detach().clone()))
        return weight / sigma

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> "SpectralNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if getattr(weight, "is_uninitialized", False):
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "spectral normalization")
        if weight.ndim < 1 or not -weight.ndim <= dim < weight.ndim:
            raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of shape "
                             f"{tuple(weight.shape)}")
        fn.dim = dim % weight.ndim
        from ...creation import randn
        with no_grad():
            h, w = weight_as_matrix(weight, fn.dim).shape
            u = normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
            v = normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        for suffix in ("_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm before every forward. ``dim`` defaults
    to 1 for transposed convolutions (their output channels) and 0 otherwise."""
    if dim is None:
        dim = 1 if _is_transposed_conv(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Fold the current ``<name>_orig / sigma`` back into a plain parameter."""
    return remove_reparametrization_hook(module, SpectralNorm, name, "spectral_norm")

"""torch's function spellings of in-place methods: ``mg.relu_(x)`` is ``x.relu_()``.

PyTorch exposes these in its namespace (``torch.sigmoid_``, ``torch.zero_``, ``torch.clamp_``)
and code written for it calls them. Each one here forwards to the Tensor method of the same
name, which holds the rules: refused on a tensor that requires grad (with grad mode on), the
result kept in the tensor's dtype, the tensor itself returned.
"""
from __future__ import annotations

from typing import Any, Callable

from .elementwise import _tensor_input

NAMES = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "conj_physical_", "cos_", "cosh_", "deg2rad_", "detach_", "erf_",
    "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "i0_",
    "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_",
    "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_",
    "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_",
)


def _forward(name: str) -> Callable[..., Any]:
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        _tensor_input(input, name)
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)``: in place, returning ``input``."
    return function


FUNCTIONS = {name: _forward(name) for name in NAMES}

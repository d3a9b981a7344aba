"""``nn.utils``: helpers that act on a model's parameters rather than its activations."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import rnn  # noqa: F401  (nn.utils.rnn: PackedSequence and packing helpers)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
from . import parametrizations, parametrize, stateless  # noqa: E402,F401
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: E402
                     fuse_linear_bn_weights)
from .fuse_modules import fuse_modules  # noqa: E402
from .grad_norm import clip_grads_with_norm_, get_total_norm  # noqa: E402
from .skip_init import skip_init  # noqa: E402
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402
from .weight_norm import remove_weight_norm, weight_norm  # noqa: E402
__all__ += ["weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
            "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights", "fuse_modules", "get_total_norm", "clip_grads_with_norm_", "skip_init",
            "parametrize", "parametrizations", "stateless"]

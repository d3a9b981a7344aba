"""``nn.utils``: helpers that act on a model's parameters rather than its activations."""
from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]

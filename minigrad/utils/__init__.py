"""``minigrad.utils``: torch.utils' names that are not data loading (``checkpoint``);
data loading lives in ``minigrad.data``."""
from . import checkpoint  # noqa: F401

__all__ = ["checkpoint"]

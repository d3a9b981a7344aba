"""``minigrad.nn``: layers, losses and initialisation, with PyTorch's names and defaults."""
from .module import Module
from .parameter import Parameter

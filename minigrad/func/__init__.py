"""``minigrad.func``: torch.func's names that minigrad provides (``functional_call``)."""
from ..nn.utils.stateless import functional_call

__all__ = ["functional_call"]

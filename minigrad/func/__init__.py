"""``minigrad.func``: torch.func's (functorch's) API on minigrad's reverse-mode autograd.

``grad``/``grad_and_value``/``vjp``/``jvp``/``jacrev``/``jacfwd``/``hessian`` compose with
each other (``grad(grad(f))``) through ``create_graph`` (see transforms.py); ``vmap`` is a loop
over the batch (correct, not fast; see vmap.py); ``jvp`` and ``jacfwd`` are computed in
reverse mode (same results as torch's forward mode). ``functional_call`` runs a module with
given parameters, for per-sample gradients with ``vmap(grad(...))``.
"""
from ..nn.utils.stateless import functional_call
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from .vmap import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd",
           "hessian", "vmap"]

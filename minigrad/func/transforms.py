"""torch.func's differentiation transforms (``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``jacrev``, ``jacfwd``, ``hessian``) on top of minigrad's reverse-mode ``autograd.grad``.

Each call makes differentiable copies of the inputs it differentiates (a fresh leaf,
``detach().requires_grad_()``, so inputs need not require grad), runs the function under
``enable_grad`` and asks ``autograd.grad`` for the derivatives.

Nesting (``grad(grad(f))``, ``jacfwd(jacrev(f))``, ``vmap(grad(f))``) works without
functorch's levels: an outer transform hands the inner one a tensor that requires grad, so
the inner copy is taken *through* the graph (``x * 1``) instead of detached, and the inner
derivative is computed with ``create_graph=True`` so the outer one can differentiate it. The
graph is kept only when the result depends on something outside the call: an input that
already required grad, or a tensor the function closes over that requires grad (found by
walking the output's graph); otherwise results come back detached, as torch.func's do. As
in torch.func, a transform called under ``no_grad`` still differentiates (the function runs
under ``enable_grad``), but its results are not connected to the outer graph.

Forward mode is not implemented: ``jvp`` uses the double-backward trick (the vjp ``u -> J^T u``
is linear in ``u``, so its derivative with respect to ``u`` along ``v`` is ``J v``), and
``jacfwd`` returns the same Jacobian as ``jacrev``, computed in reverse mode (one backward pass
per output element): same values and shapes, not forward mode's cost profile. Both therefore
need every op's backward to be differentiable (no ``once_differentiable`` ops).
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..creation import ones_like, zeros, zeros_like
from ..dtypes import is_floating
from ..ops import stack
from ..tensor import Tensor
from . import _randomness
from ._pytree import same_structure, spec_str, tree_flatten, tree_map, tree_unflatten


# --- shared pieces -------------------------------------------------------------------------
#: id -> (weak reference, depth) for the leaves the transforms create (input copies, jvp's
#: dummy vectors), with the nesting depth of the call that made them. To a transform at depth
#: d, leaves made at depth >= d (its own, or those of calls nested in it, now finished) are
#: constants; leaves of the enclosing calls (depth < d) are variables from outside.
_INTERNAL: dict = {}
_DEPTH = [0]


def _internal_leaf(t: Tensor) -> Tensor:
    key = id(t)
    _INTERNAL[key] = (weakref.ref(t, lambda _, key=key: _INTERNAL.pop(key, None)), _DEPTH[0])
    return t


def _is_internal(leaf: Tensor) -> bool:
    entry = _INTERNAL.get(id(leaf))
    return entry is not None and entry[0]() is leaf and entry[1] >= _DEPTH[0]


class _Level:
    """One transform call: nested calls see a larger depth."""

    def __enter__(self) -> None:
        _DEPTH[0] += 1

    def __exit__(self, *exc: Any) -> None:
        _DEPTH[0] -= 1


def _argnums(argnums: Any, nargs: int, name: str) -> tuple:
    """``argnums`` as a tuple of non-negative ints, with torch.func's checks."""
    ok_int = lambda a: isinstance(a, int) and not isinstance(a, bool)
    if not (ok_int(argnums) or isinstance(argnums, tuple) and all(ok_int(a) for a in argnums)):
        raise RuntimeError(f"{name}: argnums must be int or Tuple[int, ...], got: "
                           f"{type(argnums)}")
    nums = (argnums,) if ok_int(argnums) else argnums
    if not nums:
        raise RuntimeError(f"{name}: argnums must be non-empty")
    out = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"{name}: Got argnums={a}, but only {nargs} positional inputs")
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{name}: argnums elements must be unique, got {argnums}")
    return tuple(out)


class _Inputs:
    """The differentiable copies of some arguments, flat, with each argument's structure."""

    def __init__(self, values: list, name: str, outer_grad: bool) -> None:
        self.specs: list = []
        self.flat: list = []
        self.trees: list = []
        self.connected = False
        for value in values:
            leaves, spec = tree_flatten(value)
            copies = [self._lift(t, name, outer_grad) for t in leaves]
            self.specs.append(spec)
            self.flat.extend(copies)
            self.trees.append(tree_unflatten(spec, copies))

    def _lift(self, t: Any, name: str, outer_grad: bool) -> Tensor:
        if not isinstance(t, Tensor):
            raise ValueError(f"{name}: Thing passed to transform API must be Tensor, got "
                             f"{type(t)}")
        if not is_floating(t.dtype):
            raise RuntimeError(f"{name}: only Tensors of floating point dtype can be "
                               f"differentiated, got an input of dtype {t.dtype} and shape "
                               f"{tuple(t.shape)}")
        if outer_grad and t.requires_grad:  # inside an outer transform: stay connected
            self.connected = True
            return t * 1
        return _internal_leaf(t.detach().requires_grad_())

    def split(self, flat_grads: list) -> list:
        """Per argument, the gradients in that argument's structure."""
        out, start = [], 0
        for spec in self.specs:
            n = _n_leaves(spec)
            out.append(tree_unflatten(spec, flat_grads[start:start + n]))
            start += n
        return out


def _n_leaves(spec: Any) -> int:
    return 1 if spec is None else sum(_n_leaves(c) for c in spec[2])


def _reaches_outside(roots: list) -> bool:
    """Whether the graph behind ``roots`` reaches a leaf requiring grad that no transform
    made (an input or a closed-over tensor of the caller's)."""
    stack_, seen = [], set()
    for r in roots:
        if isinstance(r, Tensor) and r.requires_grad:
            if r.grad_fn is None:
                if not _is_internal(r):
                    return True
            else:
                stack_.append(r.grad_fn)
    while stack_:
        node = stack_.pop()
        if node in seen:
            continue
        seen.add(node)
        for edge in node.parents:
            if edge is None:
                continue
            parent, where = edge
            if parent is None:
                if not _is_internal(where):
                    return True
            elif parent not in seen:
                stack_.append(parent)
    return False


def _tensor_leaves(obj: Any) -> list:
    return [t for t in tree_flatten(obj)[0] if isinstance(t, Tensor)]


def _detach(obj: Any) -> Any:
    return tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, obj)


def _split_aux(result: Any, has_aux: bool, name: str) -> tuple:
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise RuntimeError(f"{name}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return result[0], result[1]


def _grads(outputs: list, inputs: list, cotangents: list, create_graph: bool) -> list:
    """d(outputs)/d(inputs) contracted with cotangents; zeros where an input is not reached."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad and c is not None]
    result: Any = [None] * len(inputs)
    if pairs:
        result = _autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                                retain_graph=True, create_graph=create_graph, allow_unused=True)
    return [zeros_like(x) if g is None else g for g, x in zip(result, inputs)]


def _check_tensors(leaves: list, name: str, what: str) -> None:
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"{name}: expected {what} to return only tensors, got "
                               f"unsupported type {type(leaf)}")


def _call_on_copies(func: Callable, args: tuple, kwargs: dict, nums: tuple, has_aux: bool,
                    label: str, outer: bool) -> tuple:
    """``func`` called with the arguments at ``nums`` replaced by their differentiable copies:
    (the copies, the output, the aux output)."""
    ins = _Inputs([args[n] for n in nums], label, outer)
    call_args = list(args)
    for n, tree in zip(nums, ins.trees):
        call_args[n] = tree
    out, aux = _split_aux(func(*call_args, **kwargs), has_aux, label)
    return ins, out, aux


# --- grad ----------------------------------------------------------------------------------
def _grad_and_value_call(func: Callable, argnums: Any, has_aux: bool, name: str, args: tuple,
                         kwargs: dict) -> tuple:
    label = f"{name}(f)(*args)"
    nums = _argnums(argnums, len(args), label)
    outer = is_grad_enabled()
    with _Level(), enable_grad():
        ins, out, aux = _call_on_copies(func, args, kwargs, nums, has_aux, label, outer)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{label}: Expected f(*args) to return a Tensor, got {type(out)}")
        if out.ndim != 0:
            raise RuntimeError(f"{label}: Expected f(*args) to return a scalar Tensor, got "
                               f"tensor with {out.ndim} dims (shape {tuple(out.shape)}). Maybe "
                               "you wanted to use the vjp or jacrev APIs instead?")
        keep = outer and (ins.connected or
                          _reaches_outside([out] + _tensor_leaves(aux)))
        flat = _grads([out], ins.flat, [ones_like(out)], keep)
    if not keep:
        flat, out, aux = [g.detach() for g in flat], out.detach(), _detach(aux)
    per_arg = ins.split(flat)
    grads = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
    return grads, out, aux


def grad_and_value(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """A function returning ``(gradient, value)`` of the scalar ``func`` with respect to the
    positional arguments ``argnums`` (``(gradient, (value, aux))`` with ``has_aux``): one
    forward and one backward pass give both."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> tuple:
        g, out, aux = _grad_and_value_call(func, argnums, has_aux, "grad_and_value", args, kwargs)
        return (g, (out, aux)) if has_aux else (g, out)
    return wrapper


def grad(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of the scalar ``func`` with respect to the positional
    arguments ``argnums`` (an int, or a tuple for a tuple of gradients; each argument may be a
    tensor or a nested tuple/list/dict of tensors). ``(gradient, aux)`` with ``has_aux``.
    Composes: ``grad(grad(f))`` is the second derivative."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, _, aux = _grad_and_value_call(func, argnums, has_aux, "grad", args, kwargs)
        return (g, aux) if has_aux else g
    return wrapper


# --- vjp / jvp -----------------------------------------------------------------------------
def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)`` (and ``aux`` with ``has_aux``): ``vjp_fn(cotangents)``
    returns ``cotangents^T J`` for each primal, as a tuple, and may be called many times."""
    name = "vjp(f, *primals)"
    outer = is_grad_enabled()
    with _Level(), enable_grad():
        ins = _Inputs(list(primals), name, outer)
        out, aux = _split_aux(func(*ins.trees), has_aux, name)
        outs, out_spec = tree_flatten(out)
        _check_tensors(outs, name, "f(*primals)")
        external = outer and (ins.connected or _reaches_outside(outs + _tensor_leaves(aux)))

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None
               ) -> tuple:
        cts, ct_spec = tree_flatten(cotangents)
        if not same_structure(ct_spec, out_spec):
            raise RuntimeError("vjp: Expected pytree structure of cotangents to be the same as "
                               f"pytree structure of outputs to the function. cotangents: "
                               f"{spec_str(ct_spec)}, primal output: {spec_str(out_spec)}")
        _check_tensors(cts, "vjp_fn", "cotangents")
        for i, (c, o) in enumerate(zip(cts, outs)):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"vjp: Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{tuple(c.shape)} and output[{i}] has a shape of "
                                   f"{tuple(o.shape)}.")
        keep = is_grad_enabled() and (external or any(c.requires_grad for c in cts))
        if create_graph is not None:
            keep = bool(create_graph)
        with enable_grad():
            flat = _grads(outs, ins.flat, cts, keep)
        if not keep:
            flat = [g.detach() for g in flat]
        return tuple(ins.split(flat))

    if not external:
        out, aux = _detach(out), _detach(aux)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """``(func(*primals), J @ tangents)`` (and ``aux``): the Jacobian-vector product, computed
    by the double-backward trick (differentiate ``u -> J^T u`` with respect to ``u`` along the
    tangents), since minigrad has no forward mode."""
    name = "jvp(f, primals, tangents)"
    for what, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"{name}: Expected {what} to be a tuple. E.g. it should be valid "
                               "to call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if not same_structure(p_spec, t_spec):
        raise RuntimeError(f"{name}: Expected primals and tangents to have the same python "
                           f"structure. Got primals with structure {spec_str(p_spec)} and "
                           f"tangents with structure {spec_str(t_spec)}")
    _check_tensors(t_leaves, name, "tangents")
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        if isinstance(p, Tensor) and tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"{name}: tangent {i} has shape {tuple(t.shape)} but its primal "
                               f"has shape {tuple(p.shape)}; they must match")
    outer = is_grad_enabled()
    with _Level(), enable_grad():
        ins = _Inputs(list(primals), name, outer)
        out, aux = _split_aux(func(*ins.trees), has_aux, name)
        outs, out_spec = tree_flatten(out)
        _check_tensors(outs, name, "f(*primals)")
        keep = outer and (ins.connected or any(t.requires_grad for t in t_leaves) or
                          _reaches_outside(outs + _tensor_leaves(aux)))
        dummies = [_internal_leaf(zeros_like(o).requires_grad_()) for o in outs]
        back = _grads(outs, ins.flat, dummies, True)  # J^T u, linear in the dummies u
        used = [(g, t) for g, t in zip(back, t_leaves) if g.requires_grad]
        if used:
            flat = _autograd_grad([g for g, _ in used], dummies, [t for _, t in used],
                                  retain_graph=keep, create_graph=keep, allow_unused=True)
        else:
            flat = [None] * len(outs)
        flat = [zeros_like(o) if g is None else g for g, o in zip(flat, outs)]
    if not keep:
        flat, out, aux = [g.detach() for g in flat], _detach(out), _detach(aux)
    result = (out, tree_unflatten(out_spec, flat))
    return result + (aux,) if has_aux else result


# --- Jacobians -----------------------------------------------------------------------------
def _jacobian_call(func: Callable, argnums: Any, has_aux: bool, name: str, args: tuple,
                   kwargs: dict) -> tuple:
    """d func / d args[argnums], one reverse pass per output element; each block has shape
    ``output.shape + input.shape``, nested as (output structure) -> (argnums) -> (input)."""
    label = f"{name}(f)(*args)"
    nums = _argnums(argnums, len(args), label)
    outer = is_grad_enabled()
    with _Level(), enable_grad():
        ins, out, aux = _call_on_copies(func, args, kwargs, nums, has_aux, label, outer)
        outs, out_spec = tree_flatten(out)
        _check_tensors(outs, label, "f(*args)")
        keep = outer and (ins.connected or
                          _reaches_outside(outs + _tensor_leaves(aux)))
        blocks_per_output = []
        for o in outs:
            n = o.numel()
            rows: list[list] = [[] for _ in ins.flat]
            for k in range(n):
                seed = zeros(n, dtype=o.dtype, device=o.device)
                seed.array[k] = 1
                for j, g in enumerate(_grads([o], ins.flat, [seed.reshape(o.shape)], keep)):
                    rows[j].append(g)
            blocks = []
            for x, r in zip(ins.flat, rows):
                shape = tuple(o.shape) + tuple(x.shape)
                block = stack(r).reshape(shape) if n else zeros(shape, dtype=x.dtype,
                                                                device=x.device)
                blocks.append(block if keep else block.detach())
            per_arg = ins.split(blocks)
            blocks_per_output.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
    if not keep:
        aux = _detach(aux)
    return tree_unflatten(out_spec, blocks_per_output), aux


def jacrev(func: Callable, argnums: Any = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """A function returning the Jacobian of ``func`` with respect to ``args[argnums]``
    (``(jacobian, aux)`` with ``has_aux``), row by row in reverse mode. ``chunk_size`` is
    accepted for torch's signature; rows are always computed one at a time."""
    _check_chunk(chunk_size, "jacrev")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        jac, aux = _jacobian_call(func, argnums, has_aux, "jacrev", args, kwargs)
        return (jac, aux) if has_aux else jac
    return wrapper


def jacfwd(func: Callable, argnums: Any = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """torch.func.jacfwd's result (same values, shapes and nesting), computed by the same
    reverse-mode code as ``jacrev``: minigrad has no forward mode. ``randomness='error'``
    refuses a function that draws from the global random streams, as torch's does."""
    _randomness.check_randomness(randomness, "jacfwd")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before = _randomness.snapshot() if randomness == "error" else None
        jac, aux = _jacobian_call(func, argnums, has_aux, "jacfwd", args, kwargs)
        if before is not None and _randomness.moved(before, _randomness.snapshot()):
            raise RuntimeError(_randomness.error_message("jacfwd"))
        return (jac, aux) if has_aux else jac
    return wrapper


def hessian(func: Callable, argnums: Any = 0) -> Callable:
    """A function returning the Hessian of the scalar ``func`` with respect to
    ``args[argnums]``, shape ``input.shape + input.shape``: ``jacfwd(jacrev(func))``, as torch."""
    return jacfwd(jacrev(func, argnums), argnums)


def _check_chunk(chunk_size: Any, name: str) -> None:
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"{name}: chunk_size should be None or greater than 0. "
                         f"(got {chunk_size})")

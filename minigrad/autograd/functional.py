"""``autograd.functional``: Jacobians, Hessians and their products with vectors for a plain
function of tensors (``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp``, ``hvp``), with
PyTorch's names, arguments and output nesting.

Everything is reverse mode on top of ``autograd.grad``: a Jacobian is one vector-Jacobian
product per output element; ``jvp`` uses the double-backward trick (the vjp is linear in its
vector, so differentiating it with respect to that vector gives J v); a Hessian is the
Jacobian of the gradient. ``vectorize=True`` is accepted and computes the same result with
the row-by-row loop (minigrad has no vmap); ``strategy="forward-mode"`` likewise (it needs
``vectorize=True``, as in PyTorch). ``hvp`` is computed as ``vhp`` (the Hessian of a
twice-differentiable function is symmetric, so both are the same vector).
"""
from __future__ import annotations

from typing import Any, Callable

from ..tensor import Tensor
from .grad_mode import enable_grad


def _as_tuple(x: Any, arg: str, fn: str) -> tuple:
    """(tuple of tensors, whether the caller gave a tuple)."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of "
                                f"Tensors but the value at index {i} has type {type(t)}.")
            raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of "
                            f"Tensors but the given {arg} has type {type(t)}.")
    return items, is_tuple


def _prepare_inputs(inputs: tuple, create_graph: bool) -> tuple:
    """Fresh tensors to differentiate with respect to; with ``create_graph`` an input that
    already requires grad stays connected to its graph (for higher-order derivatives)."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t * 1)
        else:
            out.append(t.detach().requires_grad_(True))  # an integer input raises, as in PyTorch
    return tuple(out)


def _grad(outputs: tuple, inputs: tuple, grad_outputs: tuple, create_graph: bool) -> list:
    """d(outputs)/d(inputs) contracted with grad_outputs; None where an input is unused or no
    output requires grad."""
    from . import grad as autograd_grad
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad and g is not None]
    if not pairs:
        return [None] * len(inputs)
    targets = [t for t in inputs if t.requires_grad]
    result = autograd_grad([o for o, _ in pairs], targets, [g for _, g in pairs],
                           retain_graph=True, create_graph=create_graph, allow_unused=True)
    it = iter(result)
    return [next(it) if t.requires_grad else None for t in inputs]


def _fill(grads: list, like: tuple, strict: bool, fn: str, what: str) -> tuple:
    """Zeros where a gradient is None, or the strict-mode error PyTorch raises."""
    from ..creation import zeros_like
    out = []
    for i, (g, ref) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output of the user-provided function is "
                                   f"independent of {what} {i}. This is not allowed in strict "
                                   "mode.")
            g = zeros_like(ref)
        out.append(g)
    return tuple(out)


def _check_outputs(outputs: Any, fn: str, strict: bool) -> tuple:
    items, is_tuple = _as_tuple(outputs, "outputs of the user-provided function", fn)
    if strict:
        for i, o in enumerate(items):
            if not o.requires_grad:
                raise RuntimeError(f"{fn}: output {i} of the user-provided function does not "
                                   "require gradients. The outputs must be computed in a "
                                   "differentiable manner from the input when running in "
                                   "strict mode.")
    return items, is_tuple


def _check_v(v: Any, like: tuple, fn: str, what: str) -> tuple:
    vs, _ = _as_tuple(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v is a tuple of invalid length: should be {len(like)} but got "
                           f"{len(vs)}.")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"{fn}: mismatch in shape: v[{i}] has shape {tuple(a.shape)} but "
                               f"{what} {i} has shape {tuple(b.shape)}")
    return vs


def _post(items: tuple, is_tuple: bool, create_graph: bool) -> Any:
    items = tuple(t if create_graph else t.detach() for t in items)
    return items if is_tuple else items[0]


def _vector(v: Any, against: tuple, fn: str, kind: str, where: str) -> tuple:
    """The vector of a vector product, checked against the ``kind`` tensors ``against``; ``None``
    means ones, which PyTorch allows only for a single one-element tensor (``where`` says which)."""
    if v is not None:
        return _check_v(v, against, fn, kind)
    if len(against) != 1 or against[0].numel() != 1:
        raise RuntimeError(f"{fn}: the vector v can only be None if {where} a single Tensor "
                           "with a single element.")
    from ..creation import ones_like
    return (ones_like(against[0]),)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), v^T J): the vector-Jacobian product, one reverse pass."""
    fn = "vjp"
    ins, in_tuple = _as_tuple(inputs, "inputs", fn)
    with enable_grad():
        xs = _prepare_inputs(ins, create_graph)
        outs, out_tuple = _check_outputs(func(*xs), fn, strict)
        vs = _vector(v, outs, fn, "output", "the user-provided function returns")
        grads = _fill(_grad(outs, xs, vs, create_graph), xs, strict, fn, "input")
    return _post(outs, out_tuple, create_graph), _post(grads, in_tuple, create_graph)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with respect
    to its vector (the double-backward trick)."""
    from ..creation import zeros_like
    fn = "jvp"
    ins, in_tuple = _as_tuple(inputs, "inputs", fn)
    vs = _vector(v, ins, fn, "input", "the input to the user-provided function is")
    with enable_grad():
        xs = _prepare_inputs(ins, create_graph)
        outs, out_tuple = _check_outputs(func(*xs), fn, strict)
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        grads = _grad(outs, xs, dummies, True)
        if strict:
            _fill(grads, xs, strict, fn, "input")  # PyTorch's check: every input is used
        used = [(g, vi) for g, vi in zip(grads, vs) if g is not None and g.requires_grad]
        if used:
            jv = _grad(tuple(g for g, _ in used), dummies, tuple(vi for _, vi in used),
                       create_graph)
        else:
            jv = [None] * len(outs)
        jv = _fill(jv, outs, strict, fn, "the input for output")
    return _post(outs, out_tuple, create_graph), _post(jv, out_tuple, create_graph)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """d func / d inputs with shape ``output.shape + input.shape``, nested as PyTorch: a tuple
    over outputs and/or inputs where those were given as tuples."""
    from ..creation import zeros, zeros_like
    from ..ops import stack
    fn = "jacobian"
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f'jacobian: expected strategy to be either "forward-mode" or '
                         f'"reverse-mode", got {strategy!r}.')
    if strategy == "forward-mode" and not vectorize:
        raise ValueError('jacobian: `strategy="forward-mode"` is only supported with '
                         "`vectorize=True`.")
    if strict and vectorize:
        raise RuntimeError("jacobian: `strict=True` and `vectorize=True` are not supported "
                           "together.")
    ins, in_tuple = _as_tuple(inputs, "inputs", fn)
    with enable_grad():
        xs = _prepare_inputs(ins, create_graph)
        outs, out_tuple = _check_outputs(func(*xs), fn, strict)
        rows = []  # rows[i][j]: d out_i / d in_j
        for i, out in enumerate(outs):
            per_input: list[list] = [[] for _ in xs]
            n = out.numel()
            for k in range(n):
                seed = zeros(n, dtype=out.dtype, device=out.device)
                seed.array[k] = 1
                grad_outs = tuple(seed.reshape(out.shape) if j == i else None
                                  for j in range(len(outs)))
                grads = _grad(outs, xs, grad_outs, create_graph)
                for j, (g, x) in enumerate(zip(grads, xs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"jacobian: output {i} of the user-provided "
                                               f"function is independent of input {j}. This is "
                                               "not allowed in strict mode.")
                        g = zeros_like(x)
                    per_input[j].append(g)
            row = []
            for j, x in enumerate(xs):
                if n:
                    block = stack(per_input[j]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    block = zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype,
                                  device=x.device)
                row.append(block if create_graph else block.detach())
            rows.append(tuple(row))
    if out_tuple and in_tuple:
        return tuple(rows)
    if out_tuple:
        return tuple(r[0] for r in rows)
    return rows[0] if in_tuple else rows[0][0]


def _scalar_output(func: Callable[..., Any], fn: str) -> Callable[..., Any]:
    def wrapped(*xs: Tensor) -> Tensor:
        out = func(*xs)
        outs, is_tuple = _as_tuple(out, "outputs of the user-provided function", fn)
        if is_tuple and len(outs) != 1:
            raise RuntimeError(f"{fn}: the function given to {fn} should return a single Tensor")
        if outs[0].numel() != 1:
            raise RuntimeError(f"{fn}: the Tensor returned by the function given to {fn} should "
                               f"contain a single element, got shape {tuple(outs[0].shape)}")
        return outs[0]
    return wrapped


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """Second derivatives of a scalar function, shape ``input.shape + input.shape`` (a tuple
    of tuples for several inputs): the Jacobian of the gradient."""
    fn = "hessian"
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f'hessian: expected strategy to be either "forward-mode" or '
                         f'"reverse-mode", got {outer_jacobian_strategy!r}.')
    ins, in_tuple = _as_tuple(inputs, "inputs", fn)
    scalar = _scalar_output(func, fn)

    def gradient(*xs: Tensor) -> Any:
        out = _check_outputs(scalar(*xs), fn, strict)[0][0]
        from ..creation import ones_like
        grads = _grad((out,), xs, (ones_like(out),), True)
        return _fill(grads, xs, strict, fn, "input")

    options = dict(create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    if in_tuple:
        return jacobian(gradient, ins, **options)
    return jacobian(lambda x: gradient(x)[0], ins[0], **options)


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), v^T H) for a scalar function: two reverse passes, no Hessian built."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def _hessian_product(func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool,
                     strict: bool, fn: str) -> tuple:
    ins, in_tuple = _as_tuple(inputs, "inputs", fn)
    vs = _vector(v, ins, fn, "input", "the input to the user-provided function is")
    from ..creation import ones_like
    with enable_grad():
        xs = _prepare_inputs(ins, create_graph)
        out = _scalar_output(func, fn)(*xs)
        _check_outputs(out, fn, strict)
        grads = _fill(_grad((out,), xs, (ones_like(out),), True), xs, strict, fn, "input")
        used = [(g, vi) for g, vi in zip(grads, vs) if g.requires_grad]
        if used:
            hv = _grad(tuple(g for g, _ in used), xs, tuple(vi for _, vi in used), create_graph)
        else:
            hv = [None] * len(xs)
        hv = _fill(hv, xs, strict, fn, "input (second derivative)")
    return _post((out,), False, create_graph), _post(hv, in_tuple, create_graph)


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), H v) for a scalar function; equal to ``vhp`` since H is symmetric."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

"""Gradient checking: compare autograd's gradients with central finite differences.

For people writing their own ops and layers. Checks run in float64 (float32
differences are too coarse and give false failures), and a failure names the
input, the worst element, both values and the errors, so it can be acted on.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

from .autograd import grad as autograd_grad
from .autograd.grad_mode import enable_grad, no_grad
from .backend import get_backend
from .tensor import Tensor

_host = get_backend("cpu").xp  # finite differences are analysed on the host


class GradcheckError(RuntimeError):
    """Raised when an analytic gradient disagrees with the numerical one."""


def _outputs_as_vector(outputs: Any) -> Any:
    outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    parts = [_host.asarray(o.to_numpy(), dtype=_host.float64).reshape(-1)
             for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]
    return _host.concatenate(parts) if parts else _host.zeros(0)


def _float_outputs(outputs: Any) -> list:
    outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _numeric_column(evaluate: Callable, t: Tensor, index: tuple, eps: float, direction: Any = None):
    """(f(x + eps e) - f(x - eps e)) / 2 eps for a unit vector or a whole direction."""
    saved = t.array.copy()
    step = eps if direction is None else direction * eps
    if direction is None:
        t.array[index] = saved[index] + step
    else:
        t.array[...] = saved + step
    plus = evaluate()
    if direction is None:
        t.array[index] = saved[index] - step
    else:
        t.array[...] = saved - step
    minus = evaluate()
    t.array[...] = saved
    return (plus - minus) / (2 * eps)


def _check(fn: Callable[[], Any], tensors: Sequence[Tensor], names: Sequence[str], eps: float,
           atol: float, rtol: float, raise_exception: bool, fast_mode: bool,
           nondet_tol: float = 0.0, check_grad_dtypes: bool = False) -> bool:
    """Compare the analytic and numerical Jacobians of ``fn()`` with respect to ``tensors``,
    then check, as PyTorch does, that backward scales by its grad_output (zero in, zero out)
    and gives the same result when run again (up to ``nondet_tol``)."""
    outputs = _float_outputs(fn())
    if not outputs:
        raise ValueError("gradcheck: the function returned no floating-point tensor outputs")
    if not _check_jacobians(fn, outputs, tensors, names, eps, atol, rtol, raise_exception,
                            fast_mode):
        return False
    rng = _host.random.default_rng(2)
    vs = [Tensor(rng.standard_normal(o.shape), dtype=o.dtype, device=o.device) for o in outputs]
    once, again = _vjp(outputs, tensors, vs), _vjp(outputs, tensors, vs)
    for name, t, g, g2 in zip(names, tensors, once, again):
        if not _same_twice(g, g2, nondet_tol):
            return _fail(raise_exception, _not_reentrant(name, nondet_tol))
        if check_grad_dtypes and g is not None and g.dtype != t.dtype:
            return _fail(raise_exception, _wrong_dtype(name, t, g))
    zeros = [Tensor._make(o.xp.zeros(o.shape, dtype=o.dtype), o.device) for o in outputs]
    for name, t, g in zip(names, tensors, _vjp(outputs, tensors, zeros)):
        if g is not None and bool((g.to_numpy() != 0).any()):
            return _fail(raise_exception,
                         f"gradcheck: backward is not multiplied by grad_output: with a zero "
                         f"grad_output the gradient for {name} (shape {tuple(t.shape)}) is not "
                         "zero. A backward must scale what it returns by its grad argument "
                         "(a loss's backward too: the loss may be scaled or summed with others).")
    return True


def _check_jacobians(fn: Callable[[], Any], outputs: list, tensors: Sequence[Tensor],
                     names: Sequence[str], eps: float, atol: float, rtol: float,
                     raise_exception: bool, fast_mode: bool) -> bool:
    for name, t in zip(names, tensors):
        if t.dtype != _host.float64:
            warnings.warn(f"gradcheck: {name} is {t.dtype}, not float64; finite differences in low "
                          "precision give false failures", stacklevel=4)

    def evaluate() -> Any:
        with no_grad():
            return _outputs_as_vector(fn())

    sizes = [o.numel() for o in outputs]
    n_out = sum(sizes)
    rng = _host.random.default_rng(0)

    if fast_mode:
        # One backward and two evaluations per input: compare v^T J u for random u, v.
        v_host = rng.standard_normal(n_out)
        vs, start = [], 0
        for o, size in zip(outputs, sizes):
            part = v_host[start:start + size].reshape(o.shape)
            vs.append(Tensor(part, dtype=o.dtype, device=o.device))
            start += size
        analytic = _vjp(outputs, tensors, vs)
        for name, t, g in zip(names, tensors, analytic):
            u = rng.standard_normal(t.shape)
            u_dev = get_backend(t.device).asarray(u.astype(t.dtype))
            numeric = float(v_host @ _numeric_column(evaluate, t, (), eps, direction=u_dev))
            exact = 0.0 if g is None else float((g.to_numpy().astype(_host.float64) * u).sum())
            err = abs(exact - numeric)
            if err > atol + rtol * abs(numeric):
                return _fail(raise_exception,
                             f"gradcheck (fast_mode) failed for {name} (shape {tuple(t.shape)}): "
                             f"projected numerical {numeric:.6g} vs analytic {exact:.6g}, "
                             f"abs error {err:.3g}, rel error {err / max(abs(numeric), 1e-300):.3g}")
        return True

    # Full mode: the analytic Jacobian row by row (one backward per output element),
    # the numerical one column by column (two evaluations per input element).
    jac_analytic = [_host.zeros((n_out, t.numel())) for t in tensors]
    row = 0
    for o_index, (o, size) in enumerate(zip(outputs, sizes)):
        for k in range(size):
            seeds = [Tensor._make(o2.xp.zeros(o2.shape, dtype=o2.dtype), o2.device)
                     for o2 in outputs]
            seeds[o_index].array[_host.unravel_index(k, o.shape)] = 1
            for j, g in enumerate(_vjp(outputs, tensors, seeds)):
                if g is not None:
                    jac_analytic[j][row] = g.to_numpy().reshape(-1)
            row += 1

    for j, (name, t) in enumerate(zip(names, tensors)):
        numeric = _host.zeros((n_out, t.numel()))
        for k in range(t.numel()):
            numeric[:, k] = _numeric_column(evaluate, t, _host.unravel_index(k, t.shape), eps)
        analytic = jac_analytic[j]
        error = _host.abs(analytic - numeric)
        excess = error - (atol + rtol * _host.abs(numeric))
        if excess.size and excess.max() > 0:
            out_i, in_i = _host.unravel_index(int(excess.argmax()), excess.shape)
            num, ana = numeric[out_i, in_i], analytic[out_i, in_i]
            err = abs(num - ana)
            where = tuple(int(i) for i in _host.unravel_index(in_i, t.shape))
            return _fail(raise_exception,
                         f"gradcheck failed for {name} (shape {tuple(t.shape)}) at element {where}, "
                         f"output element {int(out_i)}: numerical {num:.6g} vs analytic {ana:.6g}, "
                         f"abs error {err:.3g}, rel error {err / max(abs(num), 1e-300):.3g} "
                         f"(atol={atol}, rtol={rtol}; {int((excess > 0).sum())} of {excess.size} "
                         "Jacobian entries out of tolerance)")
    return True


def _same_twice(g: Any, g2: Any, nondet_tol: float) -> bool:
    """Whether two runs of the same backward agree (within ``nondet_tol``)."""
    if g is None or g2 is None:
        return g is None and g2 is None
    diff = _host.abs(g.to_numpy().astype(_host.float64) - g2.to_numpy().astype(_host.float64))
    return not diff.size or bool(_host.nan_to_num(diff, nan=_host.inf).max() <= nondet_tol)


def _not_reentrant(name: str, nondet_tol: float) -> str:
    return (f"gradcheck: backward is not reentrant for {name}: running it twice with the same "
            f"input and grad_output gave different values (tolerance nondet_tol={nondet_tol}). "
            "Pass nondet_tol=<tol> if the op is meant to be nondeterministic.")


def _wrong_dtype(name: str, t: Tensor, g: Tensor) -> str:
    return (f"gradcheck: the gradient for {name} has dtype {g.dtype}, but the input has "
            f"{t.dtype} (check_grad_dtypes=True)")


def _vjp(outputs: list, tensors: Sequence[Tensor], seeds: list) -> tuple:
    """v^T J for each tensor; None where no path connects them (an output that does not
    require grad, e.g. a constant first derivative in gradgradcheck, contributes zero)."""
    live = [i for i, o in enumerate(outputs) if o.requires_grad]
    if not live:
        return (None,) * len(tensors)
    return autograd_grad([outputs[i] for i in live], list(tensors), [seeds[i] for i in live],
                         retain_graph=True, allow_unused=True)


def _fail(raise_exception: bool, message: str) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _prepare(inputs: Any) -> tuple:
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [(f"input {i}", t) for i, t in enumerate(inputs)
               if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    return inputs, checked


def gradcheck(fn: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
              nondet_tol: float = 0.0, check_grad_dtypes: bool = False) -> bool:
    """Check ``fn``'s gradients for every input with ``requires_grad`` against finite differences
    (and, as PyTorch, that backward scales by grad_output and repeats itself up to
    ``nondet_tol``; ``check_grad_dtypes``: that each gradient has its input's dtype)."""
    inputs, checked = _prepare(inputs)
    return _check(lambda: fn(*inputs), [t for _, t in checked], [n for n, _ in checked],
                  eps, atol, rtol, raise_exception, fast_mode, nondet_tol, check_grad_dtypes)


def gradgradcheck(fn: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, fast_mode: bool = False,
                  nondet_tol: float = 0.0, check_grad_dtypes: bool = False) -> bool:
    """Check second derivatives: gradcheck the map (inputs, grad_outputs) -> input gradients.

    As in PyTorch, the random ``grad_outputs`` are checked too, so a backward that
    mishandles the incoming gradient is caught even when the op is linear.
    """
    inputs, checked = _prepare(inputs)
    wrt = [t for _, t in checked]
    outputs = _float_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = _host.random.default_rng(1)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), dtype=o.dtype, device=o.device,
                               requires_grad=True) for o in outputs]
    grad_outputs = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    seeds = [g for g in grad_outputs if g.requires_grad]

    def first_derivatives() -> tuple:
        with enable_grad():
            outs = _float_outputs(fn(*inputs))
            grads = autograd_grad(outs, wrt, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(Tensor._make(t.xp.zeros(t.shape, dtype=t.dtype), t.device) if g is None
                     else g for g, t in zip(grads, wrt))

    names = [n for n, _ in checked] + [f"grad_output {i}" for i, g in enumerate(grad_outputs)
                                       if g.requires_grad]
    return _check(first_derivatives, wrt + seeds, names, eps, atol, rtol, raise_exception,
                  fast_mode, nondet_tol, check_grad_dtypes)


def gradcheck_module(module: Any, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
                     rtol: float = 1e-3, raise_exception: bool = True,
                     fast_mode: bool = False) -> bool:
    """Check a layer's gradients for its inputs and all of its parameters in one call."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    named = [(f"input {i}", t) for i, t in enumerate(inputs)
             if isinstance(t, Tensor) and t.requires_grad]
    named += [(f"parameter {n!r}", p) for n, p in module.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("gradcheck_module: no input or parameter requires grad")
    return _check(lambda: module(*inputs), [t for _, t in named], [n for n, _ in named],
                  eps, atol, rtol, raise_exception, fast_mode)

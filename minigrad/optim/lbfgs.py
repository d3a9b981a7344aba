"""L-BFGS, closure-based, with PyTorch's two-loop recursion, first-step scaling, stopping rules
and optional strong-Wolfe line search, so the iterates are its own.

Each ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations on the flattened
parameters: the direction d = -H g comes from the last ``history_size`` curvature pairs
(s = t d, y = g_new - g_old, kept only when y.s > 1e-10) with H's diagonal scaled by
y.s / y.y; the step is lr (lr * min(1, 1 / |g|_1) on the very first iteration) or the
strong-Wolfe step. Iteration stops at ``max_eval`` closure calls, when |g|_inf <=
tolerance_grad, or when the step or the change of the loss falls below tolerance_change.

Within a step, the scalars (dot products, t, H's diagonal) are backend scalars of the
parameters' dtype, which round like PyTorch's 0-d tensors; the state keeps them as Python
floats (the same values), so a checkpoint saves them as plain numbers.
"""
from __future__ import annotations

import copy
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from ..tensor import Tensor, bump_version
from .optimizer import Optimizer


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal & Wright, alg. 7.4/7.5), as ``torch.optim.LBFGS``.

    Like PyTorch's, it takes one parameter group, and ``step`` needs a closure that clears
    the gradients, recomputes the loss, calls ``backward`` and returns the loss: it is
    called several times per step.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1,
                 max_iter: int = 20, max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        if isinstance(max_iter, int) and not isinstance(max_iter, bool) and max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if getattr(self, "param_groups", None):
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_numbers(group, "lr", "tolerance_grad", "tolerance_change")
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"LBFGS: expected a positive integer {key}, got {value!r}")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r}")

    # --- the parameters as one flat vector ----------------------------------------------
    def _flat_grad(self) -> Any:
        """Every gradient, flattened and concatenated (zeros for a parameter without one)."""
        xp = self._params[0].xp
        views = [xp.zeros(p.array.size, dtype=p.dtype) if p.grad is None
                 else self._grad_array(p).reshape(-1) for p in self._params]
        return xp.concatenate(views)

    def _add_grad(self, step_size: Any, update: Any) -> None:
        """p += step_size * update, slice by slice (a write that invalidates saved graphs)."""
        offset = 0
        for p in self._params:
            n = p.array.size
            bump_version(p.array)
            p.array += step_size * update[offset:offset + n].reshape(p.array.shape)
            offset += n

    def _set_params(self, arrays: list) -> None:
        for p, a in zip(self._params, arrays):
            bump_version(p.array)
            p.array[...] = a

    def _directional_evaluate(self, closure: Callable, x: list, t: Any, d: Any) -> tuple:
        """Loss and flat gradient at x + t d; the parameters are then put back to x."""
        self._add_grad(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._flat_grad()
        self._set_params(x)
        return loss, flat_grad

    # --- the step -----------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise TypeError("LBFGS.step: requires a closure that reevaluates the model and "
                            "returns the loss (it is called several times per step)")
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = self._params[0].xp
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if xp.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d = _array(state.get("d"))
        t = state.get("t")
        old_dirs = [_array(v) for v in state.get("old_dirs") or []]
        old_stps = [_array(v) for v in state.get("old_stps") or []]
        ro = list(state.get("ro") or [])
        h_diag = state.get("H_diag")
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")
        al = list(state.get("al") or [None] * history_size)

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = xp.dot(y, s)
                if ys > 1e-10:  # keep the pair only where it says the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / xp.dot(y, y)
                # two-loop recursion: d = -H g
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = xp.dot(old_stps[i], q) * ro[i]
                    q += -al[i] * old_dirs[i]
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = xp.dot(old_dirs[i], d) * ro[i]
                    d += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = xp.dot(flat_grad, d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            ls_func_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x_init = [p.array.copy() for p in self._params]

                def obj_func(x: list, step: Any, direction: Any) -> tuple:
                    return self._directional_evaluate(closure, x, step, direction)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    xp, obj_func, x_init, t, d, loss, flat_grad, gtd,
                    tolerance_change=tolerance_change, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:  # the last iteration's loss is the next step's first
                    loss = float(self._evaluate(closure))
                    flat_grad = self._flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if xp.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        device = self._params[0].device
        state["d"] = Tensor._make(d, device)
        state["t"] = float(t)
        state["old_dirs"] = [Tensor._make(v, device) for v in old_dirs]
        state["old_stps"] = [Tensor._make(v, device) for v in old_stps]
        state["ro"] = [float(v) for v in ro]
        state["H_diag"] = float(h_diag)
        state["prev_flat_grad"] = Tensor._make(prev_flat_grad, device)
        state["prev_loss"] = prev_loss
        state["al"] = [None if v is None else float(v) for v in al]
        return orig_loss

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As Optimizer's, but the history vectors are flat (over all parameters), and 0-d
        tensors from a PyTorch checkpoint become numbers."""
        if not isinstance(state_dict, Mapping) or "state" not in state_dict:
            super().load_state_dict(state_dict)  # raises its clear error
        super().load_state_dict({**state_dict, "state": {}})
        index = list(state_dict["param_groups"][0]["params"])
        new_state = type(self.state)(dict)
        p0 = self._params[0]
        for key, saved in state_dict["state"].items():
            if key not in index:
                raise ValueError(f"LBFGS.load_state_dict: state for parameter {key!r}, which "
                                 f"the parameter group does not list (known: {index})")
            new_state[self._params[index.index(key)]] = {k: _adopt_flat(v, p0)
                                                         for k, v in saved.items()}
        self.state = new_state


def _array(value: Any) -> Any:
    return value.array if isinstance(value, Tensor) else value


def _adopt_flat(value: Any, p: Tensor) -> Any:
    """A loaded LBFGS state entry on ``p``'s device and dtype: vectors stay Tensors, 0-d
    tensors become Python numbers, lists are adopted element by element."""
    if isinstance(value, (list, tuple)):
        return [_adopt_flat(v, p) for v in value]
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if value.ndim == 0:
        number = value.item()
        return float(number) if isinstance(number, numbers.Real) else number
    array = value.array
    if value.device != p.device:
        array = p.backend.asarray(value.backend.to_numpy(array))
    return Tensor._make(array.astype(p.dtype, copy=True), p.device)


def _cubic_interpolate(xp: Any, x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: tuple | None = None) -> Any:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to
    ``bounds`` (default: the interval); the bounds' midpoint if the cubic has none."""
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = xp.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, low), high)
    return (low + high) / 2.0


def _strong_wolfe(xp: Any, obj_func: Callable, x: list, t: Any, d: Any, f: float, g: Any,
                  gtd: Any, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple:
    """A step t along d meeting the strong Wolfe conditions (sufficient decrease c1,
    curvature c2): bracket it by growing t, then zoom in by cubic interpolation.
    Returns (loss, flat gradient, t, closure evaluations)."""
    d_norm = xp.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = xp.dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list = []
    bracket_f: list = []
    bracket_g: list = []
    bracket_gtd: list = []
    # bracketing phase
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate, at least 1% further and at most 10 times as far
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(xp, t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = xp.dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations: pick the better of the start and t
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: shrink the bracket until the conditions hold
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(xp, bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # keep t away from the ends of the bracket, or the search stalls there
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = xp.dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], evals


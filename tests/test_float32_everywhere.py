"""Every differentiable op, functional, layer and loss keeps a float32 computation float32.

NumPy 2 promotes float32 silently when it meets a np.float64 constant, a float64 array built
from Python floats, or an int64 array, so a leak anywhere shows up as a float64 output or
gradient. The tables below are checked against the public names (``mg.*`` ops,
``nn.functional``, the ``nn`` layers), so a new name without a row here fails
``test_every_public_name_has_a_row``: add a call for it, or list it as not differentiable.
The OpSuite harness checks the same for the ops it declares; this file covers everything.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

# --- inputs --------------------------------------------------------------------------------


def _leaf(*shape: int, low: float | None = None) -> mg.Tensor:
    """A float32 leaf: standard normal, or uniform in [low, low + 1) when low is given."""
    values = mg.randn(*shape) if low is None else mg.rand(*shape) + low
    return values.float().requires_grad_()


def _n(*shape: int) -> Callable[[], mg.Tensor]:
    return lambda: _leaf(*shape)


def _p(*shape: int) -> Callable[[], mg.Tensor]:
    """Positive values, away from zero (logs, roots, divisions, norms)."""
    return lambda: _leaf(*shape, low=0.5)


def _u(*shape: int) -> Callable[[], mg.Tensor]:
    """Values inside (0, 1) (probabilities, lerp weights)."""
    return lambda: (mg.rand(*shape) * 0.8 + 0.1).float().requires_grad_()


def _idx(values: list) -> mg.Tensor:
    return mg.tensor(values, dtype=mg.int64)


def _signs(*shape: int) -> mg.Tensor:
    """A float32 +-1 target (ranking, hinge and cosine embedding losses)."""
    return (mg.rand(*shape) > 0.5).float() * 2.0 - 1.0


# --- mg.* ops: name -> (call, input makers) ------------------------------------------------
OPS: dict[str, tuple[Callable[..., Any], list]] = {
    # elementwise
    "abs": (lambda x: mg.abs(x), [_n(3, 4)]),
    "ceil": (lambda x: mg.ceil(x), [_n(3, 4)]),
    "clamp": (lambda x: mg.clamp(x, -0.5, 0.5), [_n(3, 4)]),
    "clip": (lambda x: mg.clip(x, min=-0.5), [_n(3, 4)]),
    "cos": (lambda x: mg.cos(x), [_n(3, 4)]),
    "exp": (lambda x: mg.exp(x), [_n(3, 4)]),
    "exp2": (lambda x: mg.exp2(x), [_n(3, 4)]),
    "expm1": (lambda x: mg.expm1(x), [_n(3, 4)]),
    "fix": (lambda x: mg.fix(x), [_n(3, 4)]),
    "floor": (lambda x: mg.floor(x), [_n(3, 4)]),
    "fmod": (lambda x, y: mg.fmod(x, y) + mg.fmod(x, 0.7), [_n(3, 4), _p(3, 4)]),
    "frac": (lambda x: mg.frac(x), [_n(3, 4)]),
    "lerp": (lambda a, b, w: mg.lerp(a, b, w) + mg.lerp(a, b, 0.3), [_n(3, 4), _n(3, 4), _u(3, 4)]),
    "log": (lambda x: mg.log(x), [_p(3, 4)]),
    "log10": (lambda x: mg.log10(x), [_p(3, 4)]),
    "log1p": (lambda x: mg.log1p(x), [_p(3, 4)]),
    "log2": (lambda x: mg.log2(x), [_p(3, 4)]),
    "maximum": (lambda x, y: mg.maximum(x, y), [_n(3, 4), _n(4)]),
    "minimum": (lambda x, y: mg.minimum(x, y), [_n(3, 4), _n(4)]),
    "nan_to_num": (lambda x: mg.nan_to_num(x / 0.0 * x.sign(), nan=0.5, posinf=2.0, neginf=-2.0) + x,
                   [_n(3, 4)]),
    "neg": (lambda x: mg.neg(x), [_n(3, 4)]),
    "pow": (lambda x, y: mg.pow(x, y) + mg.pow(x, 1.5) + mg.pow(2.0, y), [_p(3, 4), _n(3, 4)]),
    "reciprocal": (lambda x: mg.reciprocal(x), [_p(3, 4)]),
    "relu": (lambda x: mg.relu(x), [_n(3, 4)]),
    "remainder": (lambda x, y: mg.remainder(x, y) + mg.remainder(x, 0.7) + x % 0.3, [_n(3, 4), _p(3, 4)]),
    "round": (lambda x: mg.round(x) + mg.round(x, decimals=2), [_n(3, 4)]),
    "rsqrt": (lambda x: mg.rsqrt(x), [_p(3, 4)]),
    "sigmoid": (lambda x: mg.sigmoid(x), [_n(3, 4)]),
    "sign": (lambda x: mg.sign(x) * x, [_n(3, 4)]),
    "sin": (lambda x: mg.sin(x), [_n(3, 4)]),
    "sqrt": (lambda x: mg.sqrt(x), [_p(3, 4)]),
    "square": (lambda x: mg.square(x), [_n(3, 4)]),
    "tanh": (lambda x: mg.tanh(x), [_n(3, 4)]),
    "trunc": (lambda x: mg.trunc(x), [_n(3, 4)]),
    "where": (lambda x, y: mg.where(x > 0, x, y) + mg.where(x > 0, x, 0.5), [_n(3, 4), _n(3, 4)]),
    # activations exported at the top level
    "erf": (lambda x: mg.erf(x), [_n(3, 4)]),
    "erfc": (lambda x: mg.erfc(x), [_n(3, 4)]),
    "prelu": (lambda x, w: mg.prelu(x, w), [_n(2, 3, 4), _u(3)]),
    "selu": (lambda x: mg.selu(x), [_n(3, 4)]),
    "threshold": (lambda x: mg.threshold(x, 0.1, -2.0), [_n(3, 4)]),
    # indexing
    "diag": (lambda x, v: mg.diag(x, 1).sum() + mg.diag(v, -1).sum(), [_n(4, 4), _n(3)]),
    "diagonal": (lambda x: mg.diagonal(x, 1, 0, 2), [_n(3, 2, 4)]),
    "gather": (lambda x: mg.gather(x, 1, _idx([[0, 3], [2, 2], [1, 0]])), [_n(3, 4)]),
    "index_select": (lambda x: mg.index_select(x, 1, _idx([3, 0, 0])), [_n(3, 4)]),
    "masked_fill": (lambda x: mg.masked_fill(x, x > 0, 0.25) + mg.masked_fill(x, x < 0, mg.tensor(2.0)),
                    [_n(3, 4)]),
    "scatter": (lambda x, s: mg.scatter(x, 0, _idx([[1, 0, 2, 1]]), s) + mg.scatter(x, 1, _idx([[0], [1], [2]]),
                                                                                      value=1.5),
                [_n(3, 4), _n(1, 4)]),
    "scatter_reduce": (lambda x, s: sum(mg.scatter_reduce(x, 0, _idx([[1, 0, 2, 1], [1, 1, 0, 1]]), s, r,
                                                          include_self=r != "mean")
                                        for r in ("sum", "prod", "mean", "amax", "amin"))
                       + mg.scatter(x, 0, _idx([[1, 0, 2, 1]]), s[:1], reduce="multiply"),
                       [_n(3, 4), _n(2, 4)]),
    "scatter_add": (lambda x, s: mg.scatter_add(x, 0, _idx([[1, 0, 2, 1], [1, 1, 1, 1]]), s), [_n(3, 4), _n(2, 4)]),
    "take_along_dim": (lambda x: mg.take_along_dim(x, _idx([[0], [3], [1]]), 1) + mg.take_along_dim(x, _idx([5])).sum(),
                       [_n(3, 4)]),
    "trace": (lambda x: mg.trace(x), [_n(3, 4)]),
    "tril": (lambda x: mg.tril(x, -1), [_n(3, 4)]),
    "triu": (lambda x: mg.triu(x, 1), [_n(3, 4)]),
    # linalg
    "bmm": (lambda a, b: mg.bmm(a, b), [_n(2, 3, 4), _n(2, 4, 5)]),
    "dot": (lambda a, b: mg.dot(a, b), [_n(4), _n(4)]),
    "einsum": (lambda a, b: mg.einsum("bij,bjk->bik", a, b) + mg.einsum("...ij->...j", a).sum(),
               [_n(2, 3, 4), _n(2, 4, 5)]),
    "matmul": (lambda a, b: mg.matmul(a, b), [_n(3, 4), _n(4)]),
    "mm": (lambda a, b: mg.mm(a, b), [_n(3, 4), _n(4, 5)]),
    "outer": (lambda a, b: mg.outer(a, b), [_n(3), _n(4)]),
    # products (ops/products.py) and determinants / inverse (ops/linalg_decomp.py)
    "addbmm": (lambda x, a, b: mg.addbmm(x, a, b, beta=0.5, alpha=2.0), [_n(3, 5), _n(2, 3, 4), _n(2, 4, 5)]),
    "addmm": (lambda x, a, b: mg.addmm(x, a, b, beta=0.5, alpha=2.0), [_n(5), _n(3, 4), _n(4, 5)]),
    "addmv": (lambda x, a, v: mg.addmv(x, a, v, beta=0.5, alpha=2.0), [_n(3), _n(3, 4), _n(4)]),
    "baddbmm": (lambda x, a, b: mg.baddbmm(x, a, b, beta=0.5, alpha=2.0), [_n(2, 3, 5), _n(2, 3, 4), _n(2, 4, 5)]),
    "cross": (lambda a, b: mg.cross(a, b) + mg.linalg.cross(a, b, dim=1), [_n(3, 3), _n(3, 3)]),
    "det": (lambda a: mg.det(a + mg.eye(3) * 3.0), [_n(2, 3, 3)]),
    "inner": (lambda a, b: mg.inner(a, b), [_n(2, 4), _n(3, 4)]),
    "inverse": (lambda a: mg.inverse(a + mg.eye(3) * 3.0), [_n(3, 3)]),
    "kron": (lambda a, b: mg.kron(a, b), [_n(2, 3), _n(3, 2)]),
    "logdet": (lambda a: mg.logdet(a @ a.mT + mg.eye(3)), [_n(3, 3)]),
    "matrix_power": (lambda a: mg.matrix_power(a, 3) + mg.matrix_power(a + mg.eye(3) * 3.0, -2),
                     [_n(3, 3)]),
    "slogdet": (lambda a: mg.slogdet(a + mg.eye(3) * 3.0), [_n(3, 3)]),
    "tensordot": (lambda a, b: mg.tensordot(a, b, 2) + mg.tensordot(a, b, ([1, 2], [0, 1])),
                  [_n(2, 3, 4), _n(3, 4)]),
    # rearrange and shape
    "broadcast_tensors": (lambda a, b: mg.broadcast_tensors(a, b), [_n(3, 1), _n(4)]),
    "broadcast_to": (lambda x: mg.broadcast_to(x, (2, 3, 4)), [_n(3, 1)]),
    "cat": (lambda a, b: mg.cat([a, b], 1), [_n(3, 4), _n(3, 2)]),
    "chunk": (lambda x: mg.chunk(x, 3, 1), [_n(3, 4)]),
    "flatten": (lambda x: mg.flatten(x, 1), [_n(2, 3, 4)]),
    "flip": (lambda x: mg.flip(x, (0, 1)), [_n(3, 4)]),
    "meshgrid": (lambda a, b: mg.meshgrid(a, b, indexing="xy"), [_n(3), _n(4)]),
    "moveaxis": (lambda x: mg.moveaxis(x, 0, -1), [_n(2, 3, 4)]),
    "movedim": (lambda x: mg.movedim(x, (0, 1), (2, 0)), [_n(2, 3, 4)]),
    "narrow": (lambda x: mg.narrow(x, 1, 1, 2), [_n(3, 4)]),
    "narrow_copy": (lambda x: mg.narrow_copy(x, 1, 1, 2), [_n(3, 4)]),
    "adjoint": (lambda x: mg.adjoint(x), [_n(2, 3, 4)]),
    "permute": (lambda x: mg.permute(x, (2, 0, 1)), [_n(2, 3, 4)]),
    "reshape": (lambda x: mg.reshape(x, (4, -1)), [_n(3, 4)]),
    "roll": (lambda x: mg.roll(x, (1, -2), (0, 1)) + mg.roll(x, 5), [_n(3, 4)]),
    "split": (lambda x: mg.split(x, [1, 3], 1), [_n(3, 4)]),
    "squeeze": (lambda x: mg.squeeze(x, 1), [_n(3, 1, 4)]),
    "stack": (lambda a, b: mg.stack([a, b], 1), [_n(3, 4), _n(3, 4)]),
    "swapaxes": (lambda x: mg.swapaxes(x, 0, 2), [_n(2, 3, 4)]),
    "swapdims": (lambda x: mg.swapdims(x, 0, 1), [_n(2, 3, 4)]),
    "t": (lambda x: mg.t(x), [_n(3, 4)]),
    "tile": (lambda x: mg.tile(x, (2, 1, 3)), [_n(3, 4)]),
    "transpose": (lambda x: mg.transpose(x, 0, 1), [_n(3, 4)]),
    "unbind": (lambda x: mg.unbind(x, 1), [_n(3, 4)]),
    "unflatten": (lambda x: mg.unflatten(x, 1, (2, -1)), [_n(3, 4)]),
    "unsqueeze": (lambda x: mg.unsqueeze(x, 1), [_n(3, 4)]),
    # reductions
    "amax": (lambda x: mg.amax(x, 1), [_n(3, 4)]),
    "amin": (lambda x: mg.amin(x, (0, 1)), [_n(3, 4)]),
    "cumprod": (lambda x: mg.cumprod(x, 1), [_n(3, 4)]),
    "cumsum": (lambda x: mg.cumsum(x, 0), [_n(3, 4)]),
    "logsumexp": (lambda x: mg.logsumexp(x, 1), [_n(3, 4)]),
    "max": (lambda x: (mg.max(x), mg.max(x, 1)[0]), [_n(3, 4)]),
    "mean": (lambda x: mg.mean(x, 1), [_n(3, 4)]),
    "median": (lambda x: (mg.median(x), mg.median(x, 1)[0]), [_n(3, 4)]),
    "min": (lambda x: (mg.min(x), mg.min(x, 0)[0]), [_n(3, 4)]),
    "norm": (lambda x: (mg.norm(x), mg.norm(x, 1, 1), mg.norm(x, float("inf"), 0), mg.norm(x, 3.5),
                        mg.norm(x, "fro"), mg.norm(x, 0.5, 1)), [_p(3, 4)]),
    "prod": (lambda x: (mg.prod(x), mg.prod(x, 1)), [_n(3, 4)]),
    "std": (lambda x: mg.std(x, 1), [_n(3, 4)]),
    "sum": (lambda x: mg.sum(x, 1), [_n(3, 4)]),
    "var": (lambda x: mg.var(x, 0, correction=0), [_n(3, 4)]),
    # more reductions (ops/reduction_more.py)
    "aminmax": (lambda x: tuple(mg.aminmax(x, dim=1)), [_n(3, 4)]),
    "cummax": (lambda x: mg.cummax(x, 1).values, [_n(3, 4)]),
    "cummin": (lambda x: mg.cummin(x, 0).values, [_n(3, 4)]),
    "diff": (lambda x, p: mg.diff(x, 2, 1, prepend=p), [_n(3, 4), _n(3, 2)]),
    "kthvalue": (lambda x: mg.kthvalue(x, 2, 1).values, [_n(3, 4)]),
    "logcumsumexp": (lambda x: mg.logcumsumexp(x, 1), [_n(3, 4)]),
    "mode": (lambda x: mg.mode(x, 0).values, [_n(3, 4)]),
    "msort": (lambda x: mg.msort(x), [_n(3, 4)]),
    "nanmean": (lambda x: mg.nanmean(x, 1), [_n(3, 4)]),
    "nanquantile": (lambda x: mg.nanquantile(x, 0.3, 1), [_n(3, 4)]),
    "nansum": (lambda x: mg.nansum(x, 0), [_n(3, 4)]),
    "quantile": (lambda x: mg.quantile(x, mg.tensor([0.2, 0.7], dtype=mg.float32), 1,
                                       interpolation="midpoint"), [_n(3, 4)]),
    "std_mean": (lambda x: mg.std_mean(x, 1), [_n(3, 4)]),
    "var_mean": (lambda x: mg.var_mean(x, 0, correction=0), [_n(3, 4)]),
    # selection by index (ops/selection.py)
    "index_add": (lambda x, s: mg.index_add(x, 1, _idx([0, 2, 0]), s, alpha=0.5),
                  [_n(3, 4), _n(3, 3)]),
    "index_copy": (lambda x, s: mg.index_copy(x, 0, _idx([2, 0]), s), [_n(3, 4), _n(2, 4)]),
    "index_fill": (lambda x: mg.index_fill(x, 1, _idx([1, 3]), 2.5), [_n(3, 4)]),
    "masked_select": (lambda x: mg.masked_select(x, x > 0), [_n(3, 4)]),
    "take": (lambda x: mg.take(x, _idx([[0, -1], [5, 5]])), [_n(3, 4)]),
    # splits, stacks and statistics (ops/stacking.py, ops/statistics.py)
    "atleast_1d": (lambda x: mg.atleast_1d(x), [_n()]),
    "atleast_2d": (lambda x: mg.atleast_2d(x), [_n(3)]),
    "atleast_3d": (lambda x: mg.atleast_3d(x), [_n(3, 4)]),
    "block_diag": (lambda a, b: mg.block_diag(a, b), [_n(2, 3), _n(4)]),
    "cartesian_prod": (lambda a, b: mg.cartesian_prod(a, b), [_n(3), _n(2)]),
    "column_stack": (lambda a, b: mg.column_stack([a, b]), [_n(3), _n(3, 2)]),
    "combinations": (lambda x: mg.combinations(x, 2), [_n(4)]),
    "diag_embed": (lambda x: mg.diag_embed(x, 1), [_n(3, 4)]),
    "diagflat": (lambda x: mg.diagflat(x), [_n(3, 4)]),
    "dsplit": (lambda x: mg.dsplit(x, 2), [_n(2, 3, 4)]),
    "dstack": (lambda a, b: mg.dstack([a, b]), [_n(3, 4), _n(3, 4)]),
    "fliplr": (lambda x: mg.fliplr(x), [_n(3, 4)]),
    "flipud": (lambda x: mg.flipud(x), [_n(3, 4)]),
    "hsplit": (lambda x: mg.hsplit(x, [1]), [_n(3, 4)]),
    "hstack": (lambda a, b: mg.hstack([a, b]), [_n(3, 4), _n(3, 2)]),
    "repeat_interleave": (lambda x: mg.repeat_interleave(x, _idx([1, 0, 2]), 0), [_n(3, 4)]),
    "rot90": (lambda x: mg.rot90(x, 3), [_n(3, 4)]),
    "row_stack": (lambda a, b: mg.row_stack([a, b]), [_n(4), _n(3, 4)]),
    "select": (lambda x: mg.select(x, 1, 2), [_n(3, 4)]),
    "tensor_split": (lambda x: mg.tensor_split(x, 3, 1), [_n(3, 4)]),
    "vander": (lambda x: mg.vander(x, 4), [_n(3)]),
    "vsplit": (lambda x: mg.vsplit(x, 3), [_n(3, 4)]),
    "vstack": (lambda a, b: mg.vstack([a, b]), [_n(4), _n(3, 4)]),
    "cdist": (lambda a, b: (mg.cdist(a, b), mg.cdist(a, b, 1.5)), [_n(3, 4), _n(2, 4)]),
    "pdist": (lambda a: (mg.pdist(a), mg.pdist(a, 1.5)), [_n(4, 3)]),
    "corrcoef": (lambda x: mg.corrcoef(x), [_n(3, 5)]),
    "cov": (lambda x, w: mg.cov(x, aweights=w, fweights=_idx([1, 2, 1, 3, 1])),
            [_n(3, 5), _p(5)]),
    "cumulative_trapezoid": (lambda y, x: mg.cumulative_trapezoid(y, x), [_n(3, 4), _n(4)]),
    "dist": (lambda a, b: mg.dist(a, b, 3), [_n(3, 4), _n(4)]),
    "renorm": (lambda x: mg.renorm(x, 2, 0, 0.5), [_n(3, 4)]),
    "trapezoid": (lambda y: mg.trapezoid(y, dx=0.5), [_n(3, 4)]),
    "trapz": (lambda y, x: mg.trapz(y, x, dim=0), [_n(3, 4), _n(3)]),
    # trig/hyperbolic (ops/trig.py)
    "acos": (lambda x: mg.acos(x), [_u(3, 4)]),
    "acosh": (lambda x: mg.acosh(x + 1.5), [_p(3, 4)]),
    "arccos": (lambda x: mg.arccos(x), [_u(3, 4)]),
    "arccosh": (lambda x: mg.arccosh(x + 1.5), [_p(3, 4)]),
    "arcsin": (lambda x: mg.arcsin(x), [_u(3, 4)]),
    "arcsinh": (lambda x: mg.arcsinh(x), [_n(3, 4)]),
    "arctan": (lambda x: mg.arctan(x), [_n(3, 4)]),
    "arctan2": (lambda y, x: mg.arctan2(y, x), [_n(3, 4), _p(4)]),
    "arctanh": (lambda x: mg.arctanh(x), [_u(3, 4)]),
    "asin": (lambda x: mg.asin(x), [_u(3, 4)]),
    "asinh": (lambda x: mg.asinh(x), [_n(3, 4)]),
    "atan": (lambda x: mg.atan(x), [_n(3, 4)]),
    "atan2": (lambda y, x: mg.atan2(y, x), [_n(3, 4), _p(4)]),
    "atanh": (lambda x: mg.atanh(x), [_u(3, 4)]),
    "cosh": (lambda x: mg.cosh(x), [_n(3, 4)]),
    "deg2rad": (lambda x: mg.deg2rad(x), [_n(3, 4)]),
    "hypot": (lambda a, b: mg.hypot(a, b), [_p(3, 4), _n(4)]),
    "rad2deg": (lambda x: mg.rad2deg(x), [_n(3, 4)]),
    "sinc": (lambda x: mg.sinc(x), [_n(3, 4)]),
    "sinh": (lambda x: mg.sinh(x), [_n(3, 4)]),
    "tan": (lambda x: mg.tan(x), [_u(3, 4)]),
    # more elementwise (ops/elementwise_more.py) and functional forms (ops/functional_forms.py)
    "clamp_max": (lambda x, hi: (mg.clamp_max(x, 0.3), mg.clamp_max(x, hi)), [_n(3, 4), _n(4)]),
    "clamp_min": (lambda x: mg.clamp_min(x, _F64(-0.3)), [_n(3, 4)]),
    "copysign": (lambda a, b: mg.copysign(a, b), [_p(3, 4), _n(3, 1)]),
    # float_power's result is float64 by definition (PyTorch's too): the row checks that the
    # gradients come back float32
    "float_power": (lambda a, b: mg.float_power(a, b).float(), [_p(3, 4), _n(4)]),
    "floor_divide": (lambda a: mg.floor_divide(a, 0.7), [_n(3, 4)]),
    "fmax": (lambda a, b: mg.fmax(a, b), [_n(3, 4), _n(4)]),
    "fmin": (lambda a, b: mg.fmin(a, b), [_n(3, 4), _n(4)]),
    "logaddexp": (lambda a, b: mg.logaddexp(a, b), [_n(3, 4), _n(4)]),
    "logaddexp2": (lambda a, b: mg.logaddexp2(a, b), [_n(3, 4), _n(4)]),
    "logit": (lambda x: (mg.logit(x), mg.logit(x, eps=0.2)), [_u(3, 4)]),
    "true_divide": (lambda a, b: mg.true_divide(a, b), [_n(3, 4), _p(4)]),
    "xlogy": (lambda a, b: (mg.xlogy(a, b), mg.xlogy(2, b)), [_n(3, 4), _p(4)]),
    "clone": (lambda x: mg.clone(x), [_n(3, 4)]),
    "concat": (lambda a, b: mg.concat([a, b], dim=1), [_n(3, 4), _n(3, 2)]),
    "concatenate": (lambda a, b: mg.concatenate([a, b], axis=0), [_n(3, 4), _n(1, 4)]),
    "ger": (lambda a, b: mg.ger(a, b), [_n(3), _n(4)]),
    "mv": (lambda m, v: mg.mv(m, v), [_n(3, 4), _n(4)]),
    # the gamma family, erfinv, i0 (ops/gamma.py, ops/special.py)
    "lgamma": (lambda x: mg.lgamma(x), [_p(3, 4)]),
    "digamma": (lambda x: mg.digamma(x), [_p(3, 4)]),
    "polygamma": (lambda x: mg.polygamma(2, x), [_p(3, 4)]),
    "mvlgamma": (lambda x: mg.mvlgamma(x + 1.0, 3), [_p(3, 4)]),
    "erfinv": (lambda x: mg.erfinv(x), [_u(3, 4)]),
    "i0": (lambda x: mg.i0(x), [_n(3, 4)]),
    "igamma": (lambda a, x: mg.igamma(a.detach(), x), [_p(3, 4), _p(4)]),
    "igammac": (lambda a, x: mg.igammac(a.detach(), x), [_p(3, 4), _p(4)]),
    "ldexp": (lambda x: mg.ldexp(x, _idx([[1, -2, 0, 3]])), [_n(3, 4)]),
    # torch's keyword forms and aliases, gradient (ops/aliases.py, ops/finite_difference.py)
    "add": (lambda a, b: mg.add(a, b, alpha=0.5) + mg.add(a, 2.0, alpha=3), [_n(3, 4), _n(4)]),
    "sub": (lambda a, b: mg.sub(a, b, alpha=0.5) + mg.sub(2.0, b), [_n(3, 4), _n(4)]),
    "subtract": (lambda a, b: mg.subtract(a, b, alpha=2), [_n(3, 4), _n(4)]),
    "rsub": (lambda a, b: mg.rsub(a, b, alpha=0.5) + mg.rsub(a, 2.0), [_n(3, 4), _n(4)]),
    "mul": (lambda a, b: mg.mul(a, b) * mg.mul(a, 0.5), [_n(3, 4), _n(4)]),
    "multiply": (lambda a, b: mg.multiply(a, b), [_n(3, 4), _n(4)]),
    "div": (lambda a, b: (mg.div(a, b), mg.div(a, b, rounding_mode="floor"),
                          mg.div(a, 0.7, rounding_mode="trunc")), [_n(3, 4), _p(4)]),
    "divide": (lambda a, b: mg.divide(a, b), [_n(3, 4), _p(4)]),
    "negative": (lambda x: mg.negative(x), [_n(3, 4)]),
    "positive": (lambda x: mg.positive(x) * 1.0, [_n(3, 4)]),
    "absolute": (lambda x: mg.absolute(x), [_n(3, 4)]),
    "sgn": (lambda x: mg.sgn(x) + x, [_n(3, 4)]),
    "addcmul": (lambda x, a, b: mg.addcmul(x, a, b, value=0.5), [_n(3, 4), _n(4), _n(3, 1)]),
    "addcdiv": (lambda x, a, b: mg.addcdiv(x, a, b, value=0.5), [_n(3, 4), _n(4), _p(3, 1)]),
    "addr": (lambda x, a, b: mg.addr(x, a, b, beta=0.5, alpha=2), [_n(3, 4), _n(3), _n(4)]),
    "vdot": (lambda a, b: mg.vdot(a, b), [_n(4), _n(4)]),
    "ravel": (lambda x: mg.ravel(x.t()), [_n(3, 4)]),
    "nanmedian": (lambda x: (mg.nanmedian(x), mg.nanmedian(x, 1).values), [_n(3, 4)]),
    "gradient": (lambda x: mg.gradient(x, spacing=[0.5, mg.tensor([0.0, 1.0, 3.0, 3.5])],
                                       edge_order=2), [_n(3, 4)]),
    # softmax family
    "log_softmax": (lambda x: mg.log_softmax(x, 1), [_n(3, 4)]),
    "softmax": (lambda x: mg.softmax(x, 0), [_n(3, 4)]),
    # sorting
    "sort": (lambda x: mg.sort(x, 1, descending=True)[0], [_n(3, 4)]),
    "topk": (lambda x: mg.topk(x, 2, 1)[0], [_n(3, 4)]),
    # scatter views and index writes (ops/scatter_views.py, ops/index_writes.py)
    "as_strided": (lambda x: mg.as_strided(x, (3, 2), (2, 3), 1), [_n(3, 4)]),
    "diagonal_scatter": (lambda x, s: mg.diagonal_scatter(x, s, 1), [_n(3, 4), _n(3)]),
    "select_scatter": (lambda x, s: mg.select_scatter(x, s, 1, -1), [_n(3, 4), _n(3)]),
    "slice_scatter": (lambda x, s: mg.slice_scatter(x, s, 1, 0, 4, 2), [_n(3, 4), _n(3, 2)]),
    "split_with_sizes": (lambda x: mg.split_with_sizes(x, [1, 3], 1), [_n(3, 4)]),
    "index_put": (lambda x, v: mg.index_put(x, (_idx([0, 2]), _idx([1, 1])), v, True), [_n(3, 4), _n(2)]),
    "index_reduce": (lambda x, s: mg.index_reduce(x, 0, _idx([0, 2, 0]), s, "mean"), [_n(3, 4), _n(3, 4)]),
    "masked_scatter": (lambda x, s: mg.masked_scatter(x, x.detach() > 0, s), [_n(3, 4), _n(12)]),
    "put": (lambda x, s: mg.put(x, _idx([0, -1, 5]), s), [_n(3, 4), _n(3)]),
    # matrix exp, triangular / Cholesky / LU solves (ops/matrix_exp.py, linalg_triangular.py, linalg_lu.py)
    "matrix_exp": (lambda a: mg.matrix_exp(a) + mg.linalg.matrix_exp(a), [_n(2, 3, 3)]),
    "triangular_solve": (lambda b, a: mg.triangular_solve(b, a + 3 * mg.eye(3))[0], [_n(3, 2), _n(3, 3)]),
    "cholesky_solve": (lambda b, l: mg.cholesky_solve(b, l + 3 * mg.eye(3)), [_n(3, 2), _n(3, 3)]),
    "cholesky_inverse": (lambda l: mg.cholesky_inverse(l + 3 * mg.eye(3)), [_n(3, 3)]),
    "lu_unpack": (lambda a: mg.lu_unpack(*mg.linalg.lu_factor(a))[1:]
                  + (mg.linalg.lu(a).U, mg.linalg.lu_solve(*mg.linalg.lu_factor(a), a),
                     mg.linalg.solve_triangular(a, a, upper=True), mg.linalg.vecdot(a, a),
                     mg.linalg.multi_dot([a, a, a]), mg.linalg.cond(a), mg.linalg.diagonal(a),
                     *mg.linalg.qr(a[:2], mode="complete"), mg.linalg.svd(a[:, :2]).U),
                  [lambda: (mg.randn(3, 3) * 0.3 + 2 * mg.eye(3)).float().requires_grad_()]),
    # convolutions (the mg.* aliases of F.conv*)
    "conv1d": (lambda x, w: mg.conv1d(x, w, padding=1), [_n(2, 3, 6), _n(4, 3, 3)]),
    "conv2d": (lambda x, w: mg.conv2d(x, w, stride=2), [_n(2, 3, 5, 5), _n(4, 3, 3, 3)]),
    "conv3d": (lambda x, w: mg.conv3d(x, w, padding=1), [_n(1, 2, 3, 3, 3), _n(4, 2, 2, 2, 2)]),
    "conv_transpose1d": (lambda x, w: mg.conv_transpose1d(x, w, stride=2), [_n(2, 3, 4), _n(3, 2, 3)]),
    "conv_transpose2d": (lambda x, w: mg.conv_transpose2d(x, w, stride=2), [_n(2, 3, 3, 3), _n(3, 2, 2, 2)]),
    "conv_transpose3d": (lambda x, w: mg.conv_transpose3d(x, w, stride=2),
                         [_n(1, 3, 2, 2, 2), _n(3, 2, 2, 2, 2)]),
    # top-level pooling forms (ops/pooling_forms.py)
    "max_pool1d": (lambda x: mg.max_pool1d(x, 3, 2, 1), [_n(2, 3, 7)]),
    "max_pool1d_with_indices": (lambda x: mg.max_pool1d_with_indices(x, 3, 2), [_n(2, 3, 7)]),
    "max_pool2d": (lambda x: mg.max_pool2d(x, 3, 2, 1), [_n(2, 3, 6, 7)]),
    "max_pool3d": (lambda x: mg.max_pool3d(x, 2, 1, 1), [_n(2, 3, 4, 5, 3)]),
    "avg_pool1d": (lambda x: mg.avg_pool1d(x, 3, 2, 1), [_n(2, 3, 7)]),
    "adaptive_avg_pool1d": (lambda x: mg.adaptive_avg_pool1d(x, 3), [_n(2, 3, 7)]),
    "adaptive_max_pool1d": (lambda x: mg.adaptive_max_pool1d(x, 3), [_n(2, 3, 7)]),
}

# Tensor methods that have no mg.* function.
TENSOR_METHODS: dict[str, tuple[Callable[..., Any], list]] = {
    "repeat": (lambda x: x.repeat(2, 1, 3), [_n(3, 4)]),
    "sum_to_size": (lambda x: x.sum_to_size(1, 4), [_n(3, 4)]),
    "unfold": (lambda x: x.unfold(1, 2, 1), [_n(3, 4)]),
}

# mg.* names whose outputs are not floating (or not tensors), so there is no float32 to keep.
OPS.update({  # the *_copy view functions and real-tensor forms (ops/view_copies.py,
    # ops/real_tensors.py), and torch-namespace aliases of functional ops
    "alias_copy": (lambda x: mg.alias_copy(x), [_n(3, 4)]),
    "as_strided_copy": (lambda x: mg.as_strided_copy(x, (2, 2), (1, 2)), [_n(3, 4)]),
    "as_strided_scatter": (lambda x, s: mg.as_strided_scatter(x, s, (2, 2), (1, 2)),
                           [_n(3, 4), _n(2, 2)]),
    "diagonal_copy": (lambda x: mg.diagonal_copy(x), [_n(3, 4)]),
    "expand_copy": (lambda x: mg.expand_copy(x, (2, 3, 4)), [_n(3, 4)]),
    "permute_copy": (lambda x: mg.permute_copy(x, (1, 0)), [_n(3, 4)]),
    "select_copy": (lambda x: mg.select_copy(x, 1, 2), [_n(3, 4)]),
    "slice_copy": (lambda x: mg.slice_copy(x, 1, 1, 3), [_n(3, 4)]),
    "split_copy": (lambda x: mg.split_copy(x, 2, 1), [_n(3, 4)]),
    "split_with_sizes_copy": (lambda x: mg.split_with_sizes_copy(x, [1, 3], 1), [_n(3, 4)]),
    "squeeze_copy": (lambda x: mg.squeeze_copy(x), [_n(3, 1, 4)]),
    "t_copy": (lambda x: mg.t_copy(x), [_n(3, 4)]),
    "transpose_copy": (lambda x: mg.transpose_copy(x, 0, 1), [_n(3, 4)]),
    "unbind_copy": (lambda x: mg.unbind_copy(x, 1), [_n(3, 4)]),
    "unfold_copy": (lambda x: mg.unfold_copy(x, 1, 2, 1), [_n(3, 4)]),
    "unsqueeze_copy": (lambda x: mg.unsqueeze_copy(x, 0), [_n(3, 4)]),
    "view_copy": (lambda x: mg.view_copy(x, (4, 3)), [_n(3, 4)]),
    "unsafe_chunk": (lambda x: mg.unsafe_chunk(x, 2, 1), [_n(3, 4)]),
    "unsafe_split": (lambda x: mg.unsafe_split(x, 2, 1), [_n(3, 4)]),
    "unsafe_split_with_sizes": (lambda x: mg.unsafe_split_with_sizes(x, [1, 3], 1), [_n(3, 4)]),
    "angle": (lambda x: mg.angle(x), [_n(3, 4)]),
    "conj": (lambda x: mg.conj(x) * 1.0, [_n(3, 4)]),
    "conj_physical": (lambda x: mg.conj_physical(x), [_n(3, 4)]),
    "resolve_conj": (lambda x: mg.resolve_conj(x) * 1.0, [_n(3, 4)]),
    "resolve_neg": (lambda x: mg.resolve_neg(x) * 1.0, [_n(3, 4)]),
    "real": (lambda x: mg.real(x) * 1.0, [_n(3, 4)]),
    "celu": (lambda x: mg.celu(x, 0.5), [_n(3, 4)]),
    "hardshrink": (lambda x: mg.hardshrink(x, 0.3), [_n(3, 4)]),
    "cosine_similarity": (lambda a, b: mg.cosine_similarity(a, b), [_n(3, 4), _n(1, 4)]),
    "pairwise_distance": (lambda a, b: mg.pairwise_distance(a, b), [_n(3, 4), _n(3, 4)]),
})


NOT_DIFFERENTIABLE = {
    "allclose", "equal", "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf",
    "logical_and", "logical_not", "logical_or", "logical_xor", "numel", "argmax", "argmin",
    "argsort",
    "count_nonzero",
    # ops/elementwise_more.py (heaviside: no derivative, as in PyTorch) and functional forms
    "signbit", "heaviside", "eq", "ne", "lt", "le", "gt", "ge", "all", "any", "detach",
    "result_type", "promote_types", "can_cast", "is_floating_point",
    "bincount", "bucketize", "histc", "nonzero", "searchsorted", "unique", "unique_consecutive",
    "logspace", "tril_indices", "triu_indices", "broadcast_shapes",
    "bernoulli", "multinomial", "normal", "poisson",  # ops/sampling.py: random draws
}
NOT_DIFFERENTIABLE |= {  # ops/bitwise.py: integer and float-bit math
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift", "gcd", "lcm", "frexp", "nextafter"}
NOT_DIFFERENTIABLE |= {  # ops/aliases.py, ops/windows.py, ops/histogram.py: bools, ints, queries,
    # and windows (creation functions: their dtype is tested in tests/core/test_windows_gradient.py)
    "greater", "greater_equal", "less", "less_equal", "not_equal", "isin", "unravel_index",
    "argwhere", "is_complex", "is_signed", "is_nonzero", "is_same_size", "set_num_threads",
    "get_num_threads", "hann_window", "hamming_window", "blackman_window", "bartlett_window",
    "kaiser_window", "histogram", "histogramdd"}  # (histogramdd's float32: test_reductions_vs_torch)
NOT_DIFFERENTIABLE |= {  # queries and in-place writes (refused on tensors that require grad)
    "imag", "is_conj", "is_neg", "isreal", "nonzero_static", "typename", "detach_copy",
    "resize_as_", "index_put_"}
# the function spellings of in-place methods (mg.relu_(x), ...): writes, not graph ops
NOT_DIFFERENTIABLE |= {name for name in dir(mg) if name.endswith("_") and not name.startswith("_")}

# --- nn.functional: name -> (call, input makers) ---------------------------------------------
FUNCTIONAL: dict[str, tuple[Callable[..., Any], list]] = {
    "adaptive_avg_pool1d": (lambda x: F.adaptive_avg_pool1d(x, 3), [_n(2, 3, 7)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [_n(2, 3, 5, 7)]),
    "adaptive_max_pool1d": (lambda x: F.adaptive_max_pool1d(x, 3), [_n(2, 3, 7)]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, (2, 3)), [_n(2, 3, 5, 7)]),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 2, 1), [_n(2, 3, 7)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1), [_n(2, 3, 6, 7)]),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, mg.zeros(3), mg.ones(3), w, b, training=True),
                   [_n(4, 3, 2), _p(3), _n(3)]),
    "binary_cross_entropy": (lambda x, t: F.binary_cross_entropy(x, t) + F.binary_cross_entropy(x, t, weight=t),
                             [_u(3, 4), _u(3, 4)]),
    "binary_cross_entropy_with_logits": (
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=mg.full((4,), 2.0)),
        [_n(3, 4), _u(3, 4)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [_n(2, 3, 8), _n(4, 3, 3), _n(4)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, padding="same"), [_n(2, 3, 5, 5), _n(4, 3, 3, 3), _n(4)]),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, output_padding=1),
                         [_n(2, 3, 4, 4), _n(3, 2, 3, 3), _n(2)]),
    "conv3d": (lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1, groups=3),
               [_n(2, 3, 3, 4, 4), _n(6, 1, 2, 3, 3), _n(6)]),
    "conv_transpose1d": (lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
                         [_n(2, 3, 5), _n(3, 2, 3), _n(2)]),
    "conv_transpose3d": (lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, output_padding=1, groups=3),
                         [_n(1, 3, 2, 3, 2), _n(3, 2, 2, 3, 2), _n(6)]),
    "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b), [_n(3, 4), _n(1, 4)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, _idx([0, 3, 1]), label_smoothing=0.1)
                      + F.cross_entropy(x, F.softmax(x.detach(), 1)), [_n(3, 4)]),
    "dropout": (lambda x: F.dropout(x, 0.3), [_n(3, 4)]),
    "dropout2d": (lambda x: F.dropout2d(x, 0.3), [_n(2, 3, 4, 4)]),
    "elu": (lambda x: F.elu(x, 0.5), [_n(3, 4)]),
    "embedding": (lambda w: F.embedding(_idx([[0, 2], [4, 2]]), w, padding_idx=0, max_norm=1.5), [_n(5, 3)]),
    "flatten": (lambda x: F.flatten(x), [_n(2, 3, 4)]),
    "gelu": (lambda x: (F.gelu(x), F.gelu(x, approximate="tanh")), [_n(3, 4)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [_n(2, 4, 3), _p(4), _n(4)]),
    "hardsigmoid": (lambda x: F.hardsigmoid(x), [_n(3, 4)]),
    "hardswish": (lambda x: F.hardswish(x), [_n(3, 4)]),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 0.5), [_n(3, 4)]),
    "huber_loss": (lambda x, t: F.huber_loss(x, t, delta=0.5) + F.huber_loss(x, t, weight=mg.full((3, 4), 0.5)),
                   [_n(3, 4), _n(3, 4)]),
    "interpolate": (lambda x: (F.interpolate(x, scale_factor=1.5, mode="bilinear"),
                               F.interpolate(x, size=(3, 7), mode="bilinear", align_corners=True),
                               F.interpolate(x, scale_factor=2, mode="nearest"),
                               F.interpolate(x, size=(3, 5), mode="nearest-exact"),
                               F.interpolate(x, size=(2, 3), mode="area"),
                               F.interpolate(x, scale_factor=1.7, mode="bicubic"),
                               F.interpolate(x.reshape(1, 2, 2, 2, 5), scale_factor=1.5,
                                             mode="trilinear"),
                               F.interpolate(x.reshape(1, 2, 2, 2, 5), size=(3, 1, 4),
                                             mode="area")), [_n(1, 2, 4, 5)]),
    "kl_div": (lambda x, t: F.kl_div(x, t, reduction="batchmean") + F.kl_div(x, t.log(), reduction="sum", log_target=True),
               [_n(3, 4), _u(3, 4)]),
    "l1_loss": (lambda x, t: F.l1_loss(x, t), [_n(3, 4), _n(3, 4)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [_n(3, 4), _p(4), _n(4)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), [_n(3, 4)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [_n(3, 4), _n(5, 4), _n(5)]),
    "log_softmax": (lambda x: F.log_softmax(x, 1), [_n(3, 4)]),
    "logsigmoid": (lambda x: F.logsigmoid(x), [_n(3, 4)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 3, 2, 1), [_n(2, 3, 7)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1), [_n(2, 3, 6, 7)]),
    "mish": (lambda x: F.mish(x), [_n(3, 4)]),
    "mse_loss": (lambda x, t: F.mse_loss(x, t, reduction="sum"), [_n(3, 4), _n(3, 4)]),
    "nll_loss": (lambda x: F.nll_loss(x, _idx([0, 3, 1]), weight=mg.full((4,), 0.5)), [_n(3, 4)]),
    "normalize": (lambda x: (F.normalize(x), F.normalize(x, p=1.5, dim=0)), [_n(3, 4)]),
    "unfold": (lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=2), [_n(2, 3, 5, 6)]),
    "fold": (lambda x: F.fold(x, (4, 5), 2, padding=(1, 0), stride=(1, 2)), [_n(2, 8, 10)]),
    "pixel_shuffle": (lambda x: F.pixel_shuffle(x, 2), [_n(2, 8, 2, 3)]),
    "pixel_unshuffle": (lambda x: F.pixel_unshuffle(x, 2), [_n(2, 2, 4, 6)]),
    "channel_shuffle": (lambda x: F.channel_shuffle(x, 3), [_n(2, 6, 3)]),
    "glu": (lambda x: F.glu(x) + F.glu(x, 0).sum(), [_n(4, 4)]),
    "celu": (lambda x: F.celu(x, 0.5), [_n(3, 4)]),
    "rrelu": (lambda x: (F.rrelu(x), F.rrelu(x, 0.1, 0.3, training=True)), [_n(3, 4)]),
    "tanhshrink": (lambda x: F.tanhshrink(x), [_n(3, 4)]),
    "bilinear": (lambda a, b, w, c: F.bilinear(a, b, w, c), [_n(3, 4), _n(3, 5), _n(2, 4, 5), _n(2)]),
    # spatial transformer, RMS norm, shrinkage, pdist, Gumbel-softmax, deprecated upsample_*
    "affine_grid": (lambda t: (F.affine_grid(t, (2, 1, 3, 4), False),
                               F.affine_grid(t.repeat(1, 2, 2)[:, :3, :4], (2, 1, 2, 3, 4), True)),
                    [_n(2, 2, 3)]),
    "grid_sample": (lambda x, g: tuple(F.grid_sample(x, g, m, p, a) for m in ("bilinear", "nearest", "bicubic")
                                       for p in ("zeros", "border", "reflection") for a in (False, True))
                    + (F.grid_sample(x.unsqueeze(2), g.unsqueeze(1).repeat(1, 1, 1, 1, 2)[..., :3],
                                     align_corners=False),), [_n(2, 3, 4, 5), _n(2, 3, 2, 2)]),
    "rms_norm": (lambda x, w: (F.rms_norm(x, (4,), w), F.rms_norm(x, (3, 4), eps=1e-3)), [_n(3, 4), _p(4)]),
    "hardshrink": (lambda x: F.hardshrink(x, 0.3), [_n(3, 4)]),
    "softshrink": (lambda x: F.softshrink(x, 0.3), [_n(3, 4)]),
    "pdist": (lambda a: F.pdist(a, 3.0), [_n(4, 3)]),
    "gumbel_softmax": (lambda x: (F.gumbel_softmax(x, 0.5), F.gumbel_softmax(x, hard=True, dim=0)), [_n(3, 4)]),
    "upsample": (lambda x: F.upsample(x, scale_factor=2, mode="bilinear"), [_n(1, 2, 3, 3)]),
    "upsample_nearest": (lambda x: F.upsample_nearest(x, size=(4, 5)), [_n(1, 2, 3, 3)]),
    "upsample_bilinear": (lambda x: F.upsample_bilinear(x, scale_factor=1.5), [_n(1, 2, 3, 3)]),
    # in-place activations: written into a copy outside the graph, then added to the leaf
    "relu_": (lambda x: x + F.relu_(x.detach().clone()), [_n(3, 4)]),
    "elu_": (lambda x: x + F.elu_(x.detach().clone(), 0.5), [_n(3, 4)]),
    "leaky_relu_": (lambda x: x + F.leaky_relu_(x.detach().clone(), 0.2), [_n(3, 4)]),
    "hardtanh_": (lambda x: x + F.hardtanh_(x.detach().clone(), -0.5, 0.5), [_n(3, 4)]),
    "celu_": (lambda x: x + F.celu_(x.detach().clone(), 0.5), [_n(3, 4)]),
    "selu_": (lambda x: x + F.selu_(x.detach().clone()), [_n(3, 4)]),
    "rrelu_": (lambda x: x + F.rrelu_(x.detach().clone(), 0.1, 0.3, True), [_n(3, 4)]),
    "threshold_": (lambda x: x + F.threshold_(x.detach().clone(), 0.2, 0.5), [_n(3, 4)]),
    "one_hot": (lambda x: x * F.one_hot(_idx([0, 3, 1]), 4), [_n(3, 4)]),
    "pad": (lambda x: (F.pad(x, (1, 2), value=0.5), F.pad(x, (1, 1, 2, 0)), F.pad(x, (-1, 2)),
                       F.pad(x, (2, 1), mode="reflect"), F.pad(x, (2, 1), mode="replicate"),
                       F.pad(x, (2, 1), mode="circular")), [_n(3, 4)]),
    "pairwise_distance": (lambda a, b: (F.pairwise_distance(a, b), F.pairwise_distance(a, b, p=1.5)),
                          [_n(3, 4), _n(3, 4)]),
    "prelu": (lambda x, w: F.prelu(x, w), [_n(2, 3, 4), _u(1)]),
    "relu": (lambda x: F.relu(x), [_n(3, 4)]),
    "relu6": (lambda x: F.relu6(x * 4.0), [_n(3, 4)]),
    "scaled_dot_product_attention": (
        lambda q, k, v, b: (F.scaled_dot_product_attention(q, k, v, attn_mask=b, scale=0.5),
                            F.scaled_dot_product_attention(q, k, v, dropout_p=0.3, is_causal=True)),
        [_n(2, 3, 4), _n(2, 3, 4), _n(2, 3, 5), _n(3, 3)]),
    "selu": (lambda x: F.selu(x), [_n(3, 4)]),
    "sigmoid": (lambda x: F.sigmoid(x), [_n(3, 4)]),
    "silu": (lambda x: F.silu(x), [_n(3, 4)]),
    "smooth_l1_loss": (lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), [_n(3, 4), _n(3, 4)]),
    "softmax": (lambda x: F.softmax(x, 1), [_n(3, 4)]),
    "softmin": (lambda x: F.softmin(x, 1), [_n(3, 4)]),
    "softplus": (lambda x: (F.softplus(x, beta=2.0, threshold=1.0), F.softplus(x)), [_n(3, 4)]),
    "softsign": (lambda x: F.softsign(x), [_n(3, 4)]),
    "tanh": (lambda x: F.tanh(x), [_n(3, 4)]),
    "threshold": (lambda x: F.threshold(x, 0.2, 0.5), [_n(3, 4)]),
    # instance/local response norm, more dropout, LP pooling, unpooling, embedding bags
    "instance_norm": (lambda x, w, b: F.instance_norm(x, mg.zeros(3), mg.ones(3), w, b, momentum=0.2),
                      [_n(2, 3, 4), _p(3), _n(3)]),
    "local_response_norm": (lambda x: F.local_response_norm(x, 3, alpha=0.5), [_n(2, 4, 3)]),
    "dropout1d": (lambda x: F.dropout1d(x, 0.3), [_n(2, 3, 4)]),
    "dropout3d": (lambda x: F.dropout3d(x, 0.3), [_n(2, 3, 2, 2, 2)]),
    "alpha_dropout": (lambda x: F.alpha_dropout(x, 0.3, True), [_n(3, 4)]),
    "feature_alpha_dropout": (lambda x: F.feature_alpha_dropout(x, 0.3, True), [_n(2, 3, 4)]),
    "lp_pool1d": (lambda x: F.lp_pool1d(x, 2, 3, 2), [_p(2, 3, 7)]),
    "lp_pool2d": (lambda x: (F.lp_pool2d(x, 1.5, 2), F.lp_pool2d(x, float("inf"), 2)), [_p(2, 3, 4, 4)]),
    "max_unpool1d": (lambda x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2), [_n(2, 3, 6)]),
    "max_unpool2d": (lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), [_n(2, 3, 4, 4)]),
    # volumetric pooling, *_with_indices names, fractional max pooling
    "max_pool3d": (lambda x: F.max_pool3d(x, 3, 2, 1, ceil_mode=True), [_n(2, 3, 5, 6, 4)]),
    "avg_pool3d": (lambda x: (F.avg_pool3d(x, 3, 2, 1, count_include_pad=False),
                              F.avg_pool3d(x, 2, divisor_override=3)), [_n(2, 3, 5, 6, 4)]),
    "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, (2, 4, 3)), [_n(2, 3, 5, 6, 4)]),
    "adaptive_max_pool3d": (lambda x: F.adaptive_max_pool3d(x, (2, 4, 3)), [_n(2, 3, 5, 6, 4)]),
    "lp_pool3d": (lambda x: F.lp_pool3d(x, 2.5, 2), [_p(2, 3, 4, 4, 4)]),
    "max_unpool3d": (lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2), [_n(2, 3, 4, 4, 4)]),
    "max_pool1d_with_indices": (lambda x: F.max_pool1d_with_indices(x, 3, 2), [_n(2, 3, 7)]),
    "max_pool2d_with_indices": (lambda x: F.max_pool2d_with_indices(x, 3, 2), [_n(2, 3, 6, 7)]),
    "max_pool3d_with_indices": (lambda x: F.max_pool3d_with_indices(x, 2), [_n(2, 3, 4, 4, 4)]),
    "adaptive_max_pool1d_with_indices": (lambda x: F.adaptive_max_pool1d_with_indices(x, 3), [_n(2, 3, 7)]),
    "adaptive_max_pool2d_with_indices": (lambda x: F.adaptive_max_pool2d_with_indices(x, 3), [_n(2, 3, 7, 5)]),
    "adaptive_max_pool3d_with_indices": (lambda x: F.adaptive_max_pool3d_with_indices(x, 2), [_n(2, 3, 5, 4, 3)]),
    "fractional_max_pool2d": (lambda x: F.fractional_max_pool2d(x, 2, output_ratio=0.6), [_n(2, 3, 9, 8)]),
    "fractional_max_pool2d_with_indices": (lambda x: F.fractional_max_pool2d_with_indices(x, 2, (4, 5)), [_n(2, 3, 9, 8)]),
    "fractional_max_pool3d": (lambda x: F.fractional_max_pool3d(x, 2, output_ratio=0.6), [_n(2, 3, 6, 7, 5)]),
    "fractional_max_pool3d_with_indices": (lambda x: F.fractional_max_pool3d_with_indices(x, 2, 3), [_n(2, 3, 6, 7, 5)]),
    "embedding_bag": (lambda w, p: (F.embedding_bag(_idx([1, 2, 4, 0]), w, _idx([0, 2]), mode="sum",
                                                    per_sample_weights=p, padding_idx=0),
                                    F.embedding_bag(_idx([[1, 2], [3, 3]]), w, mode="max"),
                                    F.embedding_bag(_idx([[1, 2], [3, 3]]), w)), [_n(5, 3), _u(4)]),
    # margin, probabilistic and CTC losses
    "margin_ranking_loss": (lambda a, b: F.margin_ranking_loss(a, b, _signs(3, 4), margin=0.2),
                            [_n(3, 4), _n(3, 4)]),
    "hinge_embedding_loss": (lambda x: F.hinge_embedding_loss(x, _signs(3, 4), margin=0.5),
                             [_n(3, 4)]),
    "soft_margin_loss": (lambda x: F.soft_margin_loss(x, _signs(3, 4)), [_n(3, 4)]),
    "multi_margin_loss": (lambda x: (F.multi_margin_loss(x, _idx([0, 3, 1]), margin=0.5),
                                     F.multi_margin_loss(x, _idx([0, 3, 1]), p=2,
                                                         weight=mg.full((4,), 0.5))), [_n(3, 4)]),
    "multilabel_margin_loss": (lambda x: F.multilabel_margin_loss(
        x, _idx([[0, 2, -1, 0], [1, -1, 0, 0], [3, 2, 1, 0]])), [_n(3, 4)]),
    "multilabel_soft_margin_loss": (lambda x, t: F.multilabel_soft_margin_loss(
        x, t, weight=mg.full((4,), 0.5)), [_n(3, 4), _u(3, 4)]),
    "cosine_embedding_loss": (lambda a, b: F.cosine_embedding_loss(a, b, _signs(3), margin=0.1),
                              [_n(3, 4), _n(3, 4)]),
    "triplet_margin_loss": (lambda a, p, n: F.triplet_margin_loss(a, p, n, p=1.5, swap=True),
                            [_n(3, 4), _n(3, 4), _n(3, 4)]),
    "triplet_margin_with_distance_loss": (lambda a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, swap=True), [_n(3, 4), _n(3, 4), _n(3, 4)]),
    "poisson_nll_loss": (lambda x, t: (F.poisson_nll_loss(x, t, full=True),
                                       F.poisson_nll_loss(x.abs(), t, log_input=False)),
                         [_n(3, 4), _p(3, 4)]),
    "gaussian_nll_loss": (lambda x, t, v: (F.gaussian_nll_loss(x, t, v, full=True),
                                           F.gaussian_nll_loss(x, t, 0.5)),
                          [_n(3, 4), _n(3, 4), _p(3)]),
    "ctc_loss": (lambda x: F.ctc_loss(F.log_softmax(x, 2), _idx([[1, 2], [3, 0]]), [5, 4], [2, 1]),
                 [_n(5, 2, 4)]),
}

# --- nn layers: name -> (build, input makers); parameters' gradients are checked too ---------
LAYERS: dict[str, tuple[Callable[[], Any], list]] = {
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(3), [_n(2, 3, 7)]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(2), [_n(2, 3, 5, 5)]),
    "AdaptiveMaxPool1d": (lambda: nn.AdaptiveMaxPool1d(3), [_n(2, 3, 7)]),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d((2, 3)), [_n(2, 3, 5, 7)]),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), [_n(2, 3, 7)]),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), [_n(2, 3, 6, 6)]),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), [_n(4, 3)]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), [_n(2, 3, 2, 2)]),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, padding="same"), [_n(2, 3, 6)]),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, stride=2), [_n(2, 3, 6, 6)]),
    "ConvReLUMaxPool2d": (lambda: nn.ConvReLUMaxPool2d(3, 4, 3, padding=1), [_n(2, 3, 6, 6)]),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2), [_n(2, 4, 3, 3)]),
    "Conv3d": (lambda: nn.Conv3d(2, 4, 2, padding="same"), [_n(2, 2, 3, 3, 3)]),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, groups=2), [_n(2, 4, 5)]),
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 3, 2, stride=2), [_n(1, 2, 2, 3, 2)]),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(dim=0), [_n(3, 4), _n(3, 4)]),
    "Dropout": (lambda: nn.Dropout(0.5), [_n(3, 4)]),
    "Dropout2d": (lambda: nn.Dropout2d(0.5), [_n(2, 3, 4, 4)]),
    "ELU": (lambda: nn.ELU(), [_n(3, 4)]),
    "Embedding": (lambda: nn.Embedding(6, 3, padding_idx=1, scale_grad_by_freq=True), []),
    "Flatten": (lambda: nn.Flatten(), [_n(2, 3, 4)]),
    "GELU": (lambda: nn.GELU(), [_n(3, 4)]),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), [_n(2, 4, 3)]),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), [_n(3, 4)]),
    "Hardswish": (lambda: nn.Hardswish(), [_n(3, 4)]),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 0.5), [_n(3, 4)]),
    "Identity": (lambda: nn.Identity(), [_n(3, 4)]),
    "LayerNorm": (lambda: nn.LayerNorm((3, 4)), [_n(2, 3, 4)]),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.1), [_n(3, 4)]),
    "Linear": (lambda: nn.Linear(4, 5), [_n(3, 4)]),
    "LogSigmoid": (lambda: nn.LogSigmoid(), [_n(3, 4)]),
    "LogSoftmax": (lambda: nn.LogSoftmax(1), [_n(3, 4)]),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), [_n(2, 3, 7)]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), [_n(2, 3, 6, 6)]),
    "Mish": (lambda: nn.Mish(), [_n(3, 4)]),
    "PReLU": (lambda: nn.PReLU(3), [_n(2, 3, 4)]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(p=3.0), [_n(3, 4), _n(3, 4)]),
    "ReLU": (lambda: nn.ReLU(), [_n(3, 4)]),
    "ReLU6": (lambda: nn.ReLU6(), [_n(3, 4)]),
    "SELU": (lambda: nn.SELU(), [_n(3, 4)]),
    "SiLU": (lambda: nn.SiLU(), [_n(3, 4)]),
    "Sigmoid": (lambda: nn.Sigmoid(), [_n(3, 4)]),
    "Softmax": (lambda: nn.Softmax(1), [_n(3, 4)]),
    "Softmin": (lambda: nn.Softmin(1), [_n(3, 4)]),
    "Softplus": (lambda: nn.Softplus(beta=0.5), [_n(3, 4)]),
    "Softsign": (lambda: nn.Softsign(), [_n(3, 4)]),
    "Tanh": (lambda: nn.Tanh(), [_n(3, 4)]),
    "Threshold": (lambda: nn.Threshold(0.1, 20.0), [_n(3, 4)]),
    "BatchNorm3d": (lambda: nn.BatchNorm3d(3), [_n(2, 3, 2, 2, 2)]),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(3, affine=True, track_running_stats=True), [_n(2, 3, 4)]),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), [_n(3, 3, 3)]),
    "InstanceNorm3d": (lambda: nn.InstanceNorm3d(3, track_running_stats=True), [_n(2, 3, 2, 2, 2)]),
    "LocalResponseNorm": (lambda: nn.LocalResponseNorm(2), [_n(2, 4, 3, 3)]),
    "Dropout1d": (lambda: nn.Dropout1d(0.5), [_n(2, 3, 4)]),
    "Dropout3d": (lambda: nn.Dropout3d(0.5), [_n(2, 3, 2, 2, 2)]),
    "AlphaDropout": (lambda: nn.AlphaDropout(0.5), [_n(3, 4)]),
    "FeatureAlphaDropout": (lambda: nn.FeatureAlphaDropout(0.5), [_n(2, 3, 4)]),
    "LPPool1d": (lambda: nn.LPPool1d(2, 3), [_p(2, 3, 7)]),
    "LPPool2d": (lambda: nn.LPPool2d(3, 2, 1), [_p(2, 3, 4, 4)]),
    "MaxUnpool1d": (lambda: nn.MaxUnpool1d(2), [_n(2, 3, 3)]),
    "MaxUnpool2d": (lambda: nn.MaxUnpool2d(2), [_n(2, 3, 2, 2)]),
    "MaxPool3d": (lambda: nn.MaxPool3d(2, 1, 1), [_n(2, 3, 4, 3, 5)]),
    "AvgPool3d": (lambda: nn.AvgPool3d(3, 2, 1, count_include_pad=False), [_n(2, 3, 4, 3, 5)]),
    "AdaptiveAvgPool3d": (lambda: nn.AdaptiveAvgPool3d((2, None, 3)), [_n(2, 3, 4, 3, 5)]),
    "AdaptiveMaxPool3d": (lambda: nn.AdaptiveMaxPool3d((2, 2, 3)), [_n(2, 3, 4, 3, 5)]),
    "LPPool3d": (lambda: nn.LPPool3d(2, 2), [_p(2, 3, 4, 4, 4)]),
    "MaxUnpool3d": (lambda: nn.MaxUnpool3d(2), [_n(2, 3, 2, 2, 2)]),
    "FractionalMaxPool2d": (lambda: nn.FractionalMaxPool2d(2, output_size=(4, 3)), [_n(2, 3, 7, 6)]),
    "FractionalMaxPool3d": (lambda: nn.FractionalMaxPool3d(2, output_ratio=(0.6, 0.5, 0.7)), [_n(2, 3, 6, 7, 5)]),
    "EmbeddingBag": (lambda: nn.EmbeddingBag(6, 3, mode="max", padding_idx=1), []),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 2)), [_n(3, 4)]),
    "Upsample": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), [_n(1, 2, 3, 3)]),
    "UpsamplingBilinear2d": (lambda: nn.UpsamplingBilinear2d(size=(4, 5)), [_n(1, 2, 3, 3)]),
    "UpsamplingNearest2d": (lambda: nn.UpsamplingNearest2d(scale_factor=2), [_n(1, 2, 3, 3)]),
    "ZeroPad1d": (lambda: nn.ZeroPad1d(2), [_n(2, 3, 4)]),
    "ZeroPad2d": (lambda: nn.ZeroPad2d((1, 0, 2, 1)), [_n(2, 3, 4)]),
    "ZeroPad3d": (lambda: nn.ZeroPad3d(1), [_n(2, 3, 4)]),
    "ConstantPad1d": (lambda: nn.ConstantPad1d(2, 0.5), [_n(2, 3, 4)]),
    "ConstantPad2d": (lambda: nn.ConstantPad2d(1, 0.5), [_n(2, 3, 4)]),
    "ConstantPad3d": (lambda: nn.ConstantPad3d(1, 0.5), [_n(2, 3, 4)]),
    "ReflectionPad1d": (lambda: nn.ReflectionPad1d(2), [_n(2, 3, 4)]),
    "ReflectionPad2d": (lambda: nn.ReflectionPad2d(1), [_n(2, 3, 4)]),
    "ReflectionPad3d": (lambda: nn.ReflectionPad3d(1), [_n(1, 2, 3, 4)]),
    "ReplicationPad1d": (lambda: nn.ReplicationPad1d(2), [_n(2, 3, 4)]),
    "ReplicationPad2d": (lambda: nn.ReplicationPad2d(1), [_n(2, 3, 4)]),
    "ReplicationPad3d": (lambda: nn.ReplicationPad3d(1), [_n(1, 2, 3, 4)]),
    "CircularPad1d": (lambda: nn.CircularPad1d(2), [_n(2, 3, 4)]),
    "CircularPad2d": (lambda: nn.CircularPad2d(1), [_n(2, 3, 4)]),
    "CircularPad3d": (lambda: nn.CircularPad3d(1), [_n(1, 2, 3, 4)]),
    "Unfold": (lambda: nn.Unfold(2, stride=2), [_n(2, 3, 4, 4)]),
    "Fold": (lambda: nn.Fold((3, 4), 2), [_n(2, 8, 6)]),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), [_n(2, 8, 2, 3)]),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), [_n(2, 2, 4, 6)]),
    "ChannelShuffle": (lambda: nn.ChannelShuffle(2), [_n(2, 4, 3)]),
    "Softmax2d": (lambda: nn.Softmax2d(), [_n(2, 3, 4, 5)]),
    "GLU": (lambda: nn.GLU(), [_n(3, 4)]),
    "CELU": (lambda: nn.CELU(0.5), [_n(3, 4)]),
    "RReLU": (lambda: nn.RReLU(), [_n(3, 4)]),
    "Tanhshrink": (lambda: nn.Tanhshrink(), [_n(3, 4)]),
    "Bilinear": (lambda: nn.Bilinear(4, 5, 3), [_n(2, 4), _n(2, 5)]),
    "RMSNorm": (lambda: nn.RMSNorm((2, 4)), [_n(3, 2, 4)]),
    "Hardshrink": (lambda: nn.Hardshrink(0.3), [_n(3, 4)]),
    "Softshrink": (lambda: nn.Softshrink(0.3), [_n(3, 4)]),
    "AdaptiveLogSoftmaxWithLoss": (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], 2.0, head_bias=True),
                                   [_n(6, 8)]),
    "Sequential": (lambda: nn.Sequential(nn.Linear(4, 3), nn.GELU(), nn.LayerNorm(3)), [_n(2, 4)]),
    # losses: the target is the second input (no gradient is asked of it)
    "BCELoss": (lambda: nn.BCELoss(), [_u(3, 4), _u(3, 4)]),
    "BCEWithLogitsLoss": (lambda: nn.BCEWithLogitsLoss(), [_n(3, 4), _u(3, 4)]),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(label_smoothing=0.2), [_n(3, 4)]),
    "HuberLoss": (lambda: nn.HuberLoss(delta=0.3), [_n(3, 4), _n(3, 4)]),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean"), [_n(3, 4), _u(3, 4)]),
    "L1Loss": (lambda: nn.L1Loss(), [_n(3, 4), _n(3, 4)]),
    "MSELoss": (lambda: nn.MSELoss(), [_n(3, 4), _n(3, 4)]),
    "NLLLoss": (lambda: nn.NLLLoss(), [_n(3, 4)]),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(beta=0.3), [_n(3, 4), _n(3, 4)]),
    "MarginRankingLoss": (lambda: nn.MarginRankingLoss(0.2), [_n(3, 4), _n(3, 4)]),
    "HingeEmbeddingLoss": (lambda: nn.HingeEmbeddingLoss(0.5), [_n(3, 4)]),
    "SoftMarginLoss": (lambda: nn.SoftMarginLoss(), [_n(3, 4), _n(3, 4)]),
    "MultiMarginLoss": (lambda: nn.MultiMarginLoss(p=2, weight=mg.full((4,), 0.5)), [_n(3, 4)]),
    "MultiLabelMarginLoss": (lambda: nn.MultiLabelMarginLoss(), [_n(3, 4)]),
    "MultiLabelSoftMarginLoss": (lambda: nn.MultiLabelSoftMarginLoss(), [_n(3, 4), _u(3, 4)]),
    "CosineEmbeddingLoss": (lambda: nn.CosineEmbeddingLoss(0.1), [_n(3, 4), _n(3, 4)]),
    "TripletMarginLoss": (lambda: nn.TripletMarginLoss(p=1.0), [_n(3, 4), _n(3, 4), _n(3, 4)]),
    "TripletMarginWithDistanceLoss": (lambda: nn.TripletMarginWithDistanceLoss(swap=True),
                                      [_n(3, 4), _n(3, 4), _n(3, 4)]),
    "PoissonNLLLoss": (lambda: nn.PoissonNLLLoss(full=True), [_n(3, 4), _p(3, 4)]),
    "GaussianNLLLoss": (lambda: nn.GaussianNLLLoss(full=True), [_n(3, 4), _n(3, 4), _p(3, 4)]),
    "CTCLoss": (lambda: nn.CTCLoss(), [_n(5, 2, 4)]),
}
LAYERS.update({  # lazy layers: sized by their first (float32) input
    "LazyLinear": (lambda: nn.LazyLinear(5), [_n(3, 4)]),
    "LazyConv1d": (lambda: nn.LazyConv1d(4, 3), [_n(2, 3, 6)]),
    "LazyConv2d": (lambda: nn.LazyConv2d(4, 3), [_n(2, 3, 5, 5)]),
    "LazyConvTranspose2d": (lambda: nn.LazyConvTranspose2d(4, 3, stride=2), [_n(2, 3, 3, 3)]),
    "LazyBatchNorm1d": (lambda: nn.LazyBatchNorm1d(), [_n(4, 3)]),
    "LazyBatchNorm2d": (lambda: nn.LazyBatchNorm2d(), [_n(2, 3, 3, 3)]),
    "LazyBatchNorm3d": (lambda: nn.LazyBatchNorm3d(), [_n(2, 3, 2, 2, 2)]),
    "LazyInstanceNorm1d": (lambda: nn.LazyInstanceNorm1d(), [_n(2, 3, 4)]),
    "LazyInstanceNorm2d": (lambda: nn.LazyInstanceNorm2d(), [_n(2, 3, 3, 3)]),
    "LazyInstanceNorm3d": (lambda: nn.LazyInstanceNorm3d(), [_n(2, 3, 2, 2, 2)]),
    "LazyConv3d": (lambda: nn.LazyConv3d(4, 2), [_n(2, 3, 3, 3, 3)]),
    "LazyConvTranspose1d": (lambda: nn.LazyConvTranspose1d(4, 3, stride=2), [_n(2, 3, 4)]),
    "LazyConvTranspose3d": (lambda: nn.LazyConvTranspose3d(2, 2), [_n(2, 3, 2, 2, 2)]),
})
# Layers whose forward takes something other than float tensors.
LAYER_EXTRA_ARGS: dict[str, Callable[[], tuple]] = {
    "Embedding": lambda: (_idx([[0, 1, 5], [5, 5, 2]]),),
    "EmbeddingBag": lambda: (_idx([0, 1, 5, 5, 5, 2]), _idx([0, 2, 2])),
    "MaxUnpool1d": lambda: (F.max_pool1d(mg.randn(2, 3, 6), 2, return_indices=True)[1],),
    "MaxUnpool2d": lambda: (F.max_pool2d(mg.randn(2, 3, 4, 4), 2, return_indices=True)[1],),
    "MaxUnpool3d": lambda: (F.max_pool3d(mg.randn(2, 3, 4, 4, 4), 2, return_indices=True)[1],),
    "CrossEntropyLoss": lambda: (_idx([0, 3, 1]),),
    "NLLLoss": lambda: (_idx([0, 3, 1]),),
    "MarginRankingLoss": lambda: (_signs(3, 4),),
    "HingeEmbeddingLoss": lambda: (_signs(3, 4),),
    "MultiMarginLoss": lambda: (_idx([0, 3, 1]),),
    "MultiLabelMarginLoss": lambda: (_idx([[0, 2, -1, 0], [1, -1, 0, 0], [3, 2, 1, 0]]),),
    "CosineEmbeddingLoss": lambda: (_signs(3),),
    "CTCLoss": lambda: (_idx([[1, 2], [3, 0]]), _idx([5, 4]), _idx([2, 1])),
    "AdaptiveLogSoftmaxWithLoss": lambda: (_idx([0, 4, 9, 2, 7, 5]),),
}
# Containers with no forward of their own; the abstract base.
NOT_LAYERS = {"Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList"}
# Other engineers' modules, checked in their own test files.
OTHER_OWNERS = ("minigrad.nn.rnn", "minigrad.nn.attention", "minigrad.nn.transformer")


def _public_ops() -> set[str]:
    return {name for name in dir(mg) if not name.startswith("_")
            and inspect.isfunction(getattr(mg, name))
            and getattr(mg, name).__module__.startswith("minigrad.ops.")}


def _public_functional() -> set[str]:
    return {name for name in dir(F) if not name.startswith("_") and inspect.isfunction(getattr(F, name))
            and getattr(F, name).__module__.startswith("minigrad.")}


def _public_layers() -> set[str]:
    return {name for name, c in vars(nn).items() if inspect.isclass(c) and issubclass(c, nn.Module)
            and not c.__module__.startswith(OTHER_OWNERS)}


def test_every_public_name_has_a_row() -> None:
    missing_ops = _public_ops() - set(OPS) - NOT_DIFFERENTIABLE
    missing_functional = _public_functional() - set(FUNCTIONAL)
    missing_layers = _public_layers() - set(LAYERS) - NOT_LAYERS
    assert not (missing_ops or missing_functional or missing_layers), (
        f"no float32 row for mg.{sorted(missing_ops)}, F.{sorted(missing_functional)}, "
        f"nn.{sorted(missing_layers)}")
    stale = (set(OPS) - _public_ops()) | (set(FUNCTIONAL) - _public_functional()) | \
        (set(LAYERS) - _public_layers())
    assert not stale, f"rows for names that are not public: {sorted(stale)}"


def _float_outputs(out: Any) -> list:
    items = list(out) if isinstance(out, (tuple, list)) else [out]
    assert items, "the call returned nothing"
    for item in items:
        assert isinstance(item, mg.Tensor), f"expected Tensors, got {type(item).__name__}"
    return [item for item in items if mg.dtypes.is_floating(item.dtype)]


def _check(label: str, out: Any, leaves: list) -> None:
    floats = _float_outputs(out)
    assert floats, f"{label}: no floating output"
    for i, item in enumerate(floats):
        assert item.dtype == mg.float32, f"{label}: output {i} is {item.dtype}"
    sum(item.sum() for item in floats).backward()
    grads = [leaf.grad for leaf in leaves]
    assert any(g is not None for g in grads), f"{label}: no gradient reached any input"
    for i, g in enumerate(grads):
        if g is not None:
            assert g.dtype == mg.float32, f"{label}: gradient {i} is {g.dtype}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_keeps_float32(name: str) -> None:
    call, makers = OPS[name]
    leaves = [make() for make in makers]
    _check(f"mg.{name}", call(*leaves), [leaf for leaf in leaves if leaf.is_leaf])


@pytest.mark.parametrize("name", sorted(TENSOR_METHODS))
def test_tensor_method_keeps_float32(name: str) -> None:
    call, makers = TENSOR_METHODS[name]
    leaves = [make() for make in makers]
    _check(f"Tensor.{name}", call(*leaves), leaves)


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_keeps_float32(name: str) -> None:
    call, makers = FUNCTIONAL[name]
    leaves = [make() for make in makers]
    _check(f"F.{name}", call(*leaves), [leaf for leaf in leaves if leaf.is_leaf])


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_keeps_float32(name: str) -> None:
    build, makers = LAYERS[name]
    layer = build().train()
    params = list(layer.parameters())
    for p in params:
        assert p.dtype == mg.float32, f"nn.{name}: parameter of {p.dtype}"
    inputs = [make() for make in makers]
    extra = LAYER_EXTRA_ARGS.get(name, lambda: ())()
    out = layer(*inputs, *extra)
    _check(f"nn.{name}", out, [x for x in inputs if x.is_leaf] + params)
    for p in params:
        assert p.grad is not None, f"nn.{name}: a parameter got no gradient"
    for buffer in layer.buffers() if hasattr(layer, "buffers") else ():
        if mg.dtypes.is_floating(buffer.dtype):
            assert buffer.dtype == mg.float32, f"nn.{name}: buffer of {buffer.dtype}"


def test_inplace_methods_keep_float32() -> None:
    """The in-place writes (no graph in minigrad, so under no_grad) keep the tensor's dtype
    whatever the value's type."""
    x = mg.randn(3, 4)
    with mg.no_grad():
        x.masked_fill_(x > 0, np.float64(0.5))
        x.scatter_(1, _idx([[1], [0], [3]]), np.float64(0.25))
        x.scatter_add_(1, _idx([[1, 1], [0, 2], [3, 3]]), mg.ones(3, 2))
        x.scatter_(1, _idx([[1], [0], [3]]), np.float64(1.5), reduce="multiply")
        x.scatter_reduce_(1, _idx([[1, 1], [0, 2], [3, 3]]), mg.ones(3, 2), "mean")
    assert x.dtype == mg.float32 and x.array.dtype == mg.float32


def test_double_backward_keeps_float32() -> None:
    """Gradients built with create_graph=True (the backward of the new ops) stay float32 too."""
    x = _leaf(3, 4)
    w = _leaf(4)
    y = (F.gelu(x) * w).sum() + F.layer_norm(x, (4,)).pow(2).sum() + mg.cumprod(x, 1).sum() \
        + F.softplus(x, beta=2.0).sum() + mg.erf(x).sum() + mg.norm(x, 3.0)
    gx, gw = mg.autograd.grad(y, (x, w), create_graph=True)
    assert gx.dtype == mg.float32 and gw.dtype == mg.float32
    (gx.sum() + gw.sum()).backward()
    assert x.grad.dtype == mg.float32 and w.grad.dtype == mg.float32


# NumPy 2 treats np.float64 scalars as strong (float32 * np.float64(0.5) is float64 in NumPy),
# so every scalar argument of the new ops is passed as one here.
_F64 = np.float64
NUMPY_SCALAR_ARGUMENTS: dict[str, Callable[[mg.Tensor], Any]] = {
    "remainder": lambda x: mg.remainder(x, _F64(0.7)),
    "fmod": lambda x: mg.fmod(x, _F64(0.7)),
    "lerp": lambda x: mg.lerp(x, x * 2.0, _F64(0.3)),
    "masked_fill": lambda x: mg.masked_fill(x, x > 0, _F64(0.7)),
    "scatter": lambda x: mg.scatter(x, 1, _idx([[0], [1], [2]]), value=_F64(0.5)),
    "nan_to_num": lambda x: mg.nan_to_num(x, nan=_F64(1.0), posinf=_F64(2.0)),
    "norm": lambda x: mg.norm(x, _F64(3.0), 1),
    "threshold": lambda x: F.threshold(x, _F64(0.1), _F64(2.0)),
    "hardtanh": lambda x: F.hardtanh(x, _F64(-0.1), _F64(0.1)),
    "softplus": lambda x: F.softplus(x, _F64(2.0), _F64(1.0)),
    "elu": lambda x: F.elu(x, _F64(2.0)),
    "normalize": lambda x: F.normalize(x, p=_F64(3.0), eps=_F64(1e-3)),
    "layer_norm": lambda x: F.layer_norm(x, (4,), eps=_F64(1e-3)),
    "group_norm": lambda x: F.group_norm(x.reshape(3, 4, 1), 2, eps=_F64(1e-3)),
    "cosine_similarity": lambda x: F.cosine_similarity(x, x.flip(0), eps=_F64(1e-3)),
    "pairwise_distance": lambda x: F.pairwise_distance(x, x.flip(0), p=_F64(1.5), eps=_F64(1e-3)),
    "huber_loss": lambda x: F.huber_loss(x, x.detach() + 1.0, delta=_F64(0.5)),
    "smooth_l1_loss": lambda x: F.smooth_l1_loss(x, x.detach() + 1.0, beta=_F64(0.5)),
    "interpolate": lambda x: F.interpolate(x.reshape(1, 1, 3, 4), scale_factor=_F64(1.5),
                                           mode="bilinear"),
    "dropout2d": lambda x: F.dropout2d(x.reshape(1, 3, 4, 1), _F64(0.5)),
    "embedding": lambda x: F.embedding(_idx([0, 1]), x, max_norm=_F64(1.0)),
    "instance_norm": lambda x: F.instance_norm(x.reshape(1, 3, 4), eps=_F64(1e-3), momentum=_F64(0.2)),
    "local_response_norm": lambda x: F.local_response_norm(x.reshape(1, 3, 4), 2, _F64(0.5), _F64(0.7),
                                                           _F64(1.5)),
    "alpha_dropout": lambda x: F.alpha_dropout(x, _F64(0.3), True),
    "lp_pool1d": lambda x: F.lp_pool1d(x.abs().reshape(1, 3, 4) + 0.1, _F64(2.5), 2),
    "lp_pool3d": lambda x: F.lp_pool3d(x.abs().reshape(1, 1, 3, 2, 2) + 0.1, _F64(2.5), 2),
    "interpolate_5d": lambda x: F.interpolate(x.reshape(1, 1, 3, 2, 2), scale_factor=_F64(1.5),
                                              mode="trilinear"),
    "interpolate_bicubic": lambda x: F.interpolate(x.reshape(1, 1, 3, 4), scale_factor=_F64(1.5),
                                                   mode="bicubic"),
    "embedding_bag": lambda x: F.embedding_bag(_idx([0, 1, 2]), x, _idx([0, 1]), max_norm=_F64(1.0)),
    "rms_norm": lambda x: F.rms_norm(x, (4,), eps=_F64(1e-3)),
    "hardshrink": lambda x: F.hardshrink(x, _F64(0.3)),
    "softshrink": lambda x: F.softshrink(x, _F64(0.3)),
    "pdist": lambda x: F.pdist(x, _F64(1.5)),
    "gumbel_softmax": lambda x: F.gumbel_softmax(x, _F64(0.5)),
}


@pytest.mark.parametrize("name", sorted(NUMPY_SCALAR_ARGUMENTS))
def test_numpy_float64_scalar_arguments_keep_float32(name: str) -> None:
    x = _leaf(3, 4)
    _check(f"{name} with np.float64 arguments", NUMPY_SCALAR_ARGUMENTS[name](x), [x])

"""Random small programs and random indexes, run in minigrad and in PyTorch (float64): values
and gradients must agree.

These are the compact, kept form of the differential runs that found session 10's bugs (NaN
dropped by maximum, NumPy's index order, ...): each example chains a few ops drawn from a
table, so combinations no single-op test thought of get checked against PyTorch.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad as mg
from harness import assert_index_matches_torch

torch = pytest.importorskip("torch")


def _functional(lib):
    return mg.nn.functional if lib is mg else torch.nn.functional


# Each op maps (library, x) -> tensor of x's 2-D shape or a smaller one; all are defined for
# any real input (no log of negatives), so NaN never hides a difference.
UNARY = {
    "exp": lambda m, x: (x * 0.3).exp(),
    "tanh": lambda m, x: x.tanh(),
    "sigmoid": lambda m, x: x.sigmoid(),
    "relu": lambda m, x: x.relu(),
    "abs": lambda m, x: x.abs(),
    "square": lambda m, x: x * x,
    "sum0": lambda m, x: x.sum(0, keepdim=True),
    "mean1": lambda m, x: x.mean(-1, keepdim=True),
    "softmax": lambda m, x: x.softmax(-1),
    "log_softmax0": lambda m, x: x.log_softmax(0),
    "logsumexp": lambda m, x: x.logsumexp(-1, keepdim=True),
    "transpose": lambda m, x: x.transpose(0, 1),
    "flip": lambda m, x: x.flip(0),
    "cumsum": lambda m, x: x.cumsum(1),
    "cummax": lambda m, x: x.cummax(1)[0],
    "sort": lambda m, x: x.sort(1)[0],
    "amax": lambda m, x: x.amax(1, keepdim=True),
    "max0": lambda m, x: x.max(0, keepdim=True)[0],
    "std0": lambda m, x: x.std(0, keepdim=True) if x.shape[0] > 1 else x,
    "clamp": lambda m, x: x.clamp(-0.5, 0.7),
    "where": lambda m, x: m.where(x > 0, x, x * 0.1),
    "gelu": lambda m, x: _functional(m).gelu(x),
    "silu": lambda m, x: _functional(m).silu(x),
    "elu": lambda m, x: _functional(m).elu(x),
    "softplus": lambda m, x: _functional(m).softplus(x),
    "layer_norm": lambda m, x: _functional(m).layer_norm(x, x.shape[-1:]),
    "normalize": lambda m, x: _functional(m).normalize(x, dim=1),
    "roll": lambda m, x: x.roll(1, 1),
    "triu": lambda m, x: x.triu(),
    "pow3": lambda m, x: x ** 3,
    "atan": lambda m, x: m.atan(x),
    "prod": lambda m, x: (x * 0.5 + 1).prod(1, keepdim=True),
}
BINARY = {
    "add": lambda m, a, b: a + b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (b * b + 1),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b + 3),
    "hypot": lambda m, a, b: m.hypot(a, b + 0.1),
    "matmul": lambda m, a, b: a @ b.transpose(0, 1) @ b,
    "stack_sum": lambda m, a, b: m.stack([a, b], 0).sum(0),
    "where_gt": lambda m, a, b: m.where(a > b, a, b),
}
STEPS = st.lists(st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 9)),
    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 9), st.integers(0, 9))),
    min_size=1, max_size=6)


def _run(lib, arrays: list, steps: list, weights_seed: int):
    tensor = mg.tensor if lib is mg else torch.tensor
    inputs = [tensor(a.copy(), requires_grad=True) for a in arrays]
    values = list(inputs)
    for step in steps:
        if step[0] == "u":
            values.append(UNARY[step[1]](lib, values[step[2] % len(values)]))
        else:
            a, b = values[step[2] % len(values)], values[step[3] % len(values)]
            if tuple(b.shape) != tuple(a.shape):
                b = b.sum() + a * 0  # keep binary ops to one shape
            values.append(BINARY[step[1]](lib, a, b))
    out = values[-1]
    weights = np.random.default_rng(weights_seed).standard_normal(tuple(out.shape))
    (out * tensor(weights)).sum().backward()
    grads = [np.zeros(a.shape) if x.grad is None else x.grad.numpy() for a, x in zip(arrays, inputs)]
    return out.detach().numpy(), grads


@settings(max_examples=100, deadline=None, database=None)
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 5)), n_inputs=st.integers(1, 3),
       steps=STEPS, seed=st.integers(0, 2 ** 16))
@example(shape=(3, 4), n_inputs=2, steps=[("b", "maximum", 0, 1), ("u", "std0", 2)], seed=1)
def test_random_programs_agree_with_torch(shape, n_inputs, steps, seed) -> None:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for _ in range(n_inputs)]
    expected, expected_grads = _run(torch, arrays, steps, seed)
    out, grads = _run(mg, arrays, steps, seed)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-7, atol=1e-9, equal_nan=True)
    for g, e in zip(grads, expected_grads):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8, equal_nan=True)


# --- random indexes: basic, integer-array and mask items, with None and Ellipsis --------------
SHAPE = (4, 5, 3)


@st.composite
def _index(draw):
    items, dim = [], 0
    for _ in range(draw(st.integers(1, 4))):
        size = SHAPE[min(dim, 2)]
        kind = draw(st.sampled_from(["int", "slice", "step", "none", "ellipsis", "list", "mask"]))
        if kind == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            items.append(slice(draw(st.sampled_from([None, 0, 1, -2])),
                               draw(st.sampled_from([None, 2, -1, 10]))))
        elif kind == "step":
            items.append(slice(None, None, draw(st.integers(2, 3))))
        elif kind == "none":
            items.append(None)
            continue
        elif kind == "ellipsis":
            if Ellipsis not in items:
                items.append(Ellipsis)
            continue
        elif kind == "list":
            items.append(("index", draw(st.lists(st.integers(-size, size - 1), min_size=1,
                                                  max_size=3))))
        else:
            items.append(("mask", draw(st.lists(st.booleans(), min_size=size, max_size=size))))
        dim += 1
    return tuple(items)


def _as_index(index: tuple, tensor) -> tuple:
    return tuple(tensor(np.array(i[1], dtype=bool if i[0] == "mask" else np.int64))
                 if isinstance(i, tuple) else i for i in index)


@settings(max_examples=150, deadline=None, database=None)
@given(index=_index(), write=st.booleans())
@example(index=(0, slice(None), ("index", [1, 0])), write=True)  # integers first, as PyTorch
@example(index=(("mask", [True, False, True, True]), Ellipsis), write=True)  # mask + Ellipsis
def test_random_indexes_agree_with_torch(index, write) -> None:
    base = np.arange(60.0).reshape(SHAPE)
    try:
        torch.tensor(base)[_as_index(index, torch.tensor)]
    except (IndexError, RuntimeError, TypeError, ValueError):
        return  # PyTorch refuses this index; minigrad's refusal is tested elsewhere
    assert_index_matches_torch(base, _as_index(index, mg.tensor), _as_index(index, torch.tensor),
                               torch, write)

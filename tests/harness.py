"""One harness that checks a differentiable op three ways, so adding an op means declaring it.

An op is declared as an ``OpSpec``: a function written once against a tensor
library (``fn(lib, *xs)`` where ``lib`` is ``minigrad`` or ``torch``), a NumPy
reference for its forward, the input shapes to try (broadcasting cases
included) and the value domain of each input. A test file then declares::

    class TestElementwise(OpSuite):
        OPS = [OpSpec("exp", lambda m, x: x.exp(), np.exp, [((2, 3),)]), ...]

and every op gets, as separate tests:

- gradcheck in float64 for every shape case (broadcasting included);
- gradcheck on non-contiguous inputs: strided views as leaves (on the test device), and
  permuted tensors inside the graph;
- gradgradcheck where the op claims double backward;
- forward against the NumPy reference (float64), and a float32 run whose
  output and gradients stay float32;
- a hypothesis property test comparing the forward with NumPy over random shapes;
- forward and backward against PyTorch (skipped when torch is not installed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

Shapes = tuple  # one shape per input


# --- value domains: how to draw an input's values so the op is smooth there --------------
def normal(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape)


def positive(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Away from zero, for log, sqrt, division and powers with a tensor exponent."""
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Either sign but |x| >= 0.3: for abs, relu and friends, whose kink is at 0."""
    return rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """A shuffled grid with gaps of 0.1, offset so no value sits on 0 or a round bound:
    no ties and no kinks nearby, for max/min and clamp."""
    n = int(np.prod(shape, dtype=np.int64))
    return ((rng.permutation(n) - n // 2) * 0.1 + 0.037).reshape(shape)


@dataclass
class OpSpec:
    """A differentiable op as the harness sees it."""

    name: str
    fn: Callable[..., Any]                      # fn(lib, *tensors), lib = minigrad or torch
    ref: Callable[..., np.ndarray]              # NumPy forward on float64 arrays
    shapes: Sequence[Shapes]                    # shape cases, broadcasting ones included
    domain: Callable | Sequence[Callable] = normal  # one for all inputs, or one per input
    double_backward: bool = True                # run gradgradcheck
    torch_fn: Callable[..., Any] | None = None  # when torch spells the op differently
    torch: bool = True                          # False where torch has no equivalent
    hyp_shapes: Callable[[], st.SearchStrategy] | None = None  # strategy of shape tuples
    min_dims: int = 0                           # for the default hypothesis shapes
    constant_inputs: tuple = ()                 # inputs used only where no gradient flows
    max_dims: int = 3

    def __repr__(self) -> str:
        return self.name

    @property
    def arity(self) -> int:
        return len(self.shapes[0])

    def domain_of(self, i: int) -> Callable:
        return self.domain[i] if isinstance(self.domain, (list, tuple)) else self.domain

    def arrays(self, shapes: Shapes, seed: int = 0) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        return [np.asarray(self.domain_of(i)(rng, s), dtype=np.float64)
                for i, s in enumerate(shapes)]

    def run(self, *xs: mg.Tensor) -> mg.Tensor:
        return self.fn(mg, *xs)

    def run_torch(self, torch: Any, *xs: Any) -> Any:
        return (self.torch_fn or self.fn)(torch, *xs)


# --- building inputs -----------------------------------------------------------------------
def leaves(arrays: Sequence[np.ndarray], dtype: Any = mg.float64,
           constant: Sequence[int] = ()) -> list[mg.Tensor]:
    return [mg.tensor(a, dtype=dtype, requires_grad=i not in constant)
            for i, a in enumerate(arrays)]


def noncontiguous_leaf(values: np.ndarray, requires_grad: bool = True) -> mg.Tensor:
    """The same values as a float64 leaf on the default device, in memory that is strided
    (every other element) and, from 2-D on, transposed, so ops cannot assume C order."""
    rev = tuple(reversed(values.shape))
    view = mg.zeros(rev + (2,), dtype=mg.float64)[..., 0]  # stride 2 elements along the last axis
    if values.ndim >= 2:
        view = view.permute(*reversed(range(values.ndim)))
    leaf = view.detach()  # a leaf that keeps the view's strided memory
    leaf.copy_(mg.tensor(values, dtype=mg.float64))
    return leaf.requires_grad_(requires_grad)


def _gradcheck(fn: Callable, inputs: Sequence[mg.Tensor], spec: OpSpec, what: str) -> None:
    ok = mg.gradcheck(fn, tuple(inputs), raise_exception=False)
    if not ok:  # re-run raising, so the report names the input and the worst element
        try:
            mg.gradcheck(fn, tuple(inputs))
        except mg.GradcheckError as exc:
            pytest.fail(f"{spec.name} ({what}): {exc}")
    assert ok


# --- the checks ------------------------------------------------------------------------------
def check_gradcheck(spec: OpSpec) -> None:
    """Every shape case in float64, broadcasting included."""
    for case, shapes in enumerate(spec.shapes):
        inputs = leaves(spec.arrays(shapes, seed=case), constant=spec.constant_inputs)
        _gradcheck(spec.run, inputs, spec, f"shapes {shapes}")


def check_noncontiguous(spec: OpSpec) -> None:
    """Strided/transposed leaves, and inputs permuted inside the graph."""
    checked = 0
    for case, shapes in enumerate(spec.shapes):
        arrays = spec.arrays(shapes, seed=100 + case)
        if not any(a.size > 1 for a in arrays):
            continue
        strided = [noncontiguous_leaf(a, i not in spec.constant_inputs)
                   for i, a in enumerate(arrays)]
        assert any(not t.array.flags.c_contiguous for t in strided)
        for t, a in zip(strided, arrays):
            np.testing.assert_array_equal(t.detach().numpy(), a)
        np.testing.assert_allclose(spec.run(*strided).detach().numpy(), spec.ref(*arrays),
                                   rtol=1e-10, atol=1e-12)
        _gradcheck(spec.run, strided, spec, f"strided leaves, shapes {shapes}")

        # Leaves stored transposed; the op sees permuted (non-contiguous) tensors.
        stored = leaves([a.T for a in arrays], constant=spec.constant_inputs)
        permuted = lambda *xs: spec.run(*(x.permute(*reversed(range(x.ndim))) for x in xs))
        _gradcheck(permuted, stored, spec, f"permuted inputs, shapes {shapes}")
        checked += 1
    if not checked:
        pytest.skip(f"{spec.name}: every shape case is 0-d or has one element")


def check_gradgradcheck(spec: OpSpec) -> None:
    if not spec.double_backward:
        pytest.skip(f"{spec.name} does not claim double backward")
    for case, shapes in enumerate(spec.shapes[:2]):
        inputs = leaves(spec.arrays(shapes, seed=200 + case), constant=spec.constant_inputs)
        ok = mg.gradgradcheck(spec.run, tuple(inputs), raise_exception=False)
        if not ok:
            mg.gradgradcheck(spec.run, tuple(inputs))
        assert ok, f"{spec.name}: gradgradcheck failed for shapes {shapes}"


def check_numpy_forward(spec: OpSpec) -> None:
    for case, shapes in enumerate(spec.shapes):
        arrays = spec.arrays(shapes, seed=300 + case)
        out = spec.run(*leaves(arrays))
        expected = np.asarray(spec.ref(*arrays))
        assert out.shape == expected.shape, f"{spec.name}: shape {out.shape} vs {expected.shape}"
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


def check_float32(spec: OpSpec) -> None:
    """float32 in, float32 out, float32 gradients: NumPy 2 must not promote anything."""
    for case, shapes in enumerate(spec.shapes):
        arrays = spec.arrays(shapes, seed=400 + case)
        xs = leaves(arrays, dtype=mg.float32, constant=spec.constant_inputs)
        out = spec.run(*xs)
        assert out.dtype == mg.float32, f"{spec.name}: float32 inputs gave {out.dtype}"
        np.testing.assert_allclose(out.detach().numpy(), spec.ref(*arrays), rtol=1e-4, atol=1e-5)
        out.backward(mg.ones_like(out))
        for i, x in enumerate(xs):
            if i in spec.constant_inputs:
                continue
            assert x.grad is not None, f"{spec.name}: input {i} got no gradient"
            assert x.grad.dtype == mg.float32, f"{spec.name}: input {i}'s grad is {x.grad.dtype}"


def default_hyp_shapes(spec: OpSpec) -> st.SearchStrategy:
    if spec.arity == 1:
        return hnp.array_shapes(min_dims=spec.min_dims, max_dims=spec.max_dims, min_side=1,
                                max_side=4).map(lambda s: (s,))
    return hnp.mutually_broadcastable_shapes(num_shapes=spec.arity, min_dims=spec.min_dims,
                                             max_dims=spec.max_dims, min_side=1,
                                             max_side=4).map(lambda b: b.input_shapes)


def check_hypothesis(spec: OpSpec) -> None:
    """Random shapes (and values from the op's domain) against the NumPy reference."""
    shapes_strategy = spec.hyp_shapes() if spec.hyp_shapes else default_hyp_shapes(spec)

    @settings(max_examples=25, deadline=None, database=None)
    @given(shapes=shapes_strategy, seed=st.integers(0, 2**32 - 1))
    def prop(shapes: Shapes, seed: int) -> None:
        arrays = spec.arrays(shapes, seed=seed)
        out = spec.run(*[mg.tensor(a, dtype=mg.float64) for a in arrays])
        expected = np.asarray(spec.ref(*arrays))
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)

    prop()


def check_torch(spec: OpSpec) -> None:
    """Forward and backward against PyTorch on the same float64 values."""
    torch = pytest.importorskip("torch")
    if not spec.torch:
        pytest.skip(f"{spec.name} has no PyTorch equivalent")
    for case, shapes in enumerate(spec.shapes):
        arrays = spec.arrays(shapes, seed=500 + case)
        xs = leaves(arrays, constant=spec.constant_inputs)
        ts = [torch.tensor(a, requires_grad=i not in spec.constant_inputs)
              for i, a in enumerate(arrays)]
        out, tout = spec.run(*xs), spec.run_torch(torch, *ts)
        assert tuple(out.shape) == tuple(tout.shape), f"{spec.name}: shapes differ for {shapes}"
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        seed = np.random.default_rng(600 + case).standard_normal(tuple(out.shape))
        out.backward(mg.tensor(seed, dtype=mg.float64))
        tout.backward(torch.tensor(seed))
        for i, (x, t) in enumerate(zip(xs, ts)):
            if i in spec.constant_inputs:
                assert x.grad is None and t.grad is None
                continue
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{spec.name}: gradient of input {i}, {shapes}")


class OpSuite:
    """Subclass it with ``OPS = [...]``; each op gets every check above as its own test."""

    OPS: list = []

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "spec" in metafunc.fixturenames:
            metafunc.parametrize("spec", self.OPS, ids=[s.name for s in self.OPS])

    def test_gradcheck(self, spec: OpSpec) -> None:
        check_gradcheck(spec)

    def test_gradcheck_noncontiguous(self, spec: OpSpec) -> None:
        check_noncontiguous(spec)

    def test_gradgradcheck(self, spec: OpSpec) -> None:
        check_gradgradcheck(spec)

    def test_numpy_forward(self, spec: OpSpec) -> None:
        check_numpy_forward(spec)

    def test_float32_stays_float32(self, spec: OpSpec) -> None:
        check_float32(spec)

    def test_hypothesis_forward(self, spec: OpSpec) -> None:
        check_hypothesis(spec)

    def test_torch(self, spec: OpSpec) -> None:
        check_torch(spec)


# --- indexing against PyTorch ------------------------------------------------------------------
def assert_index_matches_torch(base: np.ndarray, ours: tuple, theirs: tuple, torch: Any,
                               write: bool = True) -> None:
    """``x[ours]`` in minigrad and ``x[theirs]`` in PyTorch (the same index in each library's
    types) agree on values and gradients, and, with ``write``, on ``x[index] = values``."""
    x, t = mg.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
    out, expected = x[ours], t[theirs]
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    weights = np.random.default_rng(0).standard_normal(out.shape)
    (out * mg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    if write:
        y, u = mg.tensor(base.copy()), torch.tensor(base.copy())
        y[ours] = mg.tensor(weights)
        u[theirs] = torch.tensor(weights)
        np.testing.assert_array_equal(y.numpy(), u.numpy())

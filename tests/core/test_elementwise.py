"""Elementwise ops, declared once and checked by the shared harness (tests/harness.py)."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite, away_from_zero, distinct, normal, positive

UNARY = [((3, 4),), ((5,),), ((),), ((2, 3, 2),)]
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 1), (1, 3))]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ELEMENTWISE = [
    OpSpec("add", lambda m, a, b: a + b, np.add, BINARY),
    OpSpec("sub", lambda m, a, b: a - b, np.subtract, BINARY),
    OpSpec("mul", lambda m, a, b: a * b, np.multiply, BINARY),
    OpSpec("div", lambda m, a, b: a / b, np.divide, BINARY, domain=(normal, positive)),
    OpSpec("pow_tensor", lambda m, a, b: a ** b, np.power, BINARY, domain=(positive, normal)),
    OpSpec("pow_scalar_3", lambda m, x: x ** 3, lambda x: x ** 3, UNARY),
    OpSpec("pow_scalar_half", lambda m, x: x ** 0.5, np.sqrt, UNARY, domain=positive),
    OpSpec("pow_scalar_neg", lambda m, x: x ** -2, lambda x: x ** -2.0, UNARY, domain=positive),
    OpSpec("rpow", lambda m, x: 2.0 ** x, lambda x: 2.0 ** x, UNARY),
    OpSpec("scalar_arith", lambda m, x: (3 - x) * 2.5 / 4 + 1, lambda x: (3 - x) * 2.5 / 4 + 1,
           UNARY),
    OpSpec("rdiv", lambda m, x: 1 / x, lambda x: 1 / x, UNARY, domain=positive),
    OpSpec("neg", lambda m, x: -x, np.negative, UNARY),
    OpSpec("exp", lambda m, x: x.exp(), np.exp, UNARY),
    OpSpec("log", lambda m, x: x.log(), np.log, UNARY, domain=positive),
    OpSpec("sqrt", lambda m, x: x.sqrt(), np.sqrt, UNARY, domain=positive),
    OpSpec("abs", lambda m, x: x.abs(), np.abs, UNARY, domain=away_from_zero),
    OpSpec("tanh", lambda m, x: x.tanh(), np.tanh, UNARY),
    OpSpec("sigmoid", lambda m, x: x.sigmoid(), _sigmoid, UNARY),
    OpSpec("relu", lambda m, x: x.relu(), lambda x: np.maximum(x, 0), UNARY,
           domain=away_from_zero),
    OpSpec("leaky_relu", lambda m, x: mg.ops.leaky_relu(x, 0.2),
           lambda x: np.where(x > 0, x, 0.2 * x), UNARY, domain=away_from_zero,
           torch_fn=lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    OpSpec("clamp", lambda m, x: x.clamp(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), UNARY,
           domain=distinct),
    OpSpec("clamp_min", lambda m, x: x.clamp(min=0.25), lambda x: np.maximum(x, 0.25), UNARY,
           domain=distinct),
    OpSpec("clamp_max", lambda m, x: x.clamp(max=0.25), lambda x: np.minimum(x, 0.25), UNARY,
           domain=distinct),
    OpSpec("maximum", lambda m, a, b: m.maximum(a, b), np.maximum, BINARY),
    OpSpec("minimum", lambda m, a, b: m.minimum(a, b), np.minimum, BINARY),
    OpSpec("where", lambda m, a, b: m.where(a > b, a * 2, b), lambda a, b: np.where(a > b, a * 2, b),
           BINARY),
    OpSpec("where_three_way_broadcast", lambda m, c, a, b: m.where(c > 0, a, b),
           lambda c, a, b: np.where(c > 0, a, b),
           [((3, 1, 1), (1, 4, 1), (1, 1, 2)), ((2, 3), (3,), ())], constant_inputs=(0,)),
    OpSpec("where_scalar", lambda m, x: m.where(x > 0, x, 0.5), lambda x: np.where(x > 0, x, 0.5),
           UNARY, domain=away_from_zero),
]


class TestElementwise(OpSuite):
    OPS = ELEMENTWISE


def test_clamp_passes_gradient_at_its_bounds() -> None:
    """PyTorch lets the gradient through where x equals min or max."""
    x = mg.tensor([-1.0, -0.5, 0.0, 0.5, 1.0], requires_grad=True)
    x.clamp(-0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0])


def test_maximum_splits_the_gradient_at_ties() -> None:
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([1.0, 5.0, 0.0], requires_grad=True)
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0, 1])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1, 0])


@pytest.mark.parametrize("op, ref", [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                                     ("le", np.less_equal), ("gt", np.greater),
                                     ("ge", np.greater_equal)])
def test_comparisons_broadcast_and_are_not_differentiable(op, ref) -> None:
    a = mg.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], requires_grad=True)
    b = mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    out = getattr(a, op)(b)
    assert out.dtype == mg.bool and not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), ref(a.detach().numpy(), b.detach().numpy()))
    # a Python scalar on the left flips the comparison
    np.testing.assert_array_equal(getattr(mg.ops, op)(2.0, a).numpy(),
                                  ref(2.0, a.detach().numpy()))


def test_integer_division_gives_floats() -> None:
    i = mg.tensor([1, 2, 4])
    for out in (i / 2, 2 / i, i / i, i / 2.0):
        assert out.dtype == mg.float32
    np.testing.assert_allclose((2 / i).numpy(), [2.0, 1.0, 0.5])


@pytest.mark.parametrize("a, b, dtype", [(1.0, -1.0, "float32"), (1, 0, "int64"),
                                         (2, 0.5, "float32")])
def test_where_with_two_python_scalars_follows_torch(a, b, dtype) -> None:
    """torch.where(cond, 1.0, -1.0): both branches numbers; the result takes the default dtype."""
    out = mg.where(mg.tensor([True, False, True]), a, b)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), np.where([True, False, True], a, b))


@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "strided"])
def test_relu_handles_nan_inf_and_keeps_the_memory_order(layout) -> None:
    """ReLU's CPU path works on rows in memory order; every layout must give max(x, 0)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3, 5, 6)).astype(np.float32)
    a.flat[::7], a.flat[3::11], a.flat[5::13] = np.nan, -np.inf, np.inf
    if layout == "contiguous":
        x = mg.tensor(a)
    elif layout == "channels_last":
        x = mg.tensor(np.ascontiguousarray(a.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2)
    else:
        wide = np.zeros((4, 3, 5, 12), np.float32)
        wide[..., ::2] = a
        x = mg.tensor(wide)[..., ::2]
    x = x.detach().requires_grad_(True)
    y = x.relu()
    y.backward(mg.ones_like(y))
    np.testing.assert_array_equal(y.detach().numpy(), np.maximum(a, 0))
    np.testing.assert_array_equal(x.grad.numpy(), (a > 0).astype(np.float32))
    if layout == "channels_last":
        assert y.array.strides == x.array.strides

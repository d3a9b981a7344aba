"""The public gradient checker: it must pass correct gradients, catch wrong ones (even 1%
wrong) and say where, for inputs, module parameters and second derivatives."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


class Cube(Function):
    """x ** 3 whose backward is off by ``Cube.factor`` (1.0 = correct)."""

    factor = 1.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x * Cube.factor


@pytest.fixture
def one_percent_wrong():
    Cube.factor = 1.01
    yield
    Cube.factor = 1.0


X = np.array([[0.5, -1.5], [2.0, 1.0]])  # the worst error is where |x| is largest: (1, 0)


def test_correct_backward_passes() -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(Cube.apply, (x,)) is True


def test_a_backward_one_percent_wrong_is_caught_and_located(one_percent_wrong) -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(Cube.apply, (x,))
    msg = str(info.value)
    assert "input 0" in msg and "shape (2, 2)" in msg
    assert "element (1, 0)" in msg  # the worst element
    numerical = float(re.search(r"numerical ([-\d.e+]+)", msg).group(1))
    analytic = float(re.search(r"analytic ([-\d.e+]+)", msg).group(1))
    abs_err = float(re.search(r"abs error ([-\d.e+]+)", msg).group(1))
    rel_err = float(re.search(r"rel error ([-\d.e+]+)", msg).group(1))
    assert numerical == pytest.approx(3 * 2.0 ** 2, rel=1e-6)
    assert analytic == pytest.approx(1.01 * 3 * 2.0 ** 2, rel=1e-6)
    assert abs_err == pytest.approx(0.12, rel=1e-2)
    assert rel_err == pytest.approx(0.01, rel=1e-2)


def test_raise_exception_false_returns_false(one_percent_wrong) -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(Cube.apply, (x,), raise_exception=False) is False


def test_the_wrong_input_is_named(one_percent_wrong) -> None:
    a = mg.tensor([0.3, 0.7], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([1.2, -0.8], dtype=mg.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"input 1 \(shape \(2,\)\) at element \(0,\)"):
        mg.gradcheck(lambda p, q: p * 2 + Cube.apply(q), (a, b))


def test_tolerances_are_the_ones_given(one_percent_wrong) -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(Cube.apply, (x,), rtol=0.02)


def test_inputs_without_requires_grad_are_skipped_and_none_is_an_error() -> None:
    a = mg.tensor([0.3, 0.7], dtype=mg.float64, requires_grad=True)
    const = mg.tensor([5.0, 6.0], dtype=mg.float64)
    assert mg.gradcheck(lambda p, c: p * c, (a, const))
    with pytest.raises(ValueError, match="no input has requires_grad=True"):
        mg.gradcheck(lambda c: c * 2, (const,))


def test_functions_with_several_outputs() -> None:
    a = mg.randn(3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda t: (t.exp(), t.sum() * t, t.argmax()), (a,))


# --- fast mode ---------------------------------------------------------------------------------
def test_fast_mode_passes_a_correct_large_op() -> None:
    a = mg.randn(30, 40, dtype=mg.float64, requires_grad=True)
    b = mg.randn(40, 20, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda p, q: (p @ q).tanh(), (a, b), fast_mode=True)


def test_fast_mode_catches_a_one_percent_error(one_percent_wrong) -> None:
    x = mg.randn(20, 30, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(Cube.apply, (x,), fast_mode=True, raise_exception=False) is False
    with pytest.raises(mg.GradcheckError, match=r"fast_mode.*input 0 \(shape \(20, 30\)\).*"
                                                r"numerical.*analytic.*abs error.*rel error"):
        mg.gradcheck(Cube.apply, (x,), fast_mode=True)


# --- float32 warning ---------------------------------------------------------------------------
def test_float32_inputs_warn() -> None:
    x = mg.tensor([0.5, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="input 0 is float32, not float64"):
        assert mg.gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-3, rtol=1e-3)


def test_float64_inputs_do_not_warn() -> None:
    x = mg.tensor([0.5, 1.0], dtype=mg.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mg.gradcheck(lambda t: t * 2, (x,))


# --- modules ---------------------------------------------------------------------------------------
class TinyLinear:
    """Just what gradcheck_module needs: named_parameters() and __call__."""

    def __init__(self, wrong: bool = False):
        # Well conditioned for any random draw: weights of size 0.3-0.6 (cubed: <= 0.22) and
        # small offsets keep tanh far from saturation, so the weight gradient is O(0.1) and a
        # 1%-wrong backward stands well above gradcheck's atol. (Plain randn weights can
        # saturate tanh, shrink the gradient to ~1e-3 and hide the 1% under atol=1e-5.)
        size = mg.rand(3, 4, dtype=mg.float64) * 0.3 + 0.3
        sign = mg.randint(0, 2, (3, 4)).double() * 2 - 1
        self.weight = (size * sign).requires_grad_()
        self.bias = (mg.randn(3, dtype=mg.float64) * 0.1).requires_grad_()
        self.frozen = mg.randn(3, dtype=mg.float64) * 0.1  # not a parameter that requires grad
        self.wrong = wrong

    def named_parameters(self):
        yield "weight", self.weight
        yield "bias", self.bias

    def __call__(self, x):
        w = Cube.apply(self.weight) if self.wrong else self.weight
        return (x @ w.T + self.bias + self.frozen).tanh()


def test_gradcheck_module_checks_inputs_and_parameters() -> None:
    x = mg.randn(2, 4, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(TinyLinear(), (x,))


def test_gradcheck_module_names_the_wrong_parameter(one_percent_wrong) -> None:
    x = mg.randn(2, 4, dtype=mg.float64)  # only the parameters are checked
    with pytest.raises(mg.GradcheckError, match="parameter 'weight'"):
        mg.gradcheck_module(TinyLinear(wrong=True), (x,))
    assert mg.gradcheck_module(TinyLinear(wrong=True), (x,), raise_exception=False) is False


def test_gradcheck_module_with_minigrad_nn_if_present() -> None:
    nn = pytest.importorskip("minigrad.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("minigrad.nn.Linear is not there yet")
    layer = nn.Linear(3, 2).to(mg.float64)
    x = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))


# --- second derivatives --------------------------------------------------------------------------
class CubeWrongSecond(Function):
    """Right first derivative; its backward uses an op whose own backward is 1% wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * Cube.apply(x) / x  # 3x^2 = 3 Cube(x) / x; d/dx runs Cube.backward


class CubeIgnoresGrad(Function):
    """Right for a gradient of ones only: it detaches the incoming gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.detach() * 3 * x * x


def test_gradgradcheck_passes_ops_with_correct_double_backward() -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    y = mg.randn(2, 2, dtype=mg.float64, requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: (a * b).tanh() + a ** 3, (x, y))
    assert mg.gradgradcheck(lambda a, b: a + b, (x, y))  # linear: constant first derivative
    assert mg.gradgradcheck(Cube.apply, (x,))


def test_gradgradcheck_catches_a_wrong_second_derivative(one_percent_wrong) -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(CubeWrongSecond.apply, (x,))  # the first derivative is right
    with pytest.raises(mg.GradcheckError, match=r"input 0 \(shape \(2, 2\)\) at element"):
        mg.gradgradcheck(CubeWrongSecond.apply, (x,))
    assert mg.gradgradcheck(CubeWrongSecond.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_checks_the_incoming_gradient_too() -> None:
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(CubeIgnoresGrad.apply, (x,))
    with pytest.raises(mg.GradcheckError, match="grad_output 0"):
        mg.gradgradcheck(CubeIgnoresGrad.apply, (x,))


def test_gradgradcheck_fast_mode() -> None:
    x = mg.randn(10, 8, dtype=mg.float64, requires_grad=True)
    assert mg.gradgradcheck(lambda t: (t * t).sigmoid(), (x,), fast_mode=True)
    assert mg.gradgradcheck(CubeIgnoresGrad.apply, (x,), fast_mode=True,
                            raise_exception=False) is False

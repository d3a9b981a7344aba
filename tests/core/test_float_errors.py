"""Non-finite results follow IEEE silently, as in PyTorch: log(0) is -inf and 0/0 is nan,
with no NumPy RuntimeWarning pointing inside minigrad; the user's own NumPy settings are
left as they were."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def _silently(fn):
    """Run ``fn`` with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def _values(t):
    return t.detach().numpy().tolist()


@pytest.mark.parametrize("name, fn, expected", [
    ("log(0), log(-1)", lambda: mg.tensor([0.0, -1.0]).log(), [-math.inf, math.nan]),
    ("1/0, 0/0", lambda: mg.tensor([1.0, 0.0]) / mg.tensor([0.0, 0.0]), [math.inf, math.nan]),
    ("sqrt(-1)", lambda: mg.tensor([-1.0, 4.0]).sqrt(), [math.nan, 2.0]),
    ("exp overflow", lambda: mg.tensor([1000.0, 0.0]).exp(), [math.inf, 1.0]),
    ("(-1) ** 0.5", lambda: mg.tensor([-1.0, 9.0]) ** 0.5, [math.nan, 3.0]),
    ("square overflow", lambda: mg.tensor([1e30, 2.0]) * mg.tensor([1e30, 2.0]), [math.inf, 4.0]),
    ("inf * 0", lambda: mg.tensor([math.inf, 1.0]) * mg.tensor([0.0, 3.0]), [math.nan, 3.0]),
    ("mean of nothing", lambda: mg.zeros(0, 2).mean(dim=0), [math.nan, math.nan]),
])
def test_forward_is_ieee_and_silent(name, fn, expected):
    np.testing.assert_array_equal(_values(_silently(fn)), expected)


def test_backward_is_ieee_and_silent():
    x = mg.tensor([0.0, 1.0, 4.0], dtype=mg.float64, requires_grad=True)

    def run():
        (x.log().sum() + x.sqrt().sum()).backward()
        return x.grad
    # d/dx log x = 1/x, d/dx sqrt x = 1/(2 sqrt x): both infinite at 0.
    np.testing.assert_array_equal(_values(_silently(run)), [math.inf, 1.5, 0.25 + 0.25])


def test_in_place_arithmetic_is_silent():
    t = mg.tensor([1.0, 0.0, math.inf])

    def run():
        with mg.no_grad():
            t.div_(0.0)          # inf, nan, inf
            t.mul_(mg.tensor([0.0, 1.0, 1.0]))  # nan, nan, inf
            t.add_(-math.inf)    # nan, nan, nan
        return t
    assert np.isnan(_values(_silently(run))).all()


def test_work_split_over_threads_is_silent():
    # Large enough for parallel_for to hand blocks to worker threads, which start with NumPy's
    # default settings; an inf in the batch makes BatchNorm subtract inf from inf there.
    x = mg.randn(64, 32, 16, 16)
    x.array[:, 0, 0, 0] = math.inf
    bn = nn.BatchNorm2d(32)
    out = _silently(lambda: bn(x))
    values = out.detach().numpy()
    assert np.isnan(values[:, 0]).all()
    assert np.isfinite(values[:, 1:]).all()


def test_user_numpy_settings_are_left_alone():
    before = np.geterr()
    _silently(lambda: mg.tensor([0.0]).log())
    assert np.geterr() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="warn"):
            with pytest.raises(RuntimeWarning, match="divide by zero"):
                np.log(np.zeros(1))


def test_quiet_regions_end_cleanly_even_after_an_error():
    from minigrad.backend import float_errors_are_ignored, float_errors_ignored
    with pytest.raises(ValueError):
        mg.ones(2, 3) @ mg.ones(4, 5)  # the op raises inside its quiet region
    assert not float_errors_are_ignored()
    with float_errors_ignored():
        with float_errors_ignored():  # nested: the inner one changes nothing
            assert float_errors_are_ignored()
        assert float_errors_are_ignored()
        assert np.geterr()["divide"] == "ignore"
    assert not float_errors_are_ignored()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="warn"):
            with pytest.raises(RuntimeWarning):
                np.log(np.zeros(1))  # the user's NumPy warns again afterwards


@pytest.mark.parametrize("fast_path", [True, False])
def test_both_ways_of_setting_the_error_state(monkeypatch, fast_path):
    """NumPy 2's context variable (fast), or np.errstate where NumPy lays it out otherwise."""
    from minigrad import backend
    if not fast_path:
        monkeypatch.setattr(backend, "_extobj_contextvar", None)
    elif backend._extobj_contextvar is None:
        pytest.skip("this NumPy has no error-state context variable")
    before = np.geterr()
    with backend.float_errors_ignored():
        assert np.geterr() == {"divide": "ignore", "over": "ignore", "under": "ignore",
                               "invalid": "ignore"}
        np.testing.assert_array_equal(_values(_silently(lambda: mg.tensor([0.0]).log())),
                                      [-math.inf])
    assert np.geterr() == before

"""PoissonNLLLoss and GaussianNLLLoss and their functional forms: PyTorch forward and backward
for every reduction and option (log_input, full, eps; var's shape rules), gradcheck and
gradgradcheck in float64, float32, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _m(a, grad=True):
    return mg.tensor(a, dtype=mg.float64, requires_grad=grad)


def _t(torch, a, grad=True):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def _compare(out_m, out_t, ms, ts, torch):
    assert out_m.shape == tuple(out_t.shape)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = np.random.default_rng(9).standard_normal(tuple(out_t.shape))
    out_m.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(ms, ts)):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"gradient of input {i}")


# --- Poisson -------------------------------------------------------------------------------
def _poisson_data(log_input, shape=(4, 5)):
    r = np.random.default_rng(1)
    x = r.standard_normal(shape) if log_input else r.uniform(0.1, 3.0, shape)
    # Counts above and below the Stirling cut at 1 (but not 0: PyTorch's target gradient
    # there is NaN with full=True, see test_poisson_full_target_gradient_at_zero).
    t = r.poisson(2.0, shape) + 0.0
    t[t == 0] = 0.5
    t.flat[0] = 1.0
    return x, t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_poisson_matches_torch(log_input, full, eps, reduction):
    torch = pytest.importorskip("torch")
    x, t = _poisson_data(log_input)
    ms, ts = [_m(x), _m(t)], [_t(torch, x), _t(torch, t)]
    kw = dict(log_input=log_input, full=full, eps=eps, reduction=reduction)
    _compare(F.poisson_nll_loss(*ms, **kw), torch.nn.functional.poisson_nll_loss(*ts, **kw), ms,
             ts, torch)
    lm, lt = nn.PoissonNLLLoss(**kw), torch.nn.PoissonNLLLoss(**kw)
    assert repr(lm) == repr(lt)
    np.testing.assert_allclose(lm(ms[0], ms[1]).detach().numpy(),
                               lt(ts[0], ts[1]).detach().numpy(), rtol=1e-10)


def test_poisson_broadcasts_and_takes_integer_counts():
    """Integer counts are read in the input's dtype (PyTorch's log of an int64 target runs in
    float32, so the comparison with it uses float64 counts)."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((3, 4))
    t = np.array([0, 1, 3, 7])
    out_m = F.poisson_nll_loss(_m(x), mg.tensor(t), full=True, reduction="none")
    out_f = F.poisson_nll_loss(_m(x), _m(t * 1.0), full=True, reduction="none")
    out_t = torch.nn.functional.poisson_nll_loss(_t(torch, x), _t(torch, t * 1.0), full=True,
                                                 reduction="none")
    assert out_m.shape == (3, 4)
    np.testing.assert_array_equal(out_m.detach().numpy(), out_f.detach().numpy())
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)


def test_poisson_full_target_gradient_at_zero():
    """PyTorch multiplies a masked-out log(0) by a zero gradient and gets NaN; here the masked
    Stirling term contributes exactly 0 to the target's gradient."""
    x, t = _m([0.2, -0.3]), _m([0.0, 4.0])
    F.poisson_nll_loss(x, t, full=True, reduction="sum").backward()
    stirling = np.log(4.0) + 0.5 / 4.0  # d/dt (t log t - t + log(2 pi t) / 2)
    np.testing.assert_allclose(t.grad.numpy(), [-0.2, 0.3 + stirling], rtol=1e-12)


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_gradcheck(log_input, full):
    x, t = _poisson_data(log_input, (3, 4))
    t[t == 1.0] = 1.5  # the Stirling term jumps at t = 1 (it is cut there, as in PyTorch)
    assert mg.gradcheck(lambda a, b: F.poisson_nll_loss(a, b, log_input, full, reduction="none"),
                        (_m(x), _m(t)))
    assert mg.gradgradcheck(lambda a, b: F.poisson_nll_loss(a, b, log_input, full),
                            (_m(x), _m(t)))


# --- Gaussian ------------------------------------------------------------------------------
VAR_SHAPES = [((4, 3), (4, 3)), ((4, 3), (4,)), ((4, 3), (4, 1)), ((2, 3, 5), (2, 1, 5)),
              ((2, 3, 5), (2, 3)), ((2, 3, 5), (2, 3, 1)), ((5,), (5,)), ((5,), ()),
              ((5,), (1,))]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("shapes", VAR_SHAPES, ids=str)
def test_gaussian_matches_torch(shapes, full, reduction):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(3)
    x, y = r.standard_normal(shapes[0]), r.standard_normal(shapes[0])
    v = r.uniform(0.2, 2.0, shapes[1])
    ms, ts = [_m(x), _m(y), _m(v)], [_t(torch, x), _t(torch, y), _t(torch, v)]
    kw = dict(full=full, reduction=reduction)
    _compare(F.gaussian_nll_loss(*ms, **kw), torch.nn.functional.gaussian_nll_loss(*ts, **kw),
             ms, ts, torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_eps_clamp_keeps_the_gradient_like_torch(reduction):
    """Variances below eps are raised to eps in value, but their gradient still flows (PyTorch
    clamps under no_grad); target broadcasting and a float var as in PyTorch too."""
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(4)
    x, y = r.standard_normal((3, 4)), r.standard_normal((4,))
    v = np.array([[1e-9, 0.5, 0.0, 2.0]] * 3)
    ms, ts = [_m(x), _m(y), _m(v)], [_t(torch, x), _t(torch, y), _t(torch, v)]
    kw = dict(eps=1e-3, reduction=reduction)
    lm, lt = nn.GaussianNLLLoss(**kw), torch.nn.GaussianNLLLoss(**kw)
    assert repr(lm) == repr(lt)
    _compare(lm(*ms), lt(*ts), ms, ts, torch)
    ms, ts = [_m(x), _m(y)], [_t(torch, x), _t(torch, y)]
    _compare(F.gaussian_nll_loss(*ms, 0.25, reduction=reduction, full=True),
             torch.nn.functional.gaussian_nll_loss(*ts, 0.25, reduction=reduction, full=True),
             ms, ts, torch)


@pytest.mark.parametrize("shapes", VAR_SHAPES[:4], ids=str)
def test_gaussian_gradcheck(shapes):
    r = np.random.default_rng(5)
    inputs = (_m(r.standard_normal(shapes[0])), _m(r.standard_normal(shapes[0])),
              _m(r.uniform(0.5, 2.0, shapes[1])))
    assert mg.gradcheck(lambda a, b, v: F.gaussian_nll_loss(a, b, v, reduction="none"), inputs)
    assert mg.gradgradcheck(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=True), inputs)


# --- float32 and errors ------------------------------------------------------------------------
def test_float32_stays_float32():
    r = np.random.default_rng(6)
    x = mg.tensor(r.uniform(0.1, 2, (3, 4)), dtype=mg.float32, requires_grad=True)
    t = mg.tensor(r.poisson(2.0, (3, 4)) + 0.5, dtype=mg.float32, requires_grad=True)
    v = mg.tensor(r.uniform(0.1, 2, (3,)), dtype=mg.float32, requires_grad=True)
    outs = [nn.PoissonNLLLoss(full=True)(x, t),
            nn.PoissonNLLLoss(log_input=False, full=True, eps=np.float64(1e-3))(x, t),
            F.poisson_nll_loss(x, mg.tensor([1, 2, 3, 4]), full=True),
            nn.GaussianNLLLoss(full=True, eps=np.float64(1e-3))(x, t, v),
            F.gaussian_nll_loss(x, t, 0.5)]
    for out in outs:
        assert out.dtype == mg.float32
    sum(outs).backward()
    for leaf in (x, t, v):
        assert leaf.grad.dtype == mg.float32


def test_errors_name_the_loss():
    x = mg.randn(4, 3)
    for fn, args in (("poisson_nll_loss", (x, x)), ("gaussian_nll_loss", (x, x, mg.ones(4, 3)))):
        with pytest.raises(ValueError, match=rf"{fn}: reduction='avg' is not valid"):
            getattr(F, fn)(*args, reduction="avg")
    with pytest.raises(ValueError, match="PoissonNLLLoss: reduction='batchmean'"):
        nn.PoissonNLLLoss(reduction="batchmean")
    with pytest.raises(ValueError, match="GaussianNLLLoss: reduction='avg'"):
        nn.GaussianNLLLoss(reduction="avg")
    with pytest.raises(RuntimeError, match=r"poisson_nll_loss: the shapes of input \(4, 3\), "
                                           r"target \(4,\) cannot be broadcast"):
        F.poisson_nll_loss(x, mg.ones(4))
    with pytest.raises(TypeError, match="poisson_nll_loss: expected a floating-point input"):
        F.poisson_nll_loss(mg.tensor([1, 2]), mg.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var is of incorrect size \(3,\) for "
                                         r"input of size \(4, 3\)"):
        F.gaussian_nll_loss(x, x, mg.ones(3))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var is of incorrect size "
                                         r"\(4, 1, 1\)"):
        F.gaussian_nll_loss(x, x, mg.ones(4, 1, 1))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative entry"):
        F.gaussian_nll_loss(x, x, -mg.ones(4, 3))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative entry"):
        F.gaussian_nll_loss(x, x, -0.5)
    with pytest.raises(TypeError, match="gaussian_nll_loss: var must be a Tensor or a number"):
        F.gaussian_nll_loss(x, x, "1")
    with pytest.raises(RuntimeError, match=r"gaussian_nll_loss: the shapes of input \(4, 3\), "
                                           r"target \(2, 3\)"):
        F.gaussian_nll_loss(x, mg.ones(2, 3), mg.ones(4, 3))


def test_torch_rejects_the_same_var_shapes():
    torch = pytest.importorskip("torch")
    x = torch.zeros(4, 3)
    for shape in ((3,), (4, 1, 1), (1, 1)):
        with pytest.raises(ValueError, match="var is of incorrect size"):
            torch.nn.functional.gaussian_nll_loss(x, x, torch.ones(shape))
        with pytest.raises(ValueError, match="gaussian_nll_loss: var is of incorrect size"):
            F.gaussian_nll_loss(mg.zeros(4, 3), mg.zeros(4, 3), mg.ones(*shape))

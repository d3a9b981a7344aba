"""L1Loss, SmoothL1Loss, HuberLoss, BCELoss, KLDivLoss and their functional forms: the op
harness (gradcheck, gradgradcheck, NumPy, float32, hypothesis, torch) for every reduction,
plus PyTorch parity of the edge cases (BCE's clamped logs, weights, 'batchmean'), modules
and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from harness import OpSpec, OpSuite, normal, positive

REDUCTIONS = ["none", "mean", "sum"]
PAIR_SHAPES = [((2, 3),), ((4,),), ((2, 3, 2),), ((),)]


def _pairs(shapes):
    return [(s[0], s[0]) for s in shapes]


def _same_shapes(n=2, min_dims=0):
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1,
                                    max_side=4).map(lambda s: (s,) * n)


def probability(rng, shape):
    """Inside (0, 1) and away from the ends, where BCE's logs are smooth."""
    return rng.uniform(0.05, 0.95, shape)


def _reduce(loss, reduction):
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def _huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def _specs():
    specs = []
    for r in REDUCTIONS:
        specs.append(OpSpec(f"l1_loss-{r}",
                            lambda m, x, t, r=r: m.nn.functional.l1_loss(x, t, reduction=r),
                            lambda x, t, r=r: _reduce(np.abs(x - t), r), _pairs(PAIR_SHAPES),
                            hyp_shapes=_same_shapes()))
        for beta in (1.0, 0.5, 0.0):
            specs.append(OpSpec(
                f"smooth_l1_loss-{r}-beta{beta}",
                lambda m, x, t, r=r, b=beta: m.nn.functional.smooth_l1_loss(x, t, reduction=r,
                                                                            beta=b),
                lambda x, t, r=r, b=beta: _reduce(np.abs(x - t) if b == 0 else
                                                  _huber(x - t, b) / b, r),
                _pairs(PAIR_SHAPES), hyp_shapes=_same_shapes()))
        for delta in (1.0, 2.5):
            specs.append(OpSpec(
                f"huber_loss-{r}-delta{delta}",
                lambda m, x, t, r=r, d=delta: m.nn.functional.huber_loss(x, t, reduction=r,
                                                                         delta=d),
                lambda x, t, r=r, d=delta: _reduce(_huber(x - t, d), r), _pairs(PAIR_SHAPES),
                hyp_shapes=_same_shapes()))
        specs.append(OpSpec(
            f"binary_cross_entropy-{r}",
            lambda m, x, t, r=r: m.nn.functional.binary_cross_entropy(x, t, reduction=r),
            lambda x, t, r=r: _reduce(-(t * np.log(x) + (1 - t) * np.log(1 - x)), r),
            _pairs(PAIR_SHAPES), domain=probability, hyp_shapes=_same_shapes()))
        specs.append(OpSpec(
            f"binary_cross_entropy-weighted-{r}",
            lambda m, x, t, w, r=r: m.nn.functional.binary_cross_entropy(x, t, w, reduction=r),
            lambda x, t, w, r=r: _reduce(-w * (t * np.log(x) + (1 - t) * np.log(1 - x)), r),
            [((2, 3), (2, 3), (3,)), ((4,), (4,), (4,))], domain=[probability, probability,
                                                                  positive],
            constant_inputs=(2,), hyp_shapes=lambda: hnp.array_shapes(
                min_dims=1, max_dims=3, min_side=1, max_side=4).map(lambda s: (s, s, s[-1:]))))
    for r in ("none", "sum", "batchmean"):
        for log_target in (False, True):
            specs.append(OpSpec(
                f"kl_div-{r}-log_target{log_target}",
                lambda m, x, t, r=r, lt=log_target: m.nn.functional.kl_div(
                    x, t, reduction=r, log_target=lt),
                lambda x, t, r=r, lt=log_target: _kl_reference(x, t, r, lt),
                [((3, 4), (3, 4)), ((5,), (5,)), ((2, 3, 2), (2, 3, 2))],
                domain=[normal, normal if log_target else positive],
                hyp_shapes=_same_shapes(min_dims=1)))
    return specs


def _kl_reference(x, t, reduction, log_target):
    loss = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return _reduce(loss, reduction)


class TestLossOps(OpSuite):
    OPS = _specs()


# --- PyTorch parity beyond the harness ------------------------------------------------------
def _pair_t(torch, *arrays):
    return [torch.tensor(a, requires_grad=True) for a in arrays]


def _pair_m(*arrays):
    return [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in arrays]


def _compare(out_m, out_t, ins_m, ins_t, rtol=1e-10):
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=rtol,
                               atol=1e-12)
    g = np.random.default_rng(3).standard_normal(tuple(out_t.shape))
    out_m.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(__import__("torch").tensor(g))
    for i, (a, b) in enumerate(zip(ins_m, ins_t)):
        if b.grad is None:
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-12,
                                   err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_clamps_logs_at_minus_100_like_torch(reduction):
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 1e-50, 1 - 1e-17])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.6, 0.5, 0.25])
    xm, tm = _pair_m(x, t)
    xt, tt = _pair_t(torch, x, t)
    out_m = F.binary_cross_entropy(xm, tm, reduction=reduction)
    out_t = torch.nn.functional.binary_cross_entropy(xt, tt, reduction=reduction)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    assert np.isfinite(out_m.detach().numpy()).all()
    g = np.ones(tuple(out_t.shape))
    out_m.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    # The input gradient divides by max(x (1 - x), 1e-12), as torch: finite at 0 and 1.
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    # The target gradient is log(1 - x) - log(x), unclamped (+-inf at the ends), as torch.
    np.testing.assert_allclose(tm.grad.numpy(), tt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_module_with_weight_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, t, w = rng.uniform(0.01, 0.99, (4, 3)), rng.integers(0, 2, (4, 3)) * 1.0, \
        rng.uniform(0.5, 2, (3,))
    xm, tm = _pair_m(x, t)
    xt, tt = _pair_t(torch, x, t)
    lm = nn.BCELoss(weight=mg.tensor(w, dtype=mg.float64), reduction=reduction)
    lt = torch.nn.BCELoss(weight=torch.tensor(w), reduction=reduction)
    _compare(lm(xm, tm), lt(xt, tt), [xm, tm], [xt, tt])
    assert list(lm.state_dict()) == list(lt.state_dict()) == ["weight"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_and_huber_weights_match_torch(reduction):
    """torch 2.13's weighted 'mean' differs between the two: sum(w l)/sum(w) vs mean(w l)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, t, w = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4)), \
        rng.uniform(0.1, 3, (3, 4))
    for fn in ("l1_loss", "huber_loss"):
        xm, tm = _pair_m(x, t)
        xt, tt = _pair_t(torch, x, t)
        out_m = getattr(F, fn)(xm, tm, reduction=reduction, weight=mg.tensor(w, dtype=mg.float64))
        out_t = getattr(torch.nn.functional, fn)(xt, tt, reduction=reduction,
                                                 weight=torch.tensor(w))
        _compare(out_m, out_t, [xm, tm], [xt, tt])


@pytest.mark.parametrize("cls,kwargs", [("L1Loss", {}), ("SmoothL1Loss", {"beta": 0.7}),
                                        ("SmoothL1Loss", {"beta": 0.0}),
                                        ("HuberLoss", {"delta": 1.5})])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_modules_match_torch(cls, kwargs, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    # Differences spread over both sides of beta/delta, and one exact zero (sign(0) = 0).
    x, t = rng.standard_normal((5, 4)) * 2, rng.standard_normal((5, 4))
    x[0, 0] = t[0, 0]
    xm, tm = _pair_m(x, t)
    xt, tt = _pair_t(torch, x, t)
    lm = getattr(nn, cls)(reduction=reduction, **kwargs)
    lt = getattr(torch.nn, cls)(reduction=reduction, **kwargs)
    _compare(lm(xm, tm), lt(xt, tt), [xm, tm], [xt, tt])
    assert repr(lm) == repr(lt)


@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_module_matches_torch(reduction, log_target):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((4, 5))
    x = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    p = rng.dirichlet(np.ones(5), 4)
    t = np.log(p) if log_target else p
    xm, tm = _pair_m(x, t)
    xt, tt = _pair_t(torch, x, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn for 'mean' (checked below)
        out_t = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(xt, tt)
        out_m = nn.KLDivLoss(reduction=reduction, log_target=log_target)(xm, tm)
    _compare(out_m, out_t, [xm, tm], [xt, tt])


def test_kl_div_mean_warns_as_torch_and_zero_targets_count_zero():
    x = mg.tensor([[-1.0, -2.0, -0.5]], dtype=mg.float64, requires_grad=True)
    t = mg.tensor([[0.0, 0.5, 0.5]], dtype=mg.float64)
    with pytest.warns(UserWarning, match="batchmean"):
        out = F.kl_div(x, t)
    expected = (0.5 * (np.log(0.5) + 2.0) + 0.5 * (np.log(0.5) + 0.5)) / 3
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, -0.5 / 3, -0.5 / 3]], rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'batchmean' is silent
        F.kl_div(x, t, reduction="batchmean")


def test_kl_div_batchmean_divides_by_the_batch_only():
    rng = np.random.default_rng(6)
    x, t = rng.standard_normal((3, 4)), rng.uniform(0.1, 1, (3, 4))
    xm, tm = (mg.tensor(a, dtype=mg.float64) for a in (x, t))
    total = F.kl_div(xm, tm, reduction="sum").numpy()
    np.testing.assert_allclose(F.kl_div(xm, tm, reduction="batchmean").numpy(), total / 3,
                               rtol=1e-12)


# --- float32 ------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [nn.L1Loss(), nn.SmoothL1Loss(beta=0.5), nn.HuberLoss(delta=2.0),
                                   nn.BCELoss(weight=mg.tensor([1.0, 2.0, 0.5])),
                                   nn.KLDivLoss(reduction="batchmean"),
                                   nn.KLDivLoss(reduction="sum", log_target=True)],
                         ids=lambda m: repr(m))
def test_float32_stays_float32(layer):
    x = mg.tensor(np.random.default_rng(7).uniform(0.1, 0.9, (2, 3)), dtype=mg.float32,
                  requires_grad=True)
    t = mg.tensor(np.random.default_rng(8).uniform(0.1, 0.9, (2, 3)), dtype=mg.float32,
                  requires_grad=True)
    out = layer(x, t)
    assert out.dtype == mg.float32
    out.backward()
    assert x.grad.dtype == mg.float32 and t.grad.dtype == mg.float32


# --- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                "kl_div", "mse_loss", "binary_cross_entropy_with_logits"])
def test_shape_mismatch_is_an_error_naming_the_op_and_shapes(fn):
    x, t = mg.full((2, 3), 0.5), mg.full((3,), 0.5)
    with pytest.raises(ValueError, match=rf"{fn}.*\(3,\).*\(2, 3\)"):
        getattr(F, fn)(x, t, reduction="sum")


@pytest.mark.parametrize("fn", ["l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                "kl_div", "mse_loss", "binary_cross_entropy_with_logits"])
def test_bad_reduction_and_non_tensors(fn):
    x = mg.full((2,), 0.5)
    with pytest.raises(ValueError, match=rf"{fn}: reduction='avg'"):
        getattr(F, fn)(x, x, reduction="avg")
    with pytest.raises(TypeError, match=fn):
        getattr(F, fn)(x, [0.5, 0.5])
    if fn != "kl_div":
        with pytest.raises(ValueError, match="batchmean"):
            getattr(F, fn)(x, x, reduction="batchmean")


def test_mse_loss_refuses_integer_inputs_as_torch():
    """torch: "mse_cpu" not implemented for 'Long'; mse_loss shares the regression losses'
    input check, so it names itself and the dtype instead of failing later in mean()."""
    a = mg.tensor([1, 2])
    for reduction in ("mean", "sum", "none"):
        with pytest.raises(TypeError, match="mse_loss: expected a floating-point input, got "
                                            "int64"):
            F.mse_loss(a, a, reduction=reduction)


def test_bce_refuses_values_outside_0_1_as_torch():
    with pytest.raises(RuntimeError, match=r"binary_cross_entropy: all elements of input should "
                                           r"be between 0 and 1, got values in \[-0.5, 0.5\]"):
        F.binary_cross_entropy(mg.tensor([-0.5, 0.5]), mg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="of input should be between 0 and 1.*NaN"):
        F.binary_cross_entropy(mg.tensor([float("nan"), 0.5]), mg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="of target should be between 0 and 1"):
        nn.BCELoss()(mg.tensor([0.5, 0.5]), mg.tensor([0.0, 1.5]))


def test_beta_and_delta_checks():
    x = mg.zeros(3)
    with pytest.raises(ValueError, match="smooth_l1_loss: does not support negative values for "
                                         "beta, got -1.0"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: does not support non-positive values for "
                                         "delta, got 0.0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="SmoothL1Loss"):
        nn.SmoothL1Loss(beta=-0.1)
    with pytest.raises(ValueError, match="HuberLoss"):
        nn.HuberLoss(delta=-2)
    with pytest.raises(ValueError, match="l1_loss: weight of shape \\(2,\\) must have the input's"):
        F.l1_loss(x, x, weight=mg.ones(2))
    with pytest.raises(ValueError, match="KLDivLoss: reduction='batch'"):
        nn.KLDivLoss(reduction="batch")
    with pytest.raises(ValueError, match="binary_cross_entropy: weight of shape \\(2,\\) does not "
                                         "broadcast"):
        F.binary_cross_entropy(mg.full((3,), 0.5), mg.full((3,), 0.5), weight=mg.ones(2))
    with pytest.raises(TypeError, match="l1_loss: expected a floating-point input"):
        F.l1_loss(mg.tensor([1, 2]), mg.tensor([1, 2]))

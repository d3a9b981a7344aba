"""Every distribution against torch.distributions on the same float64 parameters: log_prob,
entropy, moments, cdf/icdf, shapes, and the gradients of log_prob / entropy in the parameters
(and in the value for the continuous ones)."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D

from ._cases import CASES, Case, batch_event_shape, build

torch = pytest.importorskip("torch")
TD = torch.distributions

# what minigrad does not provide where torch does (named in the package docstring)
KNOWN_GAPS: set = set()
PROPS = ("mean", "mode", "variance", "stddev")


def _pair(case: Case, seed: int = 0, value_shape: tuple = ()):
    """(mg dist, torch dist, mg params, torch params, mg value, torch value)."""
    rng = np.random.default_rng(seed)
    params = case.params(rng)
    mp, tp = {}, {}
    for k, v in params.items():
        grad = k not in case.int_params
        if isinstance(v, np.ndarray):
            mp[k] = mg.tensor(v, dtype=mg.float64, requires_grad=grad)
            tp[k] = torch.tensor(v, dtype=torch.float64, requires_grad=grad)
        else:
            mp[k], tp[k] = v, v
    shape = value_shape + batch_event_shape(case, params)
    value = case.value(rng, shape)
    if case.long_values:
        mv, tv = mg.tensor(value, dtype=mg.int64), torch.tensor(value, dtype=torch.int64)
    else:
        mv = mg.tensor(value, dtype=mg.float64, requires_grad=not case.discrete)
        tv = torch.tensor(value, dtype=torch.float64, requires_grad=not case.discrete)
    return build(mg, D, case, mp), build(torch, TD, case, tp), mp, tp, mv, tv


# torch's float64 trigamma (the derivative of digamma) is accurate to ~1e-9 relative (measured
# against scipy.special.polygamma: 1.3e-9 at 0.6), minigrad's to ~1e-16; gradients that go
# through it are compared at this tolerance, and gradchecked in test_gradcheck.py.
TRIGAMMA_RTOL = 1e-7
TRIGAMMA = {"Gamma", "Beta", "Dirichlet", "StudentT"}


def _close(a, b, what: str, rtol: float = 1e-9) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10, err_msg=what, equal_nan=True)


def _grads_match(m_out, t_out, mp, tp, extra=(), what: str = "", rtol: float = 1e-9) -> None:
    """Backward a weighted sum of the finite outputs in both libraries; compare the grads."""
    if not t_out.requires_grad:  # e.g. Normal's entropy with a number for scale
        assert not m_out.requires_grad, f"{what}: minigrad output requires grad, torch's not"
        return
    w = np.random.default_rng(1).normal(size=tuple(t_out.shape))
    finite = np.isfinite(t_out.detach().numpy())
    w = np.where(finite, w, 0.0)
    (mg.where(mg.tensor(finite), m_out, 0.0) * mg.tensor(w)).sum().backward()
    (torch.where(torch.tensor(finite), t_out, 0.0) * torch.tensor(w)).sum().backward()
    pairs = [(mp[k], tp[k], k) for k in mp if isinstance(tp[k], torch.Tensor)
             and tp[k].requires_grad] + list(extra)
    assert pairs
    for m, t, name in pairs:
        assert (m.grad is None) == (t.grad is None), f"{what}: grad of {name} presence"
        if t.grad is not None:
            _close(m.grad, t.grad, f"{what}: grad of {name}", rtol)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("value_shape", [(), (2,)])
def test_log_prob_and_its_gradients(case: Case, value_shape: tuple) -> None:
    md, tdist, mp, tp, mv, tv = _pair(case, value_shape=value_shape)
    m_out, t_out = md.log_prob(mv), tdist.log_prob(tv)
    _close(m_out, t_out, f"{case.id} log_prob")
    extra = [] if case.discrete or case.long_values else [(mv, tv, "value")]
    _grads_match(m_out, t_out, mp, tp, extra, f"{case.id} log_prob")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_entropy_and_its_gradients(case: Case) -> None:
    md, tdist, mp, tp, _, _ = _pair(case)
    try:
        t_out = tdist.entropy()
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            md.entropy()
        return
    m_out = md.entropy()
    _close(m_out, t_out, f"{case.id} entropy")
    _grads_match(m_out, t_out, mp, tp, what=f"{case.id} entropy",
                 rtol=TRIGAMMA_RTOL if case.name in TRIGAMMA else 1e-9)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("prop", PROPS)
def test_moments(case: Case, prop: str) -> None:
    md, tdist, _, _, _, _ = _pair(case)
    try:
        expected = getattr(tdist, prop)
    except NotImplementedError:
        return
    _close(getattr(md, prop), expected, f"{case.id} {prop}")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shapes_and_support_flags(case: Case) -> None:
    md, tdist, _, _, _, _ = _pair(case)
    assert tuple(md.batch_shape) == tuple(tdist.batch_shape)
    assert tuple(md.event_shape) == tuple(tdist.event_shape)
    assert md.has_rsample == tdist.has_rsample
    assert md.has_enumerate_support == tdist.has_enumerate_support
    for sample_shape in [(), (5,), (2, 3)]:
        s = md.sample(sample_shape)
        assert tuple(s.shape) == tuple(tdist.sample(sample_shape).shape)
        assert not s.requires_grad
        assert bool(md.support.check(s).all()) if not _dependent(md) else True
    e = md.expand((7,) + tuple(md.batch_shape))
    te = tdist.expand((7,) + tuple(tdist.batch_shape))
    assert tuple(e.batch_shape) == tuple(te.batch_shape)
    assert tuple(e.sample().shape) == tuple(te.sample().shape)
    mv = _pair(case)[4]
    _close(e.log_prob(mv), te.log_prob(_pair(case)[5]), f"{case.id} expanded log_prob")


def _dependent(md) -> bool:
    return D.constraints.is_dependent(type(md).__dict__.get("support"))


CDF_CASES = [c for c in CASES if c.name in ("Normal", "Uniform", "Exponential", "Laplace",
                                             "Cauchy", "LogNormal", "Gamma")]


@pytest.mark.parametrize("case", CDF_CASES, ids=[c.id for c in CDF_CASES])
def test_cdf_icdf_and_gradients(case: Case) -> None:
    md, tdist, mp, tp, mv, tv = _pair(case, value_shape=(2,))
    if (case.name, "cdf") in KNOWN_GAPS:
        with pytest.raises(NotImplementedError):
            md.cdf(mv)
        return
    m_out, t_out = md.cdf(mv), tdist.cdf(tv)
    if case.name == "Gamma":  # no gradient in the shape parameter (torch has none either)
        mp["concentration"].requires_grad = False
        tp["concentration"].requires_grad = False
        md, tdist = build(mg, D, case, mp), build(torch, TD, case, tp)
        m_out, t_out = md.cdf(mv), tdist.cdf(tv)
    _close(m_out, t_out, f"{case.id} cdf", 1e-9)
    _grads_match(m_out, t_out, mp, tp, [(mv, tv, "value")], f"{case.id} cdf",
                 1e-9)
    if case.name == "Gamma":
        return  # torch's Gamma has no icdf
    md, tdist, mp, tp, _, _ = _pair(case, value_shape=(2,))
    q = np.random.default_rng(3).uniform(0.05, 0.95, tuple(t_out.shape))
    mq = mg.tensor(q, dtype=mg.float64, requires_grad=True)
    tq = torch.tensor(q, dtype=torch.float64, requires_grad=True)
    m_out, t_out = md.icdf(mq), tdist.icdf(tq)
    _close(m_out, t_out, f"{case.id} icdf")
    _grads_match(m_out, t_out, mp, tp, [(mq, tq, "value")], f"{case.id} icdf")


def test_enumerate_support_matches_torch() -> None:
    for md, tdist in [(D.Bernoulli(mg.tensor([0.3, 0.6])), TD.Bernoulli(torch.tensor([0.3, 0.6]))),
                      (D.Categorical(logits=mg.zeros(2, 3)),
                       TD.Categorical(logits=torch.zeros(2, 3))),
                      (D.OneHotCategorical(logits=mg.zeros(2, 3)),
                       TD.OneHotCategorical(logits=torch.zeros(2, 3))),
                      (D.Binomial(4, mg.tensor([0.3, 0.6])), TD.Binomial(4, torch.tensor([0.3, 0.6])))]:
        for expand in (True, False):
            np.testing.assert_array_equal(md.enumerate_support(expand).numpy(),
                                          tdist.enumerate_support(expand).numpy())


def test_binomial_entropy_needs_one_total_count() -> None:
    d = D.Binomial(mg.tensor([3.0, 4.0]), mg.tensor([0.3, 0.6]))
    with pytest.raises(NotImplementedError, match="Inhomogeneous"):
        d.entropy()


def test_edge_probabilities_match_torch() -> None:
    """Bernoulli/Categorical/Geometric at probabilities 0 and 1 (the clamped logits)."""
    p = [0.0, 1.0, 0.5]
    md, tdist = D.Bernoulli(mg.tensor(p, dtype=mg.float64)), TD.Bernoulli(torch.tensor(p, dtype=torch.float64))
    for v in ([0.0, 1.0, 1.0], [1.0, 0.0, 0.0]):
        _close(md.log_prob(mg.tensor(v, dtype=mg.float64)),
               tdist.log_prob(torch.tensor(v, dtype=torch.float64)), "Bernoulli edge log_prob")
    _close(md.entropy(), tdist.entropy(), "Bernoulli edge entropy")
    _close(md.mode, tdist.mode, "Bernoulli edge mode")
    c = [[0.0, 0.25, 0.75], [1.0, 0.0, 0.0]]
    md, tdist = D.Categorical(mg.tensor(c, dtype=mg.float64)), TD.Categorical(torch.tensor(c, dtype=torch.float64))
    _close(md.entropy(), tdist.entropy(), "Categorical edge entropy")
    _close(md.log_prob(mg.tensor([1, 0])), tdist.log_prob(torch.tensor([1, 0])),
           "Categorical edge log_prob")
    g = [1.0, 0.5]
    md, tdist = D.Geometric(mg.tensor(g, dtype=mg.float64)), TD.Geometric(torch.tensor(g, dtype=torch.float64))
    _close(md.log_prob(mg.tensor([0.0, 2.0], dtype=mg.float64)),
           tdist.log_prob(torch.tensor([0.0, 2.0], dtype=torch.float64)), "Geometric edge")

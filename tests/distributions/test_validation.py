"""validate_args: out-of-support parameters and log_prob values raise ValueError naming the
distribution, the parameter (or value), its shape and the constraint, wherever torch raises;
validate_args=False and set_default_validate_args turn it off. Also repr and constraints."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D


def _t(v, lib=None):
    return mg.tensor(v, dtype=mg.float64) if lib is None else lib.tensor(v, dtype=lib.float64)


# (label, builder(dists module, tensor maker), words the message must contain)
BAD_PARAMS = [
    ("Normal scale", lambda M, T: M.Normal(T([0.0, 1.0]), T([1.0, -1.0])),
     ["Normal", "scale", "(2,)", "GreaterThan"]),
    ("Normal nan loc", lambda M, T: M.Normal(T([float("nan")]), T([1.0])), ["Normal", "loc", "Real"]),
    ("Bernoulli probs", lambda M, T: M.Bernoulli(T([0.5, 1.5])), ["Bernoulli", "probs", "Interval"]),
    ("Categorical probs", lambda M, T: M.Categorical(T([[0.5, -0.1, 0.6]])),
     ["Categorical", "probs", "(1, 3)", "Simplex"]),
    ("Exponential rate", lambda M, T: M.Exponential(T([0.0])), ["Exponential", "rate"]),
    ("Laplace scale", lambda M, T: M.Laplace(T([0.0]), T([0.0])), ["Laplace", "scale"]),
    ("Gamma concentration", lambda M, T: M.Gamma(T([-1.0]), T([1.0])), ["Gamma", "concentration"]),
    ("Beta concentration0", lambda M, T: M.Beta(T([1.0]), T([0.0])), ["Beta", "concentration0"]),
    ("Dirichlet concentration", lambda M, T: M.Dirichlet(T([[1.0, 0.0]])),
     ["Dirichlet", "concentration", "(1, 2)"]),
    ("Poisson rate", lambda M, T: M.Poisson(T([-0.5])), ["Poisson", "rate"]),
    ("Binomial total_count", lambda M, T: M.Binomial(T([2.5]), T([0.5])),
     ["Binomial", "total_count", "IntegerGreaterThan"]),
    ("Geometric probs", lambda M, T: M.Geometric(T([1.5])), ["Geometric", "probs"]),
    ("Uniform low >= high", lambda M, T: M.Uniform(T([1.0]), T([0.0])), ["Uniform", "low"]),
    ("MVN covariance", lambda M, T: M.MultivariateNormal(T([0.0, 0.0]), T([[1.0, 2.0], [2.0, 1.0]])),
     ["MultivariateNormal", "covariance_matrix", "PositiveDefinite"]),
    ("MVN scale_tril", lambda M, T: M.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 1.0], [0.0, 1.0]])),
     ["MultivariateNormal", "scale_tril", "LowerCholesky"]),
    ("StudentT df", lambda M, T: M.StudentT(T([0.0])), ["StudentT", "df"]),
    ("Cauchy scale", lambda M, T: M.Cauchy(T([0.0]), T([-2.0])), ["Cauchy", "scale"]),
    ("LogNormal scale", lambda M, T: M.LogNormal(T([0.0]), T([-2.0])), ["Normal", "scale"]),
]


@pytest.mark.parametrize("label,build,words", BAD_PARAMS, ids=[b[0] for b in BAD_PARAMS])
def test_bad_parameters_raise_value_error(label, build, words) -> None:
    with pytest.raises(ValueError) as info:
        build(D, _t)
    for w in words:
        assert w in str(info.value), f"{label}: {w!r} not in {info.value}"
    if label != "MVN covariance":  # its Cholesky factor fails without validation, as torch's
        assert isinstance(_no_validation(build), D.Distribution)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        build(torch.distributions, lambda v: _t(v, torch))


def _no_validation(build):
    """The same construction with validation off succeeds (except Uniform's own check)."""
    D.Distribution.set_default_validate_args(False)
    try:
        return build(D, _t)
    finally:
        D.Distribution.set_default_validate_args(True)


BAD_VALUES = [
    ("Exponential", lambda M, T: M.Exponential(T([1.0])), [-1.0]),
    ("Bernoulli", lambda M, T: M.Bernoulli(T([0.3])), [0.5]),
    ("Beta", lambda M, T: M.Beta(T([2.0]), T([2.0])), [1.5]),
    ("Poisson", lambda M, T: M.Poisson(T([2.0])), [1.5]),
    ("Binomial", lambda M, T: M.Binomial(T([3.0]), T([0.5])), [4.0]),
    ("Gamma", lambda M, T: M.Gamma(T([2.0]), T([1.0])), [-0.5]),
    ("Uniform", lambda M, T: M.Uniform(T([0.0]), T([1.0])), [1.5]),
    ("Dirichlet", lambda M, T: M.Dirichlet(T([1.0, 1.0])), [0.7, 0.7]),
    ("Geometric", lambda M, T: M.Geometric(T([0.3])), [-1.0]),
    ("LogNormal", lambda M, T: M.LogNormal(T([0.0]), T([1.0])), [-1.0]),
    ("Normal", lambda M, T: M.Normal(T([0.0]), T([1.0])), [float("nan")]),
]


@pytest.mark.parametrize("label,build,value", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_log_prob_outside_the_support_raises(label, build, value) -> None:
    with pytest.raises(ValueError, match=rf"support .* of the distribution {label}"):
        build(D, _t).log_prob(_t(value))
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        build(torch.distributions, lambda v: _t(v, torch)).log_prob(_t(value, torch))
    D.Distribution.set_default_validate_args(False)
    try:
        build(D, _t).log_prob(_t(value))  # no check: whatever the formula gives
    finally:
        D.Distribution.set_default_validate_args(True)


def test_categorical_value_out_of_range_and_shape_errors() -> None:
    c = D.Categorical(mg.ones(2, 3))
    with pytest.raises(ValueError, match="IntegerInterval"):
        c.log_prob(mg.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"Normal: value is not broadcastable .* \(3,\) vs \(2,\)"):
        D.Normal(mg.zeros(2), 1.0).log_prob(mg.zeros(3))
    with pytest.raises(ValueError, match="right-most size of value must match event_shape"):
        D.MultivariateNormal(mg.zeros(2), mg.eye(2)).log_prob(mg.zeros(3))
    with pytest.raises(ValueError, match="must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(0.5)


def test_validate_args_false_per_instance() -> None:
    d = D.Normal(_t([0.0]), _t([-1.0]), validate_args=False)
    assert d.batch_shape == (1,)
    assert D.Exponential(_t([1.0]), validate_args=False).log_prob(_t([-1.0])).shape == (1,)


def test_argument_errors() -> None:
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        D.Bernoulli()
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        D.Categorical(mg.ones(3), mg.ones(3))
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
        D.MultivariateNormal(mg.zeros(2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.MultivariateNormal(mg.tensor(0.0), mg.eye(1))
    with pytest.raises(ValueError, match=r"covariance_matrix of shape \(3, 3\)"):
        D.MultivariateNormal(mg.zeros(2), mg.eye(3))
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        D.Independent(D.Normal(mg.zeros(2), 1.0), 2)


def test_repr_and_constraints_match_torch() -> None:
    torch = pytest.importorskip("torch")
    TD = torch.distributions
    pairs = [(D.Normal(0.0, 1.0), TD.Normal(0.0, 1.0)),
             (D.Normal(mg.zeros(2), 1.0), TD.Normal(torch.zeros(2), 1.0)),
             (D.Bernoulli(logits=mg.zeros(2)), TD.Bernoulli(logits=torch.zeros(2))),
             (D.LogNormal(0.0, 1.0), TD.LogNormal(0.0, 1.0)),
             (D.MultivariateNormal(mg.zeros(2), mg.eye(2)),
              TD.MultivariateNormal(torch.zeros(2), torch.eye(2))),
             (D.Independent(D.Normal(mg.zeros(2), 1.0), 1),
              TD.Independent(TD.Normal(torch.zeros(2), 1.0), 1))]
    for m, t in pairs:
        assert repr(m) == repr(t).replace("torch.Size([2])", "(2,)").replace(
            "torch.Size([2, 2])", "(2, 2)")
    for m, t in [(D.Uniform(0.0, 1.0).support, TD.Uniform(0.0, 1.0).support),
                 (D.Categorical(mg.ones(3)).support, TD.Categorical(torch.ones(3)).support),
                 (D.constraints.positive, TD.constraints.positive),
                 (D.constraints.simplex, TD.constraints.simplex),
                 (D.constraints.real_vector, TD.constraints.real_vector)]:
        assert repr(m) == repr(t)
    for name in ("Normal", "Bernoulli", "Categorical", "Gamma", "Beta", "Dirichlet", "Poisson",
                 "MultivariateNormal", "StudentT", "Binomial", "Geometric", "Laplace"):
        assert set(getattr(D, name).arg_constraints) == set(getattr(TD, name).arg_constraints)


def test_constraint_checks() -> None:
    c = D.constraints
    x = mg.tensor([-1.0, 0.0, 0.5, 1.0, 2.0])
    assert c.positive.check(x).tolist() == [False, False, True, True, True]
    assert c.nonnegative.check(x).tolist() == [False, True, True, True, True]
    assert c.unit_interval.check(x).tolist() == [False, True, True, True, False]
    assert c.half_open_interval(0.0, 1.0).check(x).tolist() == [False, True, True, False, False]
    assert c.nonnegative_integer.check(x).tolist() == [False, True, False, True, True]
    assert c.boolean.check(x).tolist() == [False, True, False, True, False]
    assert c.simplex.check(mg.tensor([[0.2, 0.8], [0.5, 0.6]])).tolist() == [True, False]
    assert c.independent(c.positive, 1).check(mg.tensor([[1.0, 2.0], [1.0, -1.0]])).tolist() \
        == [True, False]
    assert c.one_hot.check(mg.tensor([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)
    with pytest.raises(ValueError):
        c.dependent.check(x)


def test_float32_parameters_stay_float32() -> None:
    """log_prob, entropy, moments, draws and gradients of float32 parameters are float32."""
    made: list = []

    def f32(*shape, low=0.5):
        made.append((mg.rand(*shape) + low).float().requires_grad_())
        return made[-1]

    builders = [
        lambda: (D.Normal(f32(3), f32(3)), mg.randn(3)),
        lambda: (D.Bernoulli(f32(3, low=0.0) * 0.9), mg.ones(3)),
        lambda: (D.Bernoulli(logits=f32(3)), mg.ones(3)),
        lambda: (D.Categorical(logits=f32(2, 3)), mg.tensor([0, 2])),
        lambda: (D.OneHotCategorical(f32(2, 3)), mg.eye(3)[:2]),
        lambda: (D.Uniform(-f32(3), f32(3)), mg.zeros(3)),
        lambda: (D.Exponential(f32(3)), mg.ones(3)),
        lambda: (D.Laplace(f32(3), f32(3)), mg.zeros(3)),
        lambda: (D.Gamma(f32(3), f32(3)), mg.ones(3)),
        lambda: (D.Beta(f32(3), f32(3)), mg.full((3,), 0.5)),
        lambda: (D.Dirichlet(f32(2, 3)), mg.full((2, 3), 1 / 3)),
        lambda: (D.Poisson(f32(3)), mg.ones(3)),
        lambda: (D.Binomial(5, f32(3, low=0.0) * 0.5), mg.ones(3)),
        lambda: (D.Geometric(f32(3, low=0.0) * 0.5 + 0.1), mg.ones(3)),
        lambda: (D.MultivariateNormal(f32(2), scale_tril=mg.diag_embed(f32(2))), mg.zeros(2)),
        lambda: (D.MultivariateNormal(f32(2), mg.eye(2) * f32(1)), mg.zeros(2)),
        lambda: (D.LogNormal(f32(3), f32(3)), mg.ones(3)),
        lambda: (D.Cauchy(f32(3), f32(3)), mg.zeros(3)),
        lambda: (D.StudentT(mg.rand(3) + 2.0, f32(3), f32(3)), mg.zeros(3)),
        lambda: (D.Independent(D.Normal(f32(2, 3), f32(2, 3)), 1), mg.zeros(2, 3)),
    ]
    for make in builders:
        made.clear()
        d, value = make()
        name = type(d).__name__
        outs = [d.log_prob(value), d.mean, d.variance, d.sample((2,))]
        if name != "Poisson":
            outs.append(d.entropy())
        if d.has_rsample:
            outs.append(d.rsample((2,)))
        for o in outs:
            assert o.dtype in (mg.float32, mg.int64), (name, o.dtype)
            assert o.dtype == mg.float32 or name == "Categorical", (name, o.dtype)
        total = sum(o.sum() for o in outs if o.requires_grad)
        total.backward()
        grads = [p.grad for p in made]
        assert any(g is not None for g in grads), name
        for g in grads:
            assert g is None or g.dtype == mg.float32, (name, g.dtype)


def test_float32_kl_and_cdf_stay_float32() -> None:
    a = (mg.rand(3) + 0.5).requires_grad_()
    b = (mg.rand(3) + 0.5).requires_grad_()
    for p, q in [(D.Gamma(a, b), D.Gamma(b, a)), (D.Beta(a, b), D.Beta(b, a)),
                 (D.Dirichlet(a), D.Dirichlet(b)), (D.Laplace(a, b), D.Laplace(b, a)),
                 (D.MultivariateNormal(a, scale_tril=mg.diag_embed(b)),
                  D.MultivariateNormal(b, scale_tril=mg.diag_embed(a)))]:
        kl = D.kl_divergence(p, q)
        assert kl.dtype == mg.float32, type(p).__name__
    for d in (D.Normal(a, b), D.Gamma(a, b), D.Laplace(a, b), D.Exponential(a)):
        assert d.cdf(mg.full((3,), 0.5)).dtype == mg.float32, type(d).__name__
    assert D.Normal(a, b).icdf(mg.full((3,), 0.3)).dtype == mg.float32
    assert np.isfinite(D.Normal(a, b).icdf(mg.full((3,), 0.3)).detach().numpy()).all()

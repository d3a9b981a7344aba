"""Random sampling (ops/sampling.py): mg.normal, mg.bernoulli, mg.multinomial, mg.poisson and
Tensor.bernoulli_ / exponential_ (uniform_ / normal_ exist on Tensor already). Draws are
repeatable under mg.manual_seed; sample statistics stay within bounds derived from the
sample size (5 standard errors, so a correct sampler fails about once in 10^6 runs); shapes,
dtypes and errors follow torch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg

N = 200_000


def _within(sample_mean: float, mean: float, var: float, n: int, what: str) -> None:
    bound = 5 * math.sqrt(var / n)
    assert abs(sample_mean - mean) <= bound, f"{what}: {sample_mean} vs {mean} (+-{bound})"


@pytest.mark.parametrize("draw", [
    lambda: mg.normal(mg.zeros(5), mg.ones(5)),
    lambda: mg.normal(0.0, 1.0, (5,)),
    lambda: mg.bernoulli(mg.full((5,), 0.3)),
    lambda: mg.multinomial(mg.tensor([0.2, 0.5, 0.3]), 5, replacement=True),
    lambda: mg.multinomial(mg.tensor([0.2, 0.5, 0.3, 1.0]), 3),
    lambda: mg.poisson(mg.full((5,), 2.0)),
    lambda: mg.empty(5).bernoulli_(0.4),
    lambda: mg.empty(5).exponential_(2.0),
])
def test_repeatable_under_manual_seed(draw) -> None:
    mg.manual_seed(123)
    first = draw().numpy()
    mg.manual_seed(123)
    np.testing.assert_array_equal(draw().numpy(), first)
    mg.manual_seed(124)
    second = [draw().numpy() for _ in range(3)]
    assert any(not np.array_equal(s, first) for s in second)


def test_normal_forms_statistics_shapes_and_dtypes() -> None:
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    mean = mg.tensor([[-1.0], [2.0]])
    std = mg.tensor([0.5, 3.0, 1.0], dtype=mg.float64)
    out = mg.normal(mean.double(), std)
    assert out.shape == torch.normal(torch.zeros(2, 1, dtype=torch.float64),
                                     torch.ones(3, dtype=torch.float64)).shape
    assert out.dtype == mg.float64
    big_mean = mg.full((N,), 1.5, dtype=mg.float32)
    x = mg.normal(big_mean, 2.0)
    assert x.dtype == mg.float32 and x.shape == (N,)
    _within(float(x.numpy().mean()), 1.5, 4.0, N, "normal(tensor, float) mean")
    assert abs(float(x.numpy().std()) - 2.0) < 5 * 2.0 / math.sqrt(2 * N)
    y = mg.normal(-0.5, mg.full((N,), 0.5, dtype=mg.float64))
    assert y.dtype == mg.float64
    _within(float(y.numpy().mean()), -0.5, 0.25, N, "normal(float, tensor) mean")
    z = mg.normal(3.0, 0.1, (N // 2, 2))
    assert z.shape == (N // 2, 2) and z.dtype == mg.float32
    _within(float(z.numpy().mean()), 3.0, 0.01, N, "normal(float, float, size) mean")
    assert mg.normal(0.0, 1.0, size=(2, 3), dtype=mg.float64).dtype == mg.float64


def test_bernoulli_frequencies_and_dtype() -> None:
    mg.manual_seed(1)
    p = mg.tensor([0.0, 0.1, 0.5, 0.9, 1.0], dtype=mg.float64)
    draws = mg.bernoulli(p.expand((N // 5, 5)))
    assert draws.dtype == mg.float64 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    freq = draws.numpy().mean(0)
    for f, q in zip(freq, p.numpy()):
        _within(float(f), float(q), q * (1 - q), N // 5, f"bernoulli p={q}")
    assert freq[0] == 0.0 and freq[-1] == 1.0
    t = mg.empty(N, dtype=mg.float32).bernoulli_(0.25)
    assert t.dtype == mg.float32
    _within(float(t.numpy().mean()), 0.25, 0.25 * 0.75, N, "bernoulli_")
    probs = mg.full((N,), 0.7)
    t = mg.zeros(N).bernoulli_(probs)
    _within(float(t.numpy().mean()), 0.7, 0.21, N, "bernoulli_(tensor)")
    _within(float(mg.bernoulli(mg.zeros(N), 0.6).numpy().mean()), 0.6, 0.24, N,
            "bernoulli(input, p)")


def test_multinomial_with_replacement_frequencies() -> None:
    mg.manual_seed(2)
    w = np.array([[1.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 2.0]])
    out = mg.multinomial(mg.tensor(w), N, replacement=True)
    assert out.shape == (2, N) and out.dtype == mg.int64
    p = w[0] / w[0].sum()
    counts = np.bincount(out.numpy()[0], minlength=4) / N
    for k in range(4):
        _within(float(counts[k]), float(p[k]), p[k] * (1 - p[k]), N, f"category {k}")
    assert counts[1] == 0.0
    assert (out.numpy()[1] == 3).all()


def test_multinomial_without_replacement_is_successive_sampling() -> None:
    """First draw ~ w / sum(w); the second, given the first i, ~ w / (sum(w) - w_i)."""
    mg.manual_seed(3)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    n = N // 4
    out = mg.multinomial(mg.tensor(w).expand((n, 4)), 4).numpy()
    assert out.shape == (n, 4)
    assert (np.sort(out, 1) == np.arange(4)).all(), "each row is a permutation"
    p_first = w / w.sum()
    first = np.bincount(out[:, 0], minlength=4) / n
    for k in range(4):
        _within(float(first[k]), p_first[k], p_first[k] * (1 - p_first[k]), n, f"first {k}")
    p_second = sum(p_first[i] * np.where(np.arange(4) == i, 0.0, w / (w.sum() - w[i]))
                   for i in range(4))
    second = np.bincount(out[:, 1], minlength=4) / n
    for k in range(4):
        _within(float(second[k]), p_second[k], p_second[k] * (1 - p_second[k]), n, f"second {k}")
    one_d = mg.multinomial(mg.tensor([0.0, 1.0, 1.0]), 2)
    assert one_d.shape == (2,) and sorted(one_d.numpy().tolist()) == [1, 2]


def test_multinomial_without_replacement_takes_zero_weights_last_like_torch() -> None:
    """torch does not refuse more samples than non-zero weights: the weighted categories come
    first, then the zero-weight ones."""
    torch = pytest.importorskip("torch")
    w = [0.0, 3.0, 0.0, 1.0, 0.0]
    mg.manual_seed(5)
    for _ in range(20):
        ours = mg.multinomial(mg.tensor(w), 4).numpy()
        theirs = torch.multinomial(torch.tensor(w), 4).numpy()
        for out in (ours, theirs):
            assert set(out[:2]) == {1, 3} and set(out[2:]) <= {0, 2, 4}
            assert len(set(out)) == 4
    seen = {int(mg.multinomial(mg.tensor(w), 3).numpy()[2]) for _ in range(60)}
    assert seen == {0, 2, 4}, "zero-weight categories are taken in random order"


def test_poisson_and_exponential_moments() -> None:
    mg.manual_seed(4)
    rates = mg.tensor([0.5, 4.0], dtype=mg.float32).expand((N // 2, 2))
    x = mg.poisson(rates)
    assert x.dtype == mg.float32 and x.shape == (N // 2, 2)
    assert np.array_equal(x.numpy(), np.round(x.numpy())) and (x.numpy() >= 0).all()
    for k, lam in enumerate((0.5, 4.0)):
        _within(float(x.numpy()[:, k].mean()), lam, lam, N // 2, f"poisson {lam}")
    e = mg.empty(N, dtype=mg.float64).exponential_(2.0)
    assert e.dtype == mg.float64 and (e.numpy() >= 0).all()
    _within(float(e.numpy().mean()), 0.5, 0.25, N, "exponential_ mean")


def test_torch_shapes_and_dtypes() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (lambda l: l.bernoulli(l.rand(2, 3, dtype=l.float64))),
        (lambda l: l.multinomial(l.ones(3, 5), 4)),
        (lambda l: l.multinomial(l.ones(5), 7, replacement=True)),
        (lambda l: l.poisson(l.ones(4, 1))),
        (lambda l: l.normal(l.zeros(3), 1.0)),
        (lambda l: l.normal(2.0, l.ones(2, 2, dtype=l.float64))),
        (lambda l: l.normal(0.0, 1.0, (2, 3))),
        (lambda l: l.ones(2, 3).bernoulli()),
        (lambda l: l.ones(2, 3).multinomial(2)),
    ]
    for i, case in enumerate(cases):
        ours, theirs = case(mg), case(torch)
        assert tuple(ours.shape) == tuple(theirs.shape), i
        assert str(theirs.dtype).replace("torch.", "") == str(ours.dtype), i


@pytest.mark.parametrize("call", [
    lambda l: l.multinomial(l.ones(3), 4),                      # more than categories
    lambda l: l.multinomial(l.tensor([1.0, -1.0]), 1),          # negative
    lambda l: l.multinomial(l.zeros(3), 1, replacement=True),   # zero sum
    lambda l: l.multinomial(l.ones(2, 2, 2), 1),                # 3-D
    lambda l: l.multinomial(l.ones(3), 0),                      # no samples
    lambda l: l.bernoulli(l.tensor([0.5, 1.5])),                # out of [0, 1]
    lambda l: l.poisson(l.tensor([-1.0])),                      # negative rate
    lambda l: l.normal(l.zeros(2), l.tensor([1.0, -1.0])),      # negative std
    lambda l: l.ones(3).exponential_(-1.0),
])
def test_errors_match_torch_type_and_name_the_op(call) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(mg)
    op = [n for n in call.__code__.co_names if n not in ("ones", "zeros", "tensor")][0]
    assert op in str(ours.value)


def test_integer_inputs_are_refused() -> None:
    with pytest.raises(RuntimeError, match="multinomial.*floating"):
        mg.multinomial(mg.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match="bernoulli.*floating"):
        mg.bernoulli(mg.tensor([0, 1]))


def test_inplace_samplers_refuse_tensors_that_require_grad() -> None:
    x = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="bernoulli_"):
        x.bernoulli_(0.5)
    with pytest.raises(RuntimeError, match="exponential_"):
        x.exponential_()

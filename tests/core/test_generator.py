"""mg.Generator and generator= on every random creation function, sampler and in-place fill:
repeatable from a seed, independent of the global stream, state round trips, clear errors.
PyTorch's streams differ from NumPy's, so torch is compared on semantics, not values."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init

TORCH_DEFAULT_SEED = 67280421310721


@pytest.fixture(autouse=True)
def _on_the_cpu():
    """These tests are about the host (CPU) side whatever device the suite runs on."""
    mg.set_default_device("cpu")


def _probs() -> mg.Tensor:
    return mg.tensor([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]])


# Every function with generator=: name -> call(generator) returning a Tensor.
DRAWS = {
    "rand": lambda g: mg.rand(3, 4, generator=g),
    "randn": lambda g: mg.randn(3, 4, generator=g, dtype=mg.float64),
    "randint": lambda g: mg.randint(0, 1000, (3, 4), generator=g),
    "randperm": lambda g: mg.randperm(20, generator=g),
    "rand_like": lambda g: mg.rand_like(mg.zeros(3, 4), generator=g),
    "randn_like": lambda g: mg.randn_like(mg.zeros(3, 4), generator=g),
    "randint_like": lambda g: mg.randint_like(mg.zeros(3, 4), 0, 1000, generator=g),
    "normal(float, float, size)": lambda g: mg.normal(2.0, 3.0, (3, 4), generator=g),
    "normal(tensor, tensor)": lambda g: mg.normal(mg.zeros(3, 4), mg.ones(4), generator=g),
    "bernoulli": lambda g: mg.bernoulli(mg.full((50,), 0.5), generator=g),
    "bernoulli(p)": lambda g: mg.bernoulli(mg.zeros(50), 0.5, generator=g),
    "Tensor.bernoulli": lambda g: mg.full((50,), 0.5).bernoulli(generator=g),
    "multinomial": lambda g: mg.multinomial(_probs(), 3, generator=g),
    "multinomial(replacement)": lambda g: _probs().multinomial(20, True, generator=g),
    "poisson": lambda g: mg.poisson(mg.full((3, 4), 4.0), generator=g),
    "uniform_": lambda g: mg.empty(3, 4).uniform_(-2, 5, generator=g),
    "normal_": lambda g: mg.empty(3, 4).normal_(1, 2, generator=g),
    "random_": lambda g: mg.empty(3, 4, dtype=mg.int64).random_(generator=g),
    "random_(to)": lambda g: mg.empty(3, 4).random_(1000, generator=g),
    "random_(from, to)": lambda g: mg.empty(3, 4, dtype=mg.int32).random_(-500, 500, generator=g),
    "exponential_": lambda g: mg.empty(3, 4).exponential_(2.0, generator=g),
    "bernoulli_": lambda g: mg.empty(50).bernoulli_(0.5, generator=g),
    "bernoulli_(tensor p)": lambda g: mg.empty(50).bernoulli_(mg.full((50,), 0.5), generator=g),
    "geometric_": lambda g: mg.empty(3, 4).geometric_(0.2, generator=g),
    "log_normal_": lambda g: mg.empty(3, 4).log_normal_(generator=g),
    "cauchy_": lambda g: mg.empty(3, 4).cauchy_(generator=g),
    "init.uniform_": lambda g: init.uniform_(mg.empty(3, 4), generator=g),
    "init.normal_": lambda g: init.normal_(mg.empty(3, 4), generator=g),
    "init.trunc_normal_": lambda g: init.trunc_normal_(mg.empty(3, 4), generator=g),
    "init.xavier_uniform_": lambda g: init.xavier_uniform_(mg.empty(3, 4), generator=g),
    "init.xavier_normal_": lambda g: init.xavier_normal_(mg.empty(3, 4), generator=g),
    "init.kaiming_uniform_": lambda g: init.kaiming_uniform_(mg.empty(3, 4), generator=g),
    "init.kaiming_normal_": lambda g: init.kaiming_normal_(mg.empty(3, 4), generator=g),
    "init.orthogonal_": lambda g: init.orthogonal_(mg.empty(3, 4), generator=g),
    "init.sparse_": lambda g: init.sparse_(mg.empty(6, 4), 0.5, generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_same_seed_same_draws_and_the_global_stream_stays_put(name: str) -> None:
    draw = DRAWS[name]
    mg.manual_seed(11)
    before = mg.get_rng_state()
    a = draw(mg.Generator().manual_seed(123)).numpy()
    b = draw(mg.Generator().manual_seed(123)).numpy()
    assert np.array_equal(mg.get_rng_state().numpy(), before.numpy()), "moved the global stream"
    np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, draw(mg.Generator().manual_seed(s)).numpy())
               for s in (7, 8, 9)), "the seed did not matter"
    g = mg.Generator().manual_seed(123)
    first = draw(g).numpy()
    assert any(not np.array_equal(first, draw(g).numpy()) for _ in range(3)), \
        "the generator did not advance"


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_state_round_trip_mid_stream(name: str) -> None:
    draw = DRAWS[name]
    g = mg.Generator().manual_seed(5)
    draw(g)
    state = g.get_state()
    again = [draw(g).numpy() for _ in range(2)]
    assert g.set_state(state) is g
    np.testing.assert_array_equal(draw(g).numpy(), again[0])
    np.testing.assert_array_equal(draw(g).numpy(), again[1])


def test_generator_defaults_and_seeding_match_torch() -> None:
    g = mg.Generator()
    assert g.device == "cpu" and g.initial_seed() == TORCH_DEFAULT_SEED
    assert mg.Generator("cpu").initial_seed() == TORCH_DEFAULT_SEED
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    assert g.manual_seed(-1).initial_seed() == 2 ** 64 - 1  # torch wraps negative seeds
    fresh = g.seed()
    assert isinstance(fresh, int) and 0 <= fresh < 2 ** 64 and g.initial_seed() == fresh
    assert fresh != mg.Generator().seed()
    # a fresh generator starts from the default seed: two of them agree
    np.testing.assert_array_equal(mg.rand(5, generator=mg.Generator()).numpy(),
                                  mg.rand(5, generator=mg.Generator()).numpy())
    assert "initial_seed=42" in repr(mg.Generator().manual_seed(42))
    torch = pytest.importorskip("torch")
    assert torch.Generator().initial_seed() == TORCH_DEFAULT_SEED
    assert torch.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1


def test_bad_seeds_are_refused_like_torch() -> None:
    g = mg.Generator()
    with pytest.raises(RuntimeError, match="Generator.manual_seed expected an int seed, but got float"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="Generator.manual_seed: seed 18446744073709551616 is out of range"):
        g.manual_seed(2 ** 64)
    with pytest.raises(RuntimeError, match="manual_seed expected an int seed, but got str"):
        mg.manual_seed("3")
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.Generator().manual_seed(1.5)
    with pytest.raises(ValueError):
        torch.Generator().manual_seed(2 ** 64)


def test_state_is_a_uint8_vector_that_carries_the_seed() -> None:
    g = mg.Generator().manual_seed(77)
    state = g.get_state()
    assert isinstance(state, mg.Tensor) and state.dtype == mg.uint8 and state.ndim == 1
    assert state.device == "cpu"
    other = mg.Generator().manual_seed(3)
    other.set_state(state)
    assert other.initial_seed() == 77  # as torch: the state includes the seed
    np.testing.assert_array_equal(mg.rand(4, generator=other).numpy(),
                                  mg.rand(4, generator=mg.Generator().manual_seed(77)).numpy())
    # the state is a copy: drawing afterwards does not change it
    mg.rand(10, generator=g)
    np.testing.assert_array_equal(state.numpy(), mg.Generator().manual_seed(77).get_state().numpy())


def test_bad_states_are_refused_clearly() -> None:
    g = mg.Generator()
    good = g.get_state()
    with pytest.raises(TypeError, match="Generator.set_state: the RNG state must be a 1-D uint8 Tensor"):
        g.set_state(good.float())
    with pytest.raises(TypeError, match="Generator.set_state: .* got list"):
        g.set_state(good.tolist())
    with pytest.raises(TypeError, match=r"shape \(1, 53\)"):
        g.set_state(good.reshape(1, -1))
    with pytest.raises(RuntimeError, match="Generator.set_state: 3 bytes that are not a minigrad RNG state"):
        g.set_state(mg.zeros(3, dtype=mg.uint8))
    with pytest.raises(RuntimeError, match="Generator.set_state: expected the state of a cpu"):
        g.set_state(mg.cat([good, mg.zeros(2, dtype=mg.uint8)]))
    bad_magic = good.clone()
    bad_magic[0] = 0
    with pytest.raises(RuntimeError, match="not a minigrad RNG state"):
        g.set_state(bad_magic)
    np.testing.assert_array_equal(g.get_state().numpy(), good.numpy())  # left as it was
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.Generator().set_state(torch.zeros(5056))
    with pytest.raises(RuntimeError):
        torch.Generator().set_state(torch.zeros(3, dtype=torch.uint8))


CALLS_WITH = {  # name -> call(generator) for the error tests (the function name in the message)
    "rand": lambda g: mg.rand(2, generator=g),
    "randn": lambda g: mg.randn(2, generator=g),
    "randint": lambda g: mg.randint(5, size=(2,), generator=g),
    "randperm": lambda g: mg.randperm(4, generator=g),
    "normal": lambda g: mg.normal(0.0, 1.0, (2,), generator=g),
    "bernoulli": lambda g: mg.bernoulli(mg.full((2,), 0.5), generator=g),
    "multinomial": lambda g: mg.multinomial(mg.ones(3), 2, generator=g),
    "poisson": lambda g: mg.poisson(mg.ones(3), generator=g),
    "uniform_": lambda g: mg.empty(2).uniform_(generator=g),
    "normal_": lambda g: mg.empty(2).normal_(generator=g),
    "random_": lambda g: mg.empty(2).random_(generator=g),
    "exponential_": lambda g: mg.empty(2).exponential_(generator=g),
    "bernoulli_": lambda g: mg.empty(2).bernoulli_(generator=g),
    "geometric_": lambda g: mg.empty(2).geometric_(0.5, generator=g),
    "log_normal_": lambda g: mg.empty(2).log_normal_(generator=g),
    "cauchy_": lambda g: mg.empty(2).cauchy_(generator=g),
    "init.uniform_": lambda g: init.uniform_(mg.empty(2), generator=g),
    "init.normal_": lambda g: init.normal_(mg.empty(2), generator=g),
    "init.trunc_normal_": lambda g: init.trunc_normal_(mg.empty(2), generator=g),
    "init.orthogonal_": lambda g: init.orthogonal_(mg.empty(2, 2), generator=g),
    "init.sparse_": lambda g: init.sparse_(mg.empty(2, 2), 0.5, generator=g),
}


@pytest.mark.parametrize("name", sorted(CALLS_WITH))
def test_a_generator_on_another_device_is_refused(name: str, testdev: str) -> None:
    other = mg.Generator(testdev)
    with pytest.raises(RuntimeError, match=rf"{name}: expected a generator on device 'cpu' .* "
                                           rf"got one on '{testdev}'"):
        CALLS_WITH[name](other)


@pytest.mark.parametrize("name", sorted(CALLS_WITH))
def test_a_non_generator_is_refused(name: str) -> None:
    import random as py_random
    with pytest.raises(TypeError, match=rf"{name}: generator must be a minigrad.Generator, got int"):
        CALLS_WITH[name](5)
    with pytest.raises(TypeError, match=rf"{name}: generator must be a minigrad.Generator, got Random"):
        CALLS_WITH[name](py_random.Random(0))


def test_a_generator_on_a_second_device(testdev: str) -> None:
    g = mg.Generator(testdev).manual_seed(4)
    x = mg.rand(3, device=testdev, generator=g)
    assert x.device == testdev and g.device == testdev
    np.testing.assert_array_equal(
        x.numpy(), mg.rand(3, device=testdev, generator=mg.Generator(testdev).manual_seed(4)).numpy())
    y = mg.empty(3, device=testdev).normal_(generator=g)
    assert y.device == testdev
    with pytest.raises(RuntimeError, match="expected a generator on device 'testdev'"):
        mg.rand(3, device=testdev, generator=mg.Generator())


# --- the in-place fills: semantics compared with torch ---------------------------------------
def test_random_fill_ranges_by_dtype_match_torch() -> None:
    g = mg.Generator().manual_seed(0)
    tops = {mg.float32: 2 ** 24, mg.float64: 2 ** 53, mg.float16: 2 ** 11,
            mg.int64: 2 ** 63 - 1, mg.int32: 2 ** 31 - 1, mg.uint8: 255, mg.bool: 1}
    for dtype, top in tops.items():
        t = mg.empty(20000, dtype=dtype).random_(generator=g)
        assert t.dtype == dtype
        values = t.numpy().astype(np.float64) if dtype != mg.bool else t.numpy().astype(np.int64)
        assert values.min() >= 0 and values.max() <= top
        assert values.max() > top * 0.9 and np.all(values == np.floor(values))
    to = mg.empty(5000).random_(10, generator=g).numpy()
    assert set(np.unique(to).tolist()) == set(range(10))
    ft = mg.empty(5000, dtype=mg.int64).random_(-3, 4, generator=g).numpy()
    assert set(np.unique(ft).tolist()) == set(range(-3, 4))
    torch = pytest.importorskip("torch")
    tg = torch.Generator().manual_seed(0)
    torch_dtypes = {mg.float32: torch.float32, mg.float64: torch.float64, mg.float16: torch.float16,
                    mg.int64: torch.int64, mg.int32: torch.int32, mg.uint8: torch.uint8,
                    mg.bool: torch.bool}
    for dtype, top in tops.items():
        t = torch.empty(20000, dtype=torch_dtypes[dtype]).random_(generator=tg)
        assert float(t.double().max()) <= top and float(t.double().min()) >= 0
        assert float(t.double().max()) > top * 0.9
    assert set(torch.empty(5000).random_(10).unique().tolist()) == set(range(10))


def test_fill_distributions_and_float32() -> None:
    g = mg.Generator().manual_seed(1)
    n = 200_000
    u = mg.empty(n).uniform_(-2, 5, generator=g)
    assert u.dtype == mg.float32 and u.numpy().min() >= -2 and u.numpy().max() < 5
    assert abs(u.numpy().mean() - 1.5) < 0.03
    z = mg.empty(n).normal_(1.0, 2.0, generator=g).numpy()
    assert abs(z.mean() - 1.0) < 0.03 and abs(z.std() - 2.0) < 0.03
    geo = mg.empty(n).geometric_(0.25, generator=g)
    assert geo.dtype == mg.float32 and geo.numpy().min() == 1.0
    assert abs(geo.numpy().mean() - 4.0) < 0.05  # E = 1/p: trials up to the first success
    gi = mg.empty(100, dtype=mg.int64).geometric_(0.5, generator=g)
    assert gi.dtype == mg.int64 and gi.numpy().min() >= 1
    ln = mg.empty(n).log_normal_(0.5, 0.25, generator=g)
    assert ln.dtype == mg.float32 and ln.numpy().min() > 0
    assert abs(np.median(ln.numpy()) - math.exp(0.5)) < 0.01
    assert abs(np.log(ln.numpy()).std() - 0.25) < 0.005
    c = mg.empty(n).cauchy_(3.0, 0.5, generator=g).numpy()
    assert abs(np.median(c) - 3.0) < 0.01
    q1, q3 = np.quantile(c, [0.25, 0.75])
    assert abs((q3 - q1) - 1.0) < 0.02  # the interquartile range of Cauchy(m, s) is 2s
    for fill in (lambda t: t.uniform_(), lambda t: t.normal_(), lambda t: t.log_normal_(),
                 lambda t: t.cauchy_(), lambda t: t.random_(), lambda t: t.geometric_(0.5)):
        assert fill(mg.empty(3, dtype=mg.float32)).dtype == mg.float32
        assert fill(mg.empty(3, dtype=mg.float64)).dtype == mg.float64
    torch = pytest.importorskip("torch")
    tgeo = torch.empty(n).geometric_(0.25)
    assert float(tgeo.min()) == 1.0 and abs(float(tgeo.mean()) - 4.0) < 0.05
    assert abs(float(torch.empty(n).log_normal_(0.5, 0.25).median()) - math.exp(0.5)) < 0.01
    assert abs(float(torch.empty(n).cauchy_(3.0, 0.5).median()) - 3.0) < 0.01


def test_fills_write_in_place_through_views_and_respect_autograd() -> None:
    base = mg.zeros(4, 6)
    view = base[:, 1:3]
    view.uniform_(1.0, 2.0, generator=mg.Generator())
    assert (base.numpy()[:, 1:3] >= 1).all() and (base.numpy()[:, [0, 3, 4, 5]] == 0).all()
    leaf = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="cauchy_: a leaf tensor that requires grad"):
        leaf.cauchy_()
    with mg.no_grad():
        leaf.cauchy_()


FILL_ERRORS = [  # (call, exception type, message) checked against torch's where it has one
    (lambda t: t.geometric_(0), RuntimeError, r"geometric_ expects p to be in \(0, 1\), but got p=0"),
    (lambda t: t.geometric_(1.0), RuntimeError, r"geometric_ expects p to be in \(0, 1\)"),
    (lambda t: t.log_normal_(0, 0), RuntimeError, r"log_normal_ expects std > 0.0, but found std=0"),
    (lambda t: t.cauchy_(0, -1), RuntimeError, r"cauchy_ expects sigma > 0.0, but found sigma=-1"),
    (lambda t: t.normal_(0, -1), RuntimeError, r"expects std >= 0.0, but found std -1"),
    (lambda t: t.uniform_(2, 1), RuntimeError, r"uniform_ expects to return a \[from, to\) range"),
    (lambda t: t.random_(5, 2), RuntimeError, r"random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    (lambda t: t.exponential_(0), RuntimeError, r"exponential_:? expects lambda > 0.0"),
]


@pytest.mark.parametrize("case", range(len(FILL_ERRORS)))
def test_fill_errors_match_torch(case: int) -> None:
    call, exc, message = FILL_ERRORS[case]
    with pytest.raises(exc, match=message):
        call(mg.empty(3))
    torch = pytest.importorskip("torch")
    with pytest.raises(exc, match=message):
        call(torch.empty(3))


def test_fills_refuse_bad_dtypes() -> None:
    for name in ("uniform_", "normal_", "log_normal_", "cauchy_"):
        with pytest.raises(RuntimeError, match=rf"{name}: expected a floating point tensor, got int64"):
            getattr(mg.empty(3, dtype=mg.int64), name)()
    with pytest.raises(RuntimeError, match=r"random_: to - 1 \(299\) is out of bounds for uint8"):
        mg.empty(3, dtype=mg.uint8).random_(0, 300)
    with pytest.raises(RuntimeError, match=r"random_: from \(-1\) is out of bounds for uint8"):
        mg.empty(3, dtype=mg.uint8).random_(-1, 3)
    torch = pytest.importorskip("torch")
    for name in ("uniform_", "normal_", "log_normal_", "cauchy_"):
        with pytest.raises(RuntimeError):  # NotImplementedError is a RuntimeError
            getattr(torch.empty(3, dtype=torch.int64), name)()
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.empty(3, dtype=torch.uint8).random_(0, 300)


def test_sparse_zeroes_a_fraction_of_every_column() -> None:
    w = init.sparse_(mg.empty(10, 6), 0.3, std=0.5, generator=mg.Generator().manual_seed(0))
    zeros = (w.numpy() == 0).sum(axis=0)
    np.testing.assert_array_equal(zeros, np.full(6, 3))  # ceil(0.3 * 10) per column
    assert abs(w.numpy()[w.numpy() != 0].std() - 0.5) < 0.25
    with pytest.raises(ValueError, match=r"init.sparse_: only tensors with 2 dimensions are supported, got shape \(3,\)"):
        init.sparse_(mg.empty(3), 0.1)
    with pytest.raises(ValueError, match="init.sparse_: sparsity must be in"):
        init.sparse_(mg.empty(3, 3), 1.5)
    torch = pytest.importorskip("torch")
    tw = torch.nn.init.sparse_(torch.empty(10, 6), 0.3, std=0.5)
    np.testing.assert_array_equal((tw == 0).sum(0).numpy(), zeros)
    with pytest.raises(ValueError):
        torch.nn.init.sparse_(torch.empty(3), 0.1)


def test_generator_keyword_in_torch_signatures() -> None:
    """Every function given generator= here takes it in torch 2.x too."""
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(0)
    torch.rand(2, generator=g), torch.randn(2, generator=g), torch.randint(3, (2,), generator=g)
    torch.randperm(3, generator=g), torch.rand_like(torch.zeros(2), generator=g)
    torch.normal(0.0, 1.0, (2,), generator=g), torch.bernoulli(torch.ones(2) / 2, generator=g)
    torch.multinomial(torch.ones(3), 2, generator=g), torch.poisson(torch.ones(2), generator=g)
    t = torch.empty(3)
    for fill in (t.uniform_, t.normal_, t.random_, t.exponential_, t.bernoulli_, t.log_normal_,
                 t.cauchy_):
        fill(generator=g)
    t.geometric_(0.5, generator=g)
    for name in ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_",
                 "kaiming_uniform_", "kaiming_normal_", "orthogonal_"):
        getattr(torch.nn.init, name)(torch.empty(3, 4), generator=g)
        getattr(init, name)(mg.empty(3, 4), generator=mg.Generator())

"""mg.Generator in the data pipeline: RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
random_split and DataLoader(generator=) replay from a seed, advance the generator (as torch's do),
never touch the global stream, and refuse a generator that is not on the cpu."""
from __future__ import annotations

import numpy
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend as backend_module
from minigrad.backend import Backend
from minigrad.data import (DataLoader, RandomSampler, SubsetRandomSampler, TensorDataset,
                           WeightedRandomSampler, random_split)


def _ds(n: int = 12) -> TensorDataset:
    return TensorDataset(mg.arange(n))


ORDERS = {  # name -> call(generator) -> one epoch's order, as a list
    "RandomSampler": lambda g: list(RandomSampler(range(12), generator=g)),
    "RandomSampler(replacement)": lambda g: list(RandomSampler(range(12), True, 30, generator=g)),
    "RandomSampler(num_samples)": lambda g: list(RandomSampler(range(5), num_samples=12, generator=g)),
    "SubsetRandomSampler": lambda g: list(SubsetRandomSampler([2, 4, 6, 8, 10, 11], generator=g)),
    "WeightedRandomSampler": lambda g: list(WeightedRandomSampler([1, 2, 3, 4, 0.5], 20, generator=g)),
    "WeightedRandomSampler(no replacement)":
        lambda g: list(WeightedRandomSampler([1, 2, 3, 4, 0.5], 4, False, generator=g)),
    "random_split": lambda g: [s.indices.tolist() for s in random_split(_ds(), [5, 7], generator=g)],
    "random_split(fractions)":
        lambda g: [s.indices.tolist() for s in random_split(_ds(), [0.5, 0.25, 0.25], generator=g)],
    "DataLoader(shuffle)":
        lambda g: [b[0].tolist() for b in DataLoader(_ds(), batch_size=5, shuffle=True, generator=g)],
    "DataLoader(workers)": lambda g: [b[0].tolist() for b in DataLoader(
        _ds(), batch_size=5, shuffle=True, generator=g, num_workers=2)],
}


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_same_seed_same_order_global_stream_untouched(name: str) -> None:
    epoch = ORDERS[name]
    mg.manual_seed(0)
    before = mg.get_rng_state()
    a = epoch(mg.Generator().manual_seed(3))
    b = epoch(mg.Generator().manual_seed(3))
    assert a == b
    np.testing.assert_array_equal(mg.get_rng_state().numpy(), before.numpy())
    assert any(epoch(mg.Generator().manual_seed(s)) != a for s in (4, 5, 6))
    # a valid draw: every order is made of the dataset's indices
    flat = np.concatenate([np.ravel(part) for part in a]) if isinstance(a[0], list) else np.array(a)
    assert flat.min() >= 0 and flat.max() < 12


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_draws_advance_the_generator_and_its_state_replays_them(name: str) -> None:
    epoch = ORDERS[name]
    g = mg.Generator().manual_seed(1)
    state = g.get_state()
    first = epoch(g)
    assert not np.array_equal(g.get_state().numpy(), state.numpy())
    g.set_state(state)
    assert epoch(g) == first


def test_samplers_see_a_later_reseed() -> None:
    """Like torch's, a sampler keeps the Generator object: reseeding it replays the epochs."""
    g = mg.Generator().manual_seed(9)
    sampler = RandomSampler(range(20), generator=g)
    loader = DataLoader(_ds(), batch_size=4, shuffle=True, generator=g)
    e1, e2 = list(sampler), list(sampler)
    assert e1 != e2  # epochs differ
    l1 = [b[0].tolist() for b in loader]
    g.manual_seed(9)
    assert list(sampler) == e1 and list(sampler) == e2
    assert [b[0].tolist() for b in loader] == l1


def test_ints_and_numpy_generators_still_work() -> None:
    assert list(RandomSampler(range(6), generator=4)) == list(RandomSampler(range(6), generator=4))
    rng_a, rng_b = np.random.default_rng(2), np.random.default_rng(2)
    assert [s.indices.tolist() for s in random_split(_ds(), [6, 6], generator=rng_a)] == \
        [s.indices.tolist() for s in random_split(_ds(), [6, 6], generator=rng_b)]


@pytest.fixture
def other_device():
    backend_module.register_backend("testdev2", lambda: Backend("testdev2", numpy))
    yield "testdev2"
    backend_module._FACTORIES.pop("testdev2", None)
    backend_module._BACKENDS.pop("testdev2", None)


def test_a_generator_off_the_cpu_is_refused(other_device: str) -> None:
    g = mg.Generator(other_device)
    for who, call in (("RandomSampler", lambda: RandomSampler(range(3), generator=g)),
                      ("SubsetRandomSampler", lambda: SubsetRandomSampler([0, 1], generator=g)),
                      ("WeightedRandomSampler", lambda: WeightedRandomSampler([1.0, 2.0], 2, generator=g)),
                      ("random_split", lambda: random_split(_ds(), [6, 6], generator=g))):
        with pytest.raises(TypeError, match=rf"{who}: generator must be a 'cpu' minigrad.Generator .* "
                                            rf"got one on '{other_device}'"):
            call()
    with pytest.raises(TypeError, match="generator must be a 'cpu' minigrad.Generator"):
        DataLoader(_ds(), shuffle=True, generator=g)
    with pytest.raises(TypeError, match="random_split: generator must be a numpy.random.Generator or an "
                                        "int seed \\(or a cpu minigrad.Generator\\), got str"):
        random_split(_ds(), [6, 6], generator="seed")


def test_torch_samplers_take_a_generator_and_advance_it() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import RandomSampler as TorchRandomSampler
    g = torch.Generator().manual_seed(1)
    state = g.get_state()
    first = list(TorchRandomSampler(range(12), generator=g))
    assert not torch.equal(g.get_state(), state)
    g.set_state(state)
    assert list(TorchRandomSampler(range(12), generator=g)) == first
    mine = list(RandomSampler(range(12), generator=mg.Generator().manual_seed(1)))
    assert sorted(mine) == sorted(first) == list(range(12))

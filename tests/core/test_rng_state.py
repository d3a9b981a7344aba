"""The global random state: mg.manual_seed / seed / initial_seed / get_rng_state / set_rng_state,
the mg.random namespace and fork_rng, default_generator, and mg.cuda's seeding functions (with
and without a cuda device; a NumPy-backed stand-in plays the GPU here)."""
from __future__ import annotations

import numpy
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend as backend_module
from minigrad.backend import Backend


@pytest.fixture(autouse=True)
def _on_the_cpu():
    """These tests are about the host (CPU) side whatever device the suite runs on."""
    mg.set_default_device("cpu")


def test_get_set_rng_state_round_trip_mid_stream() -> None:
    mg.manual_seed(3)
    mg.rand(5)
    state = mg.get_rng_state()
    assert state.dtype == mg.uint8 and state.ndim == 1 and state.device == "cpu"
    a = mg.randn(4).numpy()
    b = mg.randperm(10).numpy()
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.randn(4).numpy(), a)
    np.testing.assert_array_equal(mg.randperm(10).numpy(), b)
    # the state carries the initial seed, restored as torch restores it
    mg.manual_seed(99)
    mg.set_rng_state(state)
    assert mg.initial_seed() == 3
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    s = torch.get_rng_state()
    torch.manual_seed(99)
    torch.set_rng_state(s)
    assert torch.initial_seed() == 3 and s.dtype == torch.uint8 and s.dim() == 1


def test_set_rng_state_refuses_bad_states() -> None:
    good = mg.get_rng_state()
    with pytest.raises(TypeError, match="set_rng_state: the RNG state must be a 1-D uint8 Tensor"):
        mg.set_rng_state(good.long())
    with pytest.raises(RuntimeError, match="set_rng_state: 5 bytes that are not a minigrad RNG state"):
        mg.set_rng_state(mg.zeros(5, dtype=mg.uint8))
    np.testing.assert_array_equal(mg.get_rng_state().numpy(), good.numpy())


def test_manual_seed_seed_and_initial_seed() -> None:
    assert mg.manual_seed(1234) is mg.default_generator
    assert mg.initial_seed() == 1234 and mg.default_generator.initial_seed() == 1234
    a = mg.rand(3).numpy()
    mg.manual_seed(1234)
    np.testing.assert_array_equal(mg.rand(3).numpy(), a)
    s1 = mg.seed()
    assert isinstance(s1, int) and 0 <= s1 < 2 ** 64 and mg.initial_seed() == s1
    x = mg.rand(3).numpy()
    s2 = mg.seed()
    assert s2 != s1
    mg.manual_seed(s1)
    np.testing.assert_array_equal(mg.rand(3).numpy(), x)  # the returned seed replays the run
    mg.manual_seed(-5)
    assert mg.initial_seed() == 2 ** 64 - 5
    torch = pytest.importorskip("torch")
    assert isinstance(torch.manual_seed(0), torch.Generator)
    assert torch.seed() == torch.initial_seed()


def test_random_namespace_mirrors_torch_random() -> None:
    for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
                 "fork_rng", "Generator", "default_generator"):
        assert hasattr(mg.random, name), name
    assert mg.random.manual_seed is mg.manual_seed and mg.random.seed is mg.seed
    assert mg.random.Generator is mg.Generator
    torch = pytest.importorskip("torch")
    for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng"):
        assert hasattr(torch.random, name)


def test_default_generator_is_the_global_stream() -> None:
    mg.manual_seed(8)
    a = mg.rand(4, generator=mg.default_generator).numpy()
    b = mg.rand(4).numpy()
    mg.manual_seed(8)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a)
    np.testing.assert_array_equal(mg.rand(4, generator=mg.default_generator).numpy(), b)
    assert mg.default_generator.manual_seed(21) is mg.default_generator
    assert mg.initial_seed() == 21
    c = mg.rand(2).numpy()
    mg.manual_seed(21)
    np.testing.assert_array_equal(mg.rand(2).numpy(), c)
    state = mg.default_generator.get_state()
    np.testing.assert_array_equal(state.numpy(), mg.get_rng_state().numpy())
    d = mg.rand(2).numpy()
    mg.default_generator.set_state(state)
    np.testing.assert_array_equal(mg.rand(2).numpy(), d)


def test_fork_rng_restores_the_state() -> None:
    mg.manual_seed(5)
    expected = mg.rand(4).numpy()
    mg.manual_seed(5)
    with mg.random.fork_rng():
        inside = mg.rand(4).numpy()
        mg.manual_seed(77)
        mg.randn(100)
    np.testing.assert_array_equal(inside, expected)
    np.testing.assert_array_equal(mg.rand(4).numpy(), expected)
    assert mg.initial_seed() == 5
    # restored on an exception too
    mg.manual_seed(5)
    with pytest.raises(KeyError):
        with mg.random.fork_rng(devices=[]):
            mg.rand(10)
            raise KeyError("boom")
    np.testing.assert_array_equal(mg.rand(4).numpy(), expected)
    # enabled=False: the block's draws count
    mg.manual_seed(5)
    with mg.random.fork_rng(enabled=False):
        mg.rand(4)
    assert not np.array_equal(mg.rand(4).numpy(), expected)
    torch = pytest.importorskip("torch")
    torch.manual_seed(5)
    t = torch.rand(4)
    torch.manual_seed(5)
    with torch.random.fork_rng(devices=[]):
        torch.rand(10)
    assert torch.equal(torch.rand(4), t)


def test_fork_rng_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="fork_rng: unknown device 'tpu'"):
        with mg.random.fork_rng(devices=["tpu"]):
            pass
    with pytest.raises(ValueError, match="fork_rng: device_type must be 'cuda'"):
        with mg.random.fork_rng(device_type="xla"):
            pass


@pytest.fixture
def no_cuda():
    if mg.cuda.is_available():
        pytest.skip("a real cuda device is present")
    yield


def test_cuda_seeding_without_a_gpu(no_cuda) -> None:
    mg.manual_seed(2)
    a = mg.rand(3).numpy()
    mg.manual_seed(2)
    mg.cuda.manual_seed(7)  # silently ignored, as torch's
    mg.cuda.manual_seed_all(7)
    mg.cuda.seed()
    mg.cuda.seed_all()
    np.testing.assert_array_equal(mg.rand(3).numpy(), a)  # the cpu stream is not touched
    with pytest.raises(RuntimeError, match="cuda.manual_seed expected an int seed"):
        mg.cuda.manual_seed(0.5)
    for call, name in ((mg.cuda.get_rng_state, "get_rng_state"), (mg.cuda.initial_seed, "initial_seed"),
                       (lambda: mg.cuda.set_rng_state(mg.get_rng_state()), "set_rng_state")):
        with pytest.raises(RuntimeError, match=f"cuda.{name}: CUDA is not available here"):
            call()
    with pytest.raises(RuntimeError, match="fork_rng: devices were given but CUDA is not available"):
        with mg.random.fork_rng(devices=[0]):
            pass
    with pytest.raises(RuntimeError, match="Generator\\(device='cuda'\\): device 'cuda' is not available"):
        mg.Generator("cuda")
    with mg.random.fork_rng():  # no cuda: only the cpu stream is forked
        mg.rand(2)
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        torch.cuda.manual_seed(7)  # torch ignores it too
        torch.cuda.manual_seed_all(7)


@pytest.fixture
def fake_cuda():
    """A NumPy-backed backend registered as 'cuda', so the cuda paths run on a CPU."""
    if mg.cuda.is_available():
        pytest.skip("a real cuda device is present")
    saved = backend_module._FACTORIES["cuda"]
    backend_module.register_backend("cuda", lambda: Backend("cuda", numpy))
    yield "cuda"
    backend_module.register_backend("cuda", saved)


def test_cuda_state_with_a_device(fake_cuda) -> None:
    mg.cuda.manual_seed(7)
    assert mg.cuda.initial_seed() == 7
    a = mg.rand(3, device="cuda").numpy()
    mg.cuda.manual_seed_all(7)
    np.testing.assert_array_equal(mg.rand(3, device="cuda").numpy(), a)
    state = mg.cuda.get_rng_state()
    assert state.dtype == mg.uint8 and state.device == "cpu"
    b = mg.randn(5, device="cuda").numpy()
    mg.cuda.set_rng_state(state, device="cuda:0")
    np.testing.assert_array_equal(mg.randn(5, device="cuda").numpy(), b)
    now = mg.cuda.get_rng_state()
    mg.cuda.set_rng_state_all(mg.cuda.get_rng_state_all())
    np.testing.assert_array_equal(mg.cuda.get_rng_state().numpy(), now.numpy())
    with pytest.raises(ValueError, match="cuda.set_rng_state_all: minigrad has one cuda device, got 2"):
        mg.cuda.set_rng_state_all([now, now])
    with pytest.raises(ValueError, match="cuda.get_rng_state: minigrad has one cuda device"):
        mg.cuda.get_rng_state(1)
    # the cuda stream is separate from the cpu one, and mg.manual_seed reseeds both
    mg.manual_seed(3)
    cpu_first = mg.rand(2).numpy()
    mg.manual_seed(3)
    mg.rand(4, device="cuda")
    np.testing.assert_array_equal(mg.rand(2).numpy(), cpu_first)
    assert mg.cuda.initial_seed() == 3
    # fork_rng forks the cuda stream as well
    mg.manual_seed(3)
    expected = mg.rand(3, device="cuda").numpy()
    mg.manual_seed(3)
    with mg.random.fork_rng():
        mg.rand(50, device="cuda")
    np.testing.assert_array_equal(mg.rand(3, device="cuda").numpy(), expected)
    mg.manual_seed(3)
    with mg.random.fork_rng(devices=["cuda"]):
        mg.rand(50, device="cuda")
    np.testing.assert_array_equal(mg.rand(3, device="cuda").numpy(), expected)
    # a cuda generator, and its refusal on cpu tensors
    g = mg.Generator("cuda").manual_seed(1)
    assert g.device == "cuda" and mg.rand(2, device="cuda", generator=g).device == "cuda"
    with pytest.raises(RuntimeError, match="rand: expected a generator on device 'cpu' .* 'cuda'"):
        mg.rand(2, generator=g)

"""More PyTorch names minigrad lacked before session 12 (AttributeError): empty_strided,
empty_permuted, Tensor.new_empty_strided, as_strided_scatter, the torch-namespace forms of
celu / cosine_similarity / pairwise_distance, mg.vmap and mg.typename; checked against torch."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import minigrad as mg
from devices import second_device


def _torch():
    return pytest.importorskip("torch")


# --- empty_strided / empty_permuted / new_empty_strided ------------------------------------------
@pytest.mark.parametrize("size, stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((2, 3), (0, 1)),
                                          ((2, 3), (10, 2)), ((), ()), ((4,), (3,)),
                                          ((2, 1, 3), (3, 9, 1))])
@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
def test_empty_strided_has_torchs_shape_strides_and_dtype(size, stride, dtype):
    torch = _torch()
    theirs = torch.empty_strided(size, stride, dtype=getattr(torch, dtype))
    ours = mg.empty_strided(size, stride, dtype=dtype)
    assert ours.shape == tuple(theirs.shape) and ours.stride() == theirs.stride()
    assert ours.dtype == np.dtype(dtype)
    assert ours.tolist() == np.zeros(size).tolist()  # torch: uninitialized; minigrad: zeros


def test_empty_strided_memory_is_the_layout_asked_for():
    t = mg.empty_strided((2, 3), (1, 2))  # column-major
    with mg.no_grad():
        t.copy_(mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert t.t().is_contiguous() and not t.is_contiguous()
    assert t.t().reshape(-1).tolist() == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    shared = mg.empty_strided((2, 2), (0, 1))  # rows share their memory, as in torch
    shared[0, 1] = 7.0
    assert shared.tolist() == [[0.0, 7.0], [0.0, 7.0]]
    grad = mg.empty_strided((2,), (1,), requires_grad=True)
    assert grad.requires_grad and grad.is_leaf
    assert mg.empty_strided([0, 3], [3, 1]).shape == (0, 3)


def test_empty_strided_and_empty_permuted_on_another_device():
    device = second_device()  # 'strict' (arrays that refuse host arrays), or cpu under it
    t = mg.empty_strided((2, 3), (1, 2), device=device)
    t[1, 2] = 4.0  # writeable, on the device
    assert t.device == device and t.stride() == (1, 2)
    assert t.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 4.0]]
    p = mg.empty_permuted((2, 3), (1, 0), device=device)
    assert p.device == device and p.stride() == (1, 2) and p.tolist() == [[0.0] * 3] * 2


def test_empty_strided_errors():
    torch = _torch()
    for lib, match in ((torch, "dimensionality of sizes"), (mg, r"empty_strided: dimensionality "
                                                                 r"of sizes \(2\) must match")):
        with pytest.raises(RuntimeError, match=match):
            lib.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError):
        torch.empty_strided((2, 3), (-1, 1))
    with pytest.raises(RuntimeError, match=r"empty_strided: strides must be non-negative ints, "
                                           r"got \(-1, 1\)"):
        mg.empty_strided((2, 3), (-1, 1))
    with pytest.raises(RuntimeError, match="strides must be non-negative ints"):
        mg.empty_strided((2, 3), (1, 2.5))
    with pytest.raises(ValueError, match="empty_strided: negative dimension -3"):
        mg.empty_strided((2, -3), (1, 1))


@pytest.mark.parametrize("size, layout", [((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (0, 1, 2)),
                                          ((2, 3, 4, 5), (0, 2, 3, 1)), ((3,), (0,)), ((), ())])
def test_empty_permuted_matches_torch(size, layout):
    torch = _torch()
    theirs = torch.empty_permuted(size, layout)
    ours = mg.empty_permuted(size, layout, dtype=mg.float64)
    assert ours.shape == tuple(theirs.shape) and ours.stride() == theirs.stride()
    assert ours.dtype == mg.float64 and not ours.numpy().any()
    assert ours.permute(*layout).is_contiguous()  # the physical order, outermost first


@pytest.mark.parametrize("layout", [(0, 1), (0, 1, 1), (0, 1, 3), (0, 1, -1)])
def test_empty_permuted_errors_where_torch_errs(layout):
    torch = _torch()
    with pytest.raises(RuntimeError):
        torch.empty_permuted((2, 3, 4), layout)
    with pytest.raises(RuntimeError, match="empty_permuted: "):
        mg.empty_permuted((2, 3, 4), layout)


def test_new_empty_strided_takes_the_tensors_dtype_and_device(testdev):
    torch = _torch()
    theirs = torch.ones(2, dtype=torch.float64).new_empty_strided((2, 2), (1, 2))
    ours = mg.ones(2, dtype=mg.float64).new_empty_strided((2, 2), (1, 2))
    assert ours.dtype == mg.float64 and ours.stride() == theirs.stride()
    assert mg.ones(2).new_empty_strided((3,), (1,), dtype=mg.int64).dtype == mg.int64
    on_testdev = mg.ones(2, device=testdev).new_empty_strided((2,), (1,))
    assert on_testdev.device == testdev


# --- as_strided_scatter --------------------------------------------------------------------------
SCATTERS = [((2, 2), (1, 2), None), ((2, 2), (4, 1), 1), ((3,), (4,), 0), ((2, 3), (4, 1), 5),
            ((0,), (1,), 0), ((), (), 7), ((12,), (1,), None)]


@pytest.mark.parametrize("size, stride, offset", SCATTERS)
def test_as_strided_scatter_matches_torch(size, stride, offset):
    torch = _torch()
    base = np.arange(12.0).reshape(3, 4)
    src = -np.arange(1.0, 1.0 + int(np.prod(size))).reshape(size)
    theirs = torch.as_strided_scatter(torch.tensor(base), torch.tensor(src), size, stride, offset)
    ours = mg.as_strided_scatter(mg.tensor(base), mg.tensor(src), size, stride, offset)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    method = mg.tensor(base).as_strided_scatter(mg.tensor(src), size, stride, offset)
    np.testing.assert_array_equal(method.numpy(), theirs.numpy())


@pytest.mark.parametrize("size, stride, offset", [s for s in SCATTERS if np.prod(s[0]) > 0])
def test_as_strided_scatter_gradients_match_torch_and_gradcheck(size, stride, offset):
    torch = _torch()
    rng = np.random.default_rng(1)
    base, src = rng.standard_normal((3, 4)), rng.standard_normal(size)
    weight = rng.standard_normal((3, 4))
    grads = []
    for lib in (torch, mg):
        b = lib.tensor(base, requires_grad=True)
        s = lib.tensor(src, requires_grad=True)
        (lib.as_strided_scatter(b, s, size, stride, offset) * lib.tensor(weight)).sum().backward()
        grads.append((b.grad.numpy(), s.grad.numpy()))
    (_, theirs_src), (ours_base, ours_src) = grads
    np.testing.assert_allclose(ours_src, theirs_src, rtol=0, atol=1e-12)
    # torch's gradient for the base is wrong (it keeps the window and zeroes the rest; its own
    # gradcheck fails, pytorch/pytorch#88105): the base gets the gradient outside the window
    window = np.zeros(12, dtype=bool)
    window[np.asarray(mg.as_strided(mg.arange(12), size, stride, offset).numpy())] = True
    np.testing.assert_array_equal(ours_base, np.where(window.reshape(3, 4), 0.0, weight))
    assert mg.gradcheck(lambda b, s: mg.as_strided_scatter(b, s, size, stride, offset),
                        (mg.tensor(base, requires_grad=True), mg.tensor(src, requires_grad=True)))


def test_as_strided_scatter_errors():
    torch = _torch()
    base = np.zeros((3, 4))
    for lib in (torch, mg):  # one place written twice (stride 0): refused by both
        with pytest.raises(RuntimeError, match="more than one element"):
            lib.as_strided_scatter(lib.tensor(base), lib.ones(2, 2, dtype=lib.float64),
                                   (2, 2), (0, 1), 3)
    with pytest.raises(RuntimeError, match="as_strided_scatter: expected src to have a size "
                                           r"equal to the slice of self. src size = \(3,\)"):
        mg.as_strided_scatter(mg.tensor(base), mg.ones(3, dtype=mg.float64), (2,), (1,))
    with pytest.raises(RuntimeError, match="as_strided_scatter: size \\(4,\\), stride \\(4,\\) "
                                           "and storage offset 0 need a storage of 13"):
        mg.as_strided_scatter(mg.tensor(base), mg.ones(4, dtype=mg.float64), (4,), (4,))


# --- torch-namespace forms of functional ops, vmap, typename ----------------------------
def test_celu_cosine_similarity_pairwise_distance_match_torch():
    torch = _torch()
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    calls = [("cosine_similarity", (a, b), {"dim": 1}),
             ("cosine_similarity", (a, b), {"dim": 0, "eps": 1e-6}),
             ("pairwise_distance", (a, b), {"p": 1.0}),
             ("pairwise_distance", (a, b), {"keepdim": True})]
    for name, arrays, kwargs in calls:
        results = []
        for lib in (torch, mg):
            inputs = [lib.tensor(x, requires_grad=True) for x in arrays]
            out = getattr(lib, name)(*inputs, **kwargs)
            (out * lib.tensor(np.arange(out.numel(), dtype=float).reshape(tuple(out.shape))))\
                .sum().backward()
            results.append([out.detach().numpy()] + [x.grad.numpy() for x in inputs])
        for theirs, ours in zip(*results):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # celu: torch's float64 gradient is off from the closed form by ~1e-8 (relative) here,
    # so the gradient is checked against the closed form exp(x / alpha) for x < 0 instead
    x = mg.tensor(a, requires_grad=True)
    out = mg.celu(x, alpha=0.7)
    np.testing.assert_allclose(out.detach().numpy(), torch.celu(torch.tensor(a), alpha=0.7).numpy(),
                               rtol=1e-15, atol=0)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(a > 0, 1.0, np.exp(a / 0.7)), rtol=1e-15)
    import minigrad.nn.functional as F
    assert mg.celu is F.celu and mg.cosine_similarity is F.cosine_similarity
    assert mg.pairwise_distance is F.pairwise_distance


def test_vmap_is_func_vmap():
    assert mg.vmap is mg.func.vmap
    out = mg.vmap(lambda row: row.sum())(mg.arange(6.0).reshape(2, 3))
    assert out.tolist() == [3.0, 12.0]


def test_typename_matches_torch():
    torch = _torch()
    pairs = [(3, 3), (int, int), (np.ones(1), np.ones(1)), (np.float32(1), np.float32(1)),
             (collections.OrderedDict(), collections.OrderedDict()), ("a", "a"), (None, None),
             (len, len), (torch.ones(1, dtype=torch.int64), mg.ones(1, dtype=mg.int64)),
             (torch.ones(1), mg.ones(1)),
             (torch.ones(1, dtype=torch.bool), mg.ones(1, dtype=mg.bool))]
    for theirs, ours in pairs:
        assert mg.typename(ours) == torch.typename(theirs).replace("torch.", "minigrad.")
    assert mg.typename(mg.nn.Linear(1, 1)) == "minigrad.nn.linear.Linear"

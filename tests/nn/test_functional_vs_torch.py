"""Differential checks of less-tested nn.functional / nn.utils corners against
PyTorch (or values worked out by hand): each test here failed before the fix it names."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


# --- hardshrink on a 0-d tensor (was: NumPy "return arrays must be of ArrayType") ----------
@pytest.mark.parametrize("value,expected", [(0.7, 0.7), (-0.7, -0.7), (0.2, 0.0), (0.5, 0.0)])
def test_hardshrink_0d(value, expected) -> None:
    x = mg.tensor(value, dtype=mg.float64, requires_grad=True)
    y = F.hardshrink(x)
    assert y.shape == () and y.item() == expected
    y.backward()
    assert x.grad.item() == (1.0 if expected else 0.0)
    assert nn.Hardshrink()(mg.tensor(value)).item() == pytest.approx(expected)


# --- F.pad of a 0-d tensor with an empty pad (was: NumPy "`pad_width` must be of integral
# type"); PyTorch returns a copy ----------------------------------------------------------
def test_pad_0d_empty_pad_is_a_copy() -> None:
    x = mg.tensor(1.5, requires_grad=True)
    y = F.pad(x, ())
    assert y.shape == () and y.item() == 1.5
    y.backward(mg.tensor(2.0))
    assert x.grad.item() == 2.0


# --- containers -----------------------------------------------------------------------
def _names(container) -> list:
    return [type(m).__name__ for m in container]


def test_sequential_insert_negative_index_goes_before_that_module() -> None:
    # was: insert(-1, m) appended at the end; PyTorch (and list.insert) put it before the last
    s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Linear(2, 2))
    s.insert(-1, nn.Sigmoid())
    assert _names(s) == ["ReLU", "Tanh", "Sigmoid", "Linear"]
    assert list(s._modules) == ["0", "1", "2", "3"]
    s.insert(-4, nn.ELU())
    assert _names(s) == ["ELU", "ReLU", "Tanh", "Sigmoid", "Linear"]
    with pytest.raises(IndexError):
        s.insert(-7, nn.ELU())


def test_sequential_pop_add_mul_as_pytorch() -> None:
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    last = s[-1]
    assert s.pop(-1) is last and _names(s) == ["Linear", "ReLU"]
    assert list(s._modules) == ["0", "1"]
    popped = s.pop(slice(0, 1))
    assert isinstance(popped, nn.Sequential) and _names(popped) == ["Linear"] and len(s) == 1
    a, b = nn.Sequential(nn.ReLU()), nn.Sequential(nn.Tanh(), nn.Sigmoid())
    c = a + b
    assert _names(c) == ["ReLU", "Tanh", "Sigmoid"] and list(c._modules) == ["0", "1", "2"]
    assert c[1] is b[0] and len(a) == 1
    a += b
    assert _names(a) == ["ReLU", "Tanh", "Sigmoid"]
    lin = nn.Linear(2, 2)
    d = nn.Sequential(lin, nn.ReLU()) * 2
    assert _names(d) == ["Linear", "ReLU", "Linear", "ReLU"] and d[0] is d[2] is lin
    assert len(list(d.parameters())) == 2  # one shared Linear
    assert _names(3 * nn.Sequential(nn.ReLU())) == ["ReLU"] * 3
    e = nn.Sequential(nn.ReLU(), nn.Tanh())
    e *= 2
    assert _names(e) == ["ReLU", "Tanh", "ReLU", "Tanh"] and list(e._modules) == ["0", "1", "2", "3"]
    with pytest.raises(ValueError, match="Sequential"):
        nn.Sequential(nn.ReLU()) * 0
    with pytest.raises(TypeError, match="Sequential"):
        nn.Sequential(nn.ReLU()) * 1.5
    with pytest.raises(ValueError, match="Sequential"):
        nn.Sequential(nn.ReLU()) + nn.ModuleList([nn.ReLU()])
    x = mg.tensor(np.array([[1.0, -2.0]]))
    y = (nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh()))(x)
    np.testing.assert_allclose(y.numpy(), [[np.tanh(1.0), 0.0]])


def test_module_list_pop_and_add() -> None:
    m = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    first = m[0]
    assert m.pop(0) is first and _names(m) == ["Tanh", "Sigmoid"]
    assert list(m._modules) == ["0", "1"]
    both = m + [nn.ELU()]
    assert isinstance(both, nn.ModuleList) and _names(both) == ["Tanh", "Sigmoid", "ELU"]
    assert len(m) == 2 and both[0] is m[0]


def test_parameter_dict_fromkeys_and_union() -> None:
    a = nn.ParameterDict({"w": mg.ones(2), "b": mg.zeros(3)})
    b = nn.ParameterDict({"b": mg.ones(1), "z": mg.ones(4)})
    merged = a | b
    assert list(merged) == ["w", "b", "z"] and merged["b"].shape == (1,)
    assert list(a) == ["w", "b"] and a["b"].shape == (3,)
    right = a.__ror__(b)  # b | a through the reflected operator
    assert list(right) == ["b", "z", "w"] and right["b"].shape == (3,)
    a |= {"q": mg.ones(5)}
    assert list(a) == ["w", "b", "q"] and isinstance(a["q"], nn.Parameter)
    fk = a.fromkeys(["x", "y"], mg.ones(2))
    assert isinstance(fk, nn.ParameterDict) and list(fk) == ["x", "y"]
    assert [n for n, _ in fk.named_parameters()] == ["x", "y"]


# --- module hooks -----------------------------------------------------------------------
def test_always_call_forward_hook_runs_when_a_pre_hook_or_forward_hook_raises() -> None:
    # was: only an error inside forward() ran the always_call hooks
    log = []
    m = nn.ReLU()
    m.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: log.append("normal"))
    pre = m.register_forward_pre_hook(lambda mod, args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        m(mg.ones(2))
    assert log == [("always", None)]
    pre.remove()
    log.clear()

    def bad(mod, args, out):
        raise ValueError("late")

    m.register_forward_hook(bad)
    with pytest.raises(ValueError, match="late"):
        m(mg.ones(2))
    assert [entry if isinstance(entry, str) else entry[0] for entry in log] == ["always", "normal"]
    # the always_call hook already ran before the later hook raised: not run a second time


def test_full_backward_hook_grad_output_is_none_for_an_unused_output() -> None:
    # was: zeros; PyTorch passes None for an output that received no gradient
    class Two(nn.Module):
        def forward(self, a, b):
            return a * b, a + b

    seen = []
    m = Two()
    m.register_full_backward_hook(lambda mod, gin, gout: seen.append((gin, gout)))
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    out, _ = m(a, b)
    out.sum().backward()
    (gin, gout), = seen
    assert gout[1] is None and gout[0].tolist() == [1.0, 1.0]
    assert gin[0].tolist() == [3.0, 4.0] and gin[1].tolist() == [1.0, 2.0]
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


def test_global_module_hooks_run_for_every_module_before_its_own() -> None:
    # new: PyTorch's torch.nn.modules.module.register_module_*_hook (were missing)
    from minigrad.nn import module as module_mod

    log = []
    handles = [
        module_mod.register_module_forward_pre_hook(
            lambda m, args: log.append(("pre", type(m).__name__))),
        module_mod.register_module_forward_hook(
            lambda m, args, kwargs, out: log.append(("fwd", type(m).__name__, sorted(kwargs))),
            with_kwargs=True),
        module_mod.register_module_forward_hook(
            lambda m, args, out: log.append(("always", type(m).__name__, out is None)),
            always_call=True),
        module_mod.register_module_full_backward_pre_hook(
            lambda m, gout: (log.append(("bpre", type(m).__name__)), (gout[0] * 2,))[1]),
        module_mod.register_module_full_backward_hook(
            lambda m, gin, gout: log.append(("bwd", type(m).__name__, gin[0].tolist()))),
    ]
    try:
        seq = nn.Sequential(nn.Tanh(), nn.ReLU())
        seq[1].register_forward_pre_hook(lambda m, args: log.append(("own pre",)))
        x = mg.tensor([0.5, -1.0], dtype=mg.float64, requires_grad=True)
        seq(x).sum().backward()

        class Boom(nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        with pytest.raises(ValueError):
            Boom()(x)
    finally:
        for h in handles:
            h.remove()
    t = np.tanh(0.5)
    # dL/dy = 1, doubled by the global pre-hook at Sequential and at ReLU (4), then at Tanh (8)
    assert log[:9] == [("pre", "Sequential"), ("pre", "Tanh"), ("fwd", "Tanh", []),
                       ("always", "Tanh", False), ("pre", "ReLU"), ("own pre",),
                       ("fwd", "ReLU", []), ("always", "ReLU", False), ("fwd", "Sequential", [])]
    assert log[9:12] == [("always", "Sequential", False), ("bpre", "Sequential"), ("bpre", "ReLU")]
    assert log[12] == ("bwd", "ReLU", [4.0, 0.0])
    assert log[13] == ("bpre", "Tanh")
    assert log[14][:2] == ("bwd", "Tanh") and log[14][2] == pytest.approx([8 * (1 - t * t), 0.0])
    assert log[15][:2] == ("bwd", "Sequential")
    assert log[16:] == [("pre", "Boom"), ("always", "Boom", True)]
    np.testing.assert_allclose(x.grad.numpy(), [8 * (1 - t * t), 0.0])
    log.clear()
    seq(x)  # removed: nothing global runs any more
    assert log == [("own pre",)]


# --- nn.utils -------------------------------------------------------------------------
def test_clip_grad_norm_mixed_dtypes_uses_the_promoted_dtype() -> None:
    # was: the first gradient's dtype (float32 here), so the float64 gradient was scaled by a
    # float32-rounded coefficient and the returned norm was float32; PyTorch promotes
    a = nn.Parameter(mg.ones(2))
    a.grad = mg.tensor(np.array([3.0, 4.0], dtype=np.float32))
    b = nn.Parameter(mg.ones(2, dtype=mg.float64))
    b.grad = mg.tensor(np.array([0.0, 12.0]))
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    assert total.dtype == mg.float64 and total.item() == 13.0
    coef = 1.0 / (13.0 + 1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 12.0 * coef], rtol=1e-15)
    assert a.grad.dtype == mg.float32
    np.testing.assert_allclose(a.grad.numpy(), np.float32([3.0, 4.0]) * np.float32(coef),
                               rtol=1e-6)


# --- adaptive max pooling with nan: the index must point at a nan (the last one) ----------
def test_adaptive_max_pool_nan_winner_is_the_last_nan_of_its_window() -> None:
    # was: the running-max path (many windows) returned nan with the index of a number, so the
    # gradient went to an element that was not the max; the argmax path took the first nan
    x = np.arange(4 * 64 * 8 * 8, dtype=np.float64).reshape(4, 64, 8, 8) % 7
    x[0, 0, 0, 1] = np.nan  # window (0, 0) of a 4x4 output covers rows 0-1, cols 0-1
    x[1, 2, 5, 4] = x[1, 2, 5, 5] = np.nan  # window (2, 2): rows 4-5, cols 4-5
    t = mg.tensor(x, requires_grad=True)
    y, idx = F.adaptive_max_pool2d(t, (4, 4), return_indices=True)
    assert np.isnan(y[0, 0, 0, 0].item()) and idx[0, 0, 0, 0].item() == 1
    assert np.isnan(y[1, 2, 2, 2].item()) and idx[1, 2, 2, 2].item() == 5 * 8 + 5
    y.sum().backward()
    assert t.grad[0, 0, 0, 1].item() == 1.0 and t.grad[1, 2, 5, 5].item() == 1.0
    assert t.grad[1, 2, 5, 4].item() == 0.0
    # one window (global pooling, the argmax path): the last nan too, in 1-d and 3-d
    v, i = F.adaptive_max_pool1d(mg.tensor([[[1.0, np.nan, 3.0, np.nan, 2.0]]]), 1,
                                 return_indices=True)
    assert np.isnan(v.item()) and i.item() == 3
    cube = np.zeros((1, 1, 2, 2, 2))
    cube[0, 0, 0, 1, 1] = cube[0, 0, 1, 0, 1] = np.nan
    v, i = F.adaptive_max_pool3d(mg.tensor(cube), 1, return_indices=True)
    assert np.isnan(v.item()) and i.item() == 1 * 4 + 0 * 2 + 1


def _assert_pool_matches_torch(torch, name: str, x: np.ndarray, *args, **kwargs) -> None:
    """F.<name>(x, *args, return_indices=True) in both libraries: values, indices and the
    input's gradient identical (array kwargs become each library's tensors)."""
    results = []
    for lib, fn in ((mg, F), (torch, torch.nn.functional)):
        t = lib.tensor(x, requires_grad=True)
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        y, i = getattr(fn, name)(t, *args, return_indices=True, **kw)
        y.sum().backward()
        results.append((y.detach().numpy(), i.numpy(), t.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_adaptive_max_pool_with_nans_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for d, shape, out in [(2, (64, 3, 9, 7), (4, 3)), (1, (64, 3, 13), 5),
                          (3, (2, 3, 5, 6, 7), (2, 3, 4)), (2, (2, 3, 8, 8), (1, 1))]:
        x = np.round(rng.standard_normal(shape))
        x[rng.random(shape) < 0.1] = np.nan
        _assert_pool_matches_torch(torch, f"adaptive_max_pool{d}d", x, out)


def test_fractional_max_pool_nan_winner_is_the_last_nan_in_row_major_order() -> None:
    # was: the first nan of each separable stage (max(dim)'s rule), so the index and the
    # gradient went to another nan than PyTorch's (its kernel keeps the last nan it meets)
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2, 2] = x[0, 0, 3, 2] = x[0, 0, 2, 3] = np.nan  # the one window: rows/cols 2-3
    t = mg.tensor(x, requires_grad=True)
    y, idx = F.fractional_max_pool2d(t, 2, output_size=1, return_indices=True,
                                     _random_samples=mg.tensor(np.full((1, 1, 2), 0.5)))
    assert np.isnan(y.item()) and idx.item() == 3 * 4 + 2
    y.sum().backward()
    expected = np.zeros((4, 4))
    expected[3, 2] = 1.0
    np.testing.assert_array_equal(t.grad.numpy()[0, 0], expected)


def test_fractional_max_pool_with_nans_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    for d, shape, k, out in [(2, (2, 3, 7, 8), 2, (4, 5)), (2, (1, 2, 6, 6), 3, (3, 2)),
                             (3, (2, 2, 5, 6, 7), 2, (3, 4, 4))]:
        x = np.round(rng.standard_normal(shape))
        x[rng.random(shape) < 0.2] = np.nan
        samples = rng.uniform(0, 1, shape[:2] + (d,))
        _assert_pool_matches_torch(torch, f"fractional_max_pool{d}d", x, k, output_size=out,
                                   _random_samples=samples)


def test_container_indices_take_numpy_integers_and_0d_integer_tensors() -> None:
    # was: TypeError for np.int64 / a 0-d int tensor; PyTorch takes anything with __index__
    seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.ELU())
    mods = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    params = nn.ParameterList([mg.ones(1), mg.ones(2)])
    for idx in (np.int64(1), mg.tensor(1)):
        assert isinstance(seq[idx], nn.Tanh)
        assert mods[idx] is mods[1]
        assert params[idx].shape == (2,)
    assert isinstance(seq[np.int32(-2)], nn.Tanh) and mods[np.int32(-1)] is mods[1]
    seq[np.int64(0)] = nn.Sigmoid()
    del seq[np.int64(2)]
    assert _names(seq) == ["Sigmoid", "Tanh"]
    with pytest.raises(TypeError, match="Sequential indices must be integers or slices"):
        seq[1.0]
    with pytest.raises(TypeError, match="ModuleList indices must be integers or slices"):
        mods[mg.tensor(1.0)]


def test_full_backward_hook_grad_input_has_one_entry_per_positional_argument() -> None:
    # was: one entry per tensor argument only (a module called as m(x, 3) gave (gx,));
    # PyTorch packs None at the non-tensor positions: (gx, None)
    class Scale(nn.Module):
        def forward(self, x=None, factor=2):
            return x * factor

    seen = []
    m = Scale()
    m.register_full_backward_hook(
        lambda mod, gin, gout: (seen.append(gin), tuple(None if g is None else 2 * g
                                                        for g in gin))[1])
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    m(x, 3).sum().backward()
    assert len(seen[0]) == 2 and seen[0][1] is None and seen[0][0].tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [6.0, 6.0]  # the hook's replacement reaches x
    m(x=x).sum().backward()  # keyword-only tensors are not part of grad_input (PyTorch)
    assert seen[1] == ()


# --- argument errors name the op (were raw NumPy / Python errors) ----------------------------
def test_pad_value_must_be_a_number_and_glu_dim_an_int() -> None:
    x = mg.ones((1, 2, 4))
    with pytest.raises(TypeError, match="pad: value must be a number, got str"):
        F.pad(x, (1, 1), value="a")  # was NumPy's "could not convert string to float"
    assert F.pad(x, (1, 1), value=mg.tensor(2.0))[0, 0].tolist() == [2.0, 1, 1, 1, 1, 2.0]
    with pytest.raises(TypeError, match="glu: dim must be an int, got float"):
        F.glu(x, 1.0)  # was "tuple indices must be integers or slices, not float"


def test_normalize_over_a_tuple_of_dims() -> None:
    # was: "normalize: dim must be an int, got tuple"; PyTorch takes an int or a tuple
    x = np.arange(1.0, 25.0).reshape(2, 3, 4)
    got = F.normalize(mg.tensor(x), dim=(1, 2)).numpy()
    np.testing.assert_allclose(got, x / np.sqrt((x ** 2).sum(axis=(1, 2), keepdims=True)))
    got = F.normalize(mg.tensor(x), p=1, dim=()).numpy()  # () is every dim
    np.testing.assert_allclose(got, x / x.sum())
    t = mg.tensor(x, requires_grad=True)
    assert mg.gradcheck(lambda a: F.normalize(a, p=3, dim=[0, 2]), (t,))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "softmax", "log_softmax", "relu_",
                                  "elu_", "leaky_relu_", "hardtanh_", "celu_", "selu_",
                                  "rrelu_"])
def test_activation_functions_refuse_a_non_tensor_naming_themselves(name) -> None:
    # was: AttributeError "'list' object has no attribute 'xp'" (or '_check_inplace', 'ndim')
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor input, got list"):
        getattr(F, name)([1.0, 2.0])


@pytest.mark.parametrize("parametrized", [False, True])
def test_weight_norm_of_a_1d_parameter_along_dim_0_keeps_one_norm_per_element(parametrized):
    # was: g of shape (1,) = ||v|| (sum over dim=() reduced everything); PyTorch: g = |v|
    lin = nn.Linear(3, 2).double()
    with mg.no_grad():
        lin.bias.copy_(mg.tensor([3.0, -4.0]))
    if parametrized:
        m = nn.utils.parametrizations.weight_norm(lin, name="bias", dim=0)
        g = m.parametrizations.bias.original0
    else:
        m = nn.utils.weight_norm(lin, name="bias", dim=0)
        g = m.bias_g
    assert g.shape == (2,) and g.tolist() == [3.0, 4.0]
    y = m(mg.ones((1, 3), dtype=mg.float64))
    np.testing.assert_allclose(m.bias.detach().numpy(), [3.0, -4.0])
    (y * mg.tensor([[1.0, 2.0]], dtype=mg.float64)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), [1.0, -2.0])  # d(g * sign(v))/dg

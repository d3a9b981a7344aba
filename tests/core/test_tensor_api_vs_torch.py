"""Tensor's own API (conversions, in-place fills, properties, printing) against PyTorch 2.13's
behaviour. Expected values are written out from PyTorch's documented behaviour; the printing
sweep asks torch itself when it is installed."""
import numpy as np
import pytest

import minigrad as mg


# --- scalar conversions -------------------------------------------------------------------------
def test_item_of_many_elements_is_a_runtime_error_but_int_float_raise_value_error() -> None:
    t = mg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"item: only one-element tensors.*\(2, 3\)"):
        t.item()
    with pytest.raises(ValueError, match=r"int\(\): only one-element tensors.*\(2, 3\)"):
        int(t)
    with pytest.raises(ValueError, match=r"float\(\): only one-element tensors.*\(2, 3\)"):
        float(t)
    assert int(mg.tensor([[-2.7]])) == -2 and float(mg.tensor([3])) == 3.0


def test_a_one_element_bool_tensor_is_an_index() -> None:
    assert [10, 11][mg.tensor(True)] == 11
    assert [10, 11][mg.tensor([False])] == 10
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [10, 11][mg.tensor(1.0)]


def test_iterating_a_0d_tensor_names_iteration() -> None:
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(mg.tensor(3.0))
    with pytest.raises(TypeError, match="len"):
        len(mg.tensor(3.0))
    assert [r.tolist() for r in mg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_numpy_force_detaches_a_tensor_that_requires_grad() -> None:
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        t.numpy()
    out = t.numpy(force=True)
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, 2.0]


def test_a_0d_tensor_formats_as_its_number() -> None:
    assert f"{mg.tensor(2.567):.2f}" == "2.57"  # was: TypeError, unsupported format string
    assert f"{mg.tensor(7):03d}" == "007"
    assert f"{mg.tensor(2.5)}" == "2.5" and f"{mg.tensor(True)}" == "True"
    assert f"{mg.tensor(2.5, requires_grad=True) * 2:.1f}" == "5.0"
    assert f"{mg.tensor([2.5])}" == str(mg.tensor([2.5]))
    with pytest.raises(TypeError):
        f"{mg.tensor([2.5]):.2f}"  # more than 0-d: as PyTorch, no format spec


def test_fill_with_a_value_the_dtype_cannot_hold_names_fill() -> None:
    with pytest.raises(RuntimeError, match="fill_: value nan cannot be converted to int64"):
        mg.zeros(2, dtype=mg.int64).fill_(float("nan"))  # was: NumPy's ValueError
    with pytest.raises(RuntimeError, match="fill_: value inf cannot be converted to int64"):
        mg.zeros(2, dtype=mg.int64).fill_(float("inf"))
    with pytest.raises(RuntimeError, match="fill_: value 1099511627776 cannot be converted to int32"):
        mg.zeros(2, dtype=mg.int32).fill_(2 ** 40)
    assert mg.zeros(2, dtype=mg.bool).fill_(float("nan")).tolist() == [True, True]


def test_numpy_array_of_a_tensor_is_a_copy_but_asarray_shares() -> None:
    t = mg.tensor([1.0, 2.0], device="cpu")  # (only a CPU tensor's memory can be shared)
    a = np.array(t)  # copy=True: was a view, so this write changed t
    a[0] = 5.0
    b = np.array(t, dtype=np.float32)
    b[1] = 7.0
    assert t.tolist() == [1.0, 2.0]
    np.asarray(t)[0] = 5.0  # shares memory (PyTorch's asarray does too)
    assert t.tolist() == [5.0, 2.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="float32 tensor cannot become a float64 array"):
        np.asarray(t, dtype=np.float64, copy=False)


@pytest.mark.parametrize("name", ["new_zeros", "new_ones", "new_empty"])
def test_new_factories_take_size_as_a_keyword(name: str) -> None:
    t = mg.ones(1, dtype=mg.float64)
    made = getattr(t, name)(size=(2, 3))  # was: TypeError, unexpected keyword 'size'
    assert made.shape == (2, 3) and made.dtype == mg.float64
    assert getattr(t, name)(2, 3).shape == (2, 3) and getattr(t, name)([4]).shape == (4,)
    with pytest.raises(TypeError, match=f"{name}.*multiple values for argument 'size'"):
        getattr(t, name)(2, size=(2,))


# --- to / type_as ---------------------------------------------------------------------------------
def test_to_accepts_copy_and_non_blocking() -> None:
    t = mg.tensor([1.0, 2.0], device="cpu")
    assert t.to(mg.float32) is t
    c = t.to(mg.float32, copy=True)
    assert c is not t and c.dtype == mg.float32
    c.zero_()
    assert t.tolist() == [1.0, 2.0]  # a copy, not a view
    d = t.to("cpu", non_blocking=True)
    assert d is t
    assert t.to(mg.float64, non_blocking=True).dtype == mg.float64
    assert t.to(mg.zeros(1, dtype=mg.int64)).dtype == mg.int64


def test_type_as_needs_a_tensor() -> None:
    assert mg.zeros(1).type_as(mg.zeros(1, dtype=mg.float64)).dtype == mg.float64
    with pytest.raises(TypeError, match="type_as: other must be a Tensor, got ndarray"):
        mg.zeros(1).type_as(np.zeros(1))


# --- in-place writes ------------------------------------------------------------------------------
def test_fill_takes_a_number_or_a_0d_tensor_only() -> None:
    t = mg.zeros(2)
    with pytest.raises(RuntimeError, match=r"fill_: the value must be a number or a 0-d tensor.*\(1,\)"):
        t.fill_(mg.tensor([3.0]))
    with pytest.raises(RuntimeError, match=r"fill_.*\(2,\)"):
        t.fill_(mg.tensor([3.0, 4.0]))  # was: broadcast into t silently
    with pytest.raises(TypeError, match="fill_: the value must be a number or a 0-d tensor, got NoneType"):
        t.fill_(None)  # was: filled with nan
    with pytest.raises(TypeError, match="got str"):
        t.fill_("a")
    assert t.tolist() == [0.0, 0.0]
    assert t.fill_(mg.tensor(2, dtype=mg.int64)).tolist() == [2.0, 2.0]
    assert mg.zeros(2, dtype=mg.int64).fill_(-2.7).tolist() == [-2, -2]
    assert mg.zeros(2, dtype=mg.bool).fill_(0.5).tolist() == [True, True]


def test_copy_of_an_unbroadcastable_shape_is_a_runtime_error() -> None:
    t = mg.zeros(2, 2)
    with pytest.raises(RuntimeError, match=r"copy_: cannot copy shape \(3,\) into shape \(2, 2\)"):
        t.copy_(mg.zeros(3))
    assert t.copy_(mg.tensor([1, 2])).tolist() == [[1.0, 2.0], [1.0, 2.0]]


# --- membership and equality ------------------------------------------------------------------
def test_contains_refuses_what_is_neither_a_tensor_nor_a_number() -> None:
    t = mg.tensor([1.0, 2.0])
    assert 2 in t and 2.5 not in t and mg.tensor(1.0) in t
    with pytest.raises(RuntimeError, match="__contains__.*got str"):
        "a" in t  # noqa: B015 (was: False)
    with pytest.raises(RuntimeError, match="__contains__.*got list"):
        [1.0] in t  # noqa: B015


def test_equality_with_a_non_numeric_object_compares_identities() -> None:
    t = mg.tensor([1, 2])
    assert (t == "a") is False and (t != "a") is True  # was: NumPy's UFuncTypeError
    assert (t == None) is False and (t != None) is True  # noqa: E711
    assert (t == object()) is False
    assert (t == 1).tolist() == [True, False]
    assert (t == np.array([1, 3])).tolist() == [True, False]
    assert (t != mg.tensor([1, 3])).tolist() == [False, True]


# --- matrix transposes ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mT", "mH", "adjoint"])
def test_mT_mH_adjoint_refuse_1d_and_return_0d_as_is(name: str) -> None:
    get = (lambda t: t.adjoint()) if name == "adjoint" else (lambda t: getattr(t, name))
    with pytest.raises(RuntimeError, match=rf"{name}: expects a matrix or a batch of matrices.*\(3,\)"):
        get(mg.zeros(3))
    zero_d = mg.tensor(5.0)
    assert get(zero_d).shape == () and get(zero_d).item() == 5.0
    assert get(mg.arange(6).reshape(1, 2, 3)).shape == (1, 3, 2)
    x = mg.ones(2, 3, requires_grad=True)
    get(x).sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


# --- strides ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, strides", [((0,), (1,)), ((2, 0), (1, 1)), ((0, 3), (3, 1)),
                                            ((2, 0, 4), (4, 4, 1))])
def test_stride_of_an_empty_tensor_is_torchs_c_order(shape: tuple, strides: tuple) -> None:
    assert mg.zeros(shape).stride() == strides  # was: all 0, NumPy's
    assert mg.zeros(shape, dtype=mg.int64).stride(-1) == strides[-1]
    assert mg.zeros(2, 3).stride() == (3, 1) and mg.zeros(2, 3).T.stride() == (1, 3)


# --- printing, against torch ------------------------------------------------------------------
def test_printing_agrees_with_torch_across_dtypes_shapes_and_options() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    makers = [lambda s: rng.standard_normal(s), lambda s: rng.standard_normal(s) * 1e6,
              lambda s: rng.standard_normal(s) * 10.0 ** rng.integers(-6, 9, s),
              lambda s: rng.integers(-100, 100, s).astype(float),
              lambda s: rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, 1e-5], s)]
    shapes = [(), (5,), (3, 4), (2, 3, 4), (40, 30), (11, 11, 11), (0,), (2, 0)]
    options = [{}, dict(precision=2), dict(sci_mode=False), dict(threshold=5, edgeitems=1),
               dict(linewidth=30)]
    saved = mg.printing.get_printoptions()
    try:
        for opts in options:
            mg.set_printoptions(**opts)
            torch.set_printoptions(**opts)
            for make in makers:
                for shape in shapes:
                    for dtype in (np.float32, np.float64, np.int64, np.bool_):
                        a = make(shape)
                        if dtype in (np.int64, np.bool_):
                            a = np.nan_to_num(a, nan=3.0, posinf=7.0, neginf=-7.0)
                        a = np.asarray(a).astype(dtype)
                        ours = str(mg.tensor(a, device="cpu"))  # (no device suffix)
                        theirs = str(torch.from_numpy(a))
                        # minigrad's dtype name is 3 characters longer, which may move a
                        # suffix to its own line: compare the text modulo that break
                        theirs = theirs.replace("torch.", "minigrad.")
                        assert ours.replace(",\n       dtype=", ", dtype=") == \
                            theirs.replace(",\n       dtype=", ", dtype="), (opts, ours, theirs)
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
        mg.set_printoptions(**{k: v for k, v in saved.items()})

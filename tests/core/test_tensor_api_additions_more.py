"""The smaller PyTorch APIs added in session 12 next to view(dtype)/resize_/asarray (each was an
AttributeError before): the real-tensor forms of the complex functions (real, imag, conj,
conj_physical, resolve_conj, resolve_neg, is_conj, is_neg, angle), the ``*_copy`` view
functions, nonzero_static, unsafe_split/unsafe_chunk/unsafe_split_with_sizes, the hardshrink
method, addmm_/addbmm_/addmv_/baddbmm_ and logical_and_/or_/xor_/not_, const_data_ptr and the
dtype names int8/int16/short/half/int; checked against torch."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _torch():
    return pytest.importorskip("torch")


def _pair(values, dtype="float64", requires_grad=False):
    torch = _torch()
    theirs = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    ours = mg.tensor(values, dtype=dtype, requires_grad=requires_grad)
    return theirs, ours


def _assert_same(theirs, ours):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for t, o in zip(theirs, ours):
            _assert_same(t, o)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


# --- the complex functions on real tensors ------------------------------------------------------
@pytest.mark.parametrize("name", ["real", "conj", "conj_physical", "resolve_conj", "resolve_neg"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_identity_functions_return_the_tensor_itself_as_torch(name, dtype):
    torch = _torch()
    values = [[1, 0], [2, 1]]
    theirs, ours = _pair(values, dtype)
    assert getattr(torch, name)(theirs) is theirs  # the oracle: the same object
    assert getattr(mg, name)(ours) is ours
    if name != "real":
        assert getattr(ours, name)() is ours
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor input, got list"):
        getattr(mg, name)(values)


def test_real_and_imag_properties():
    x = mg.ones(2, requires_grad=True)
    assert x.real is x
    with pytest.raises(RuntimeError, match="imag: not implemented for tensors with non-complex "
                                           "dtypes"):
        x.imag
    with pytest.raises(RuntimeError, match="imag: not implemented"):
        mg.imag(x)
    torch = _torch()
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        torch.ones(2).imag


def test_is_conj_is_neg_and_conj_physical_():
    torch = _torch()
    for lib in (torch, mg):
        x = lib.ones(2)
        assert lib.is_conj(x) is False and x.is_conj() is False
        assert lib.is_neg(x) is False and x.is_neg() is False
        assert x.conj_physical_() is x and x.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("values, dtype", [
    ([-1.0, 0.0, -0.0, 2.5, float("inf"), float("-inf"), float("nan")], "float32"),
    ([-1.0, 0.0, 3.0], "float64"), ([-1.0, 3.0], "float16"), ([-2, 0, 5], "int64"),
    ([-2, 7], "int32"), ([True, False], "bool"), ([], "float32")])
def test_angle_matches_torch(values, dtype):
    torch = _torch()
    theirs, ours = _pair(values, dtype)
    _assert_same(torch.angle(theirs), mg.angle(ours))
    _assert_same(theirs.angle(), ours.angle())


def test_angle_gradient_is_zero_as_torch():
    values = [-1.5, -0.1, 0.3, 2.0]
    theirs, ours = _pair(values, requires_grad=True)
    (theirs.angle() * 3).sum().backward()
    (ours.angle() * 3).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert ours.grad.tolist() == [0.0] * 4
    assert mg.gradcheck(mg.angle, (mg.tensor(values, dtype=mg.float64, requires_grad=True),))


# --- *_copy --------------------------------------------------------------------------------------
COPIES = [
    ("alias_copy", ()), ("detach_copy", ()), ("t_copy", ()),
    ("as_strided_copy", ((2, 2), (1, 2))), ("as_strided_copy", ((3,), (2,), 1)),
    ("diagonal_copy", ()), ("diagonal_copy", (1,)), ("diagonal_copy", (-1, 1, 0)),
    ("expand_copy", ((2, 2, 3),)), ("permute_copy", ((1, 0),)), ("select_copy", (1, -1)),
    ("slice_copy", ()), ("slice_copy", (1, None, None, 2)), ("slice_copy", (-1, 1, 10)),
    ("slice_copy", (0, -1)), ("split_copy", (1,)), ("split_copy", (2, 1)),
    ("split_with_sizes_copy", ([1, 2], 1)), ("squeeze_copy", ()), ("squeeze_copy", (0,)),
    ("transpose_copy", (0, 1)), ("unbind_copy", ()), ("unbind_copy", (1,)),
    ("unfold_copy", (1, 2, 1)), ("unsqueeze_copy", (0,)), ("unsqueeze_copy", (-1,)),
    ("view_copy", ((3, 2),)), ("view_copy", ((-1,),)),
]


def _call(lib, name, args, x):
    return getattr(lib, name)(x, *args)


@pytest.mark.parametrize("name, args", COPIES)
def test_copy_functions_match_torch_and_own_their_memory(name, args):
    torch = _torch()
    values = np.arange(6.0).reshape(2, 3)
    theirs, ours = _pair(values)
    expected, got = _call(torch, name, args, theirs), _call(mg, name, args, ours)
    _assert_same(expected, got)
    for piece in (got if isinstance(got, tuple) else (got,)):
        with mg.no_grad():
            piece.fill_(-7.0)  # writing the copy leaves the input alone
    assert ours.tolist() == values.tolist()


@pytest.mark.parametrize("name, args", [c for c in COPIES if c[0] != "detach_copy"])
def test_copy_functions_gradients_match_torch_and_gradcheck(name, args):
    values = np.arange(1.0, 7.0).reshape(2, 3)
    theirs, ours = _pair(values, requires_grad=True)
    weights = [np.arange(1.0, 1.0 + p.numel()).reshape(tuple(p.shape))
               for p in _pieces(_call(mg, name, args, ours))]

    def loss(lib, x):
        pieces = _pieces(_call(lib, name, args, x))
        return sum((p * lib.tensor(w, dtype=p.dtype)).sum() for p, w in zip(pieces, weights))
    loss(_torch(), theirs).backward()
    loss(mg, ours).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=0, atol=1e-12)
    assert mg.gradcheck(lambda x: _pieces(_call(mg, name, args, x)),
                        (mg.tensor(values, dtype=mg.float64, requires_grad=True),))


def _pieces(out):
    return out if isinstance(out, tuple) else (out,)


def test_detach_copy_and_view_copy_of_a_dtype_have_no_gradient():
    torch = _torch()
    theirs, ours = _pair([1.0, -2.0], "float32", requires_grad=True)
    # torch marks detach_copy's result as requiring grad with no derivative (backward raises
    # "derivative for aten::detach_copy is not implemented"); minigrad's is detached, as named
    assert not mg.detach_copy(ours).requires_grad
    _assert_same(torch.detach_copy(theirs), mg.detach_copy(ours))
    for lib, x in ((torch, theirs), (mg, ours)):
        bits = lib.view_copy(x, lib.int32)
        assert not bits.requires_grad and bits.dtype == lib.int32
    _assert_same(torch.view_copy(theirs, torch.int32), mg.view_copy(ours, mg.int32))
    _assert_same(torch.view_copy(theirs.detach(), torch.float16),
                 mg.view_copy(ours.detach(), mg.float16))


def test_view_copy_of_a_strided_tensor_reads_logical_order_as_torch():
    torch = _torch()
    theirs, ours = _pair(np.arange(6.0).reshape(2, 3))
    _assert_same(torch.view_copy(theirs.t(), (6,)), mg.view_copy(ours.t(), (6,)))


def test_copy_function_errors():
    x = mg.zeros(2, 3)
    with pytest.raises(RuntimeError, match="slice_copy: slice step must be positive, got 0"):
        mg.slice_copy(x, 1, 0, 2, 0)
    with pytest.raises(TypeError, match="t_copy: expected a Tensor input, got list"):
        mg.t_copy([[1.0]])
    torch = _torch()
    with pytest.raises(RuntimeError, match="slice step must be positive"):
        torch.slice_copy(torch.zeros(2, 3), 1, 0, 2, 0)


# --- nonzero_static -----------------------------------------------------------------------------
@pytest.mark.parametrize("values, size, fill_value", [
    ([[0, 1], [2, 0]], 3, -1), ([[0, 1], [2, 0]], 1, -1), ([[0, 1], [2, 0]], 3, 7),
    ([[0, 1], [2, 0]], 0, -1), ([[0, 1], [2, 0]], 2, -1), (5, 2, -1), (0, 1, -1),
    ([0.0, 1.5, float("nan")], 4, 9), ([[[True, False]]], 2, -3), ([], 2, -1)])
def test_nonzero_static_matches_torch(values, size, fill_value):
    torch = _torch()
    dtype = "float32" if isinstance(values, list) and values and isinstance(values[0], float) \
        else None
    theirs = torch.tensor(values, dtype=None if dtype is None else getattr(torch, dtype))
    ours = mg.tensor(values, dtype=dtype)
    _assert_same(torch.nonzero_static(theirs, size=size, fill_value=fill_value),
                 mg.nonzero_static(ours, size=size, fill_value=fill_value))
    _assert_same(theirs.nonzero_static(size=size), ours.nonzero_static(size=size))


def test_nonzero_static_errors():
    torch = _torch()
    with pytest.raises(RuntimeError, match="'size' must be an non-negative integer"):
        torch.nonzero_static(torch.ones(2), size=-1)
    with pytest.raises(RuntimeError, match="nonzero_static: 'size' must be a non-negative "
                                           "integer, got -1"):
        mg.nonzero_static(mg.ones(2), size=-1)
    with pytest.raises(TypeError):
        mg.nonzero_static(mg.ones(2), 2)  # size is keyword-only, as in torch
    with pytest.raises(TypeError, match="nonzero: expected a Tensor input, got list"):
        mg.nonzero_static([1, 0], size=1)


# --- unsafe splits, hardshrink, in-place matrix products and logical ops --------------------------
@pytest.mark.parametrize("name, args", [("unsafe_chunk", (2, 1)), ("unsafe_chunk", (3,)),
                                        ("unsafe_split", (1,)), ("unsafe_split", (2, 1)),
                                        ("unsafe_split_with_sizes", ([1, 2], 1))])
def test_unsafe_splits_match_torch(name, args):
    torch = _torch()
    theirs, ours = _pair(np.arange(6.0).reshape(2, 3))
    _assert_same(getattr(torch, name)(theirs, *args), getattr(mg, name)(ours, *args))
    _assert_same(getattr(theirs, name)(*args), getattr(ours, name)(*args))


def test_unsafe_split_gradient_matches_torch():
    theirs, ours = _pair(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for x in (theirs, ours):
        a, b = x.unsafe_split(2, 1)
        (a.sum() * 2 + (b * b).sum()).backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("lambd", [0.5, 1.5, 0.0])
def test_hardshrink_method_and_function_match_torch(lambd):
    torch = _torch()
    theirs, ours = _pair([-2.0, -0.5, 0.2, 0.7, 3.0], "float32")
    _assert_same(theirs.hardshrink(lambd), ours.hardshrink(lambd))
    _assert_same(torch.hardshrink(theirs, lambd), mg.hardshrink(ours, lambd))


INPLACE_PRODUCTS = [
    ("addmm_", (3, 2), [(3, 4), (4, 2)], {"beta": 2.0, "alpha": 0.5}),
    ("addmv_", (3,), [(3, 4), (4,)], {"alpha": -1.0}),
    ("addbmm_", (3, 2), [(5, 3, 4), (5, 4, 2)], {"beta": 0.0}),
    ("baddbmm_", (5, 3, 2), [(5, 3, 4), (5, 4, 2)], {}),
]


@pytest.mark.parametrize("name, shape, shapes, kwargs", INPLACE_PRODUCTS)
def test_inplace_matrix_products_match_torch(name, shape, shapes, kwargs):
    torch = _torch()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [shape] + shapes]
    theirs = [torch.tensor(a) for a in arrays]
    ours = [mg.tensor(a) for a in arrays]
    assert getattr(ours[0], name)(*ours[1:], **kwargs) is ours[0]
    getattr(theirs[0], name)(*theirs[1:], **kwargs)
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), rtol=1e-12, atol=1e-12)
    leaf = mg.tensor(arrays[0], requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{name}: a leaf tensor that requires grad cannot"):
        getattr(leaf, name)(*ours[1:], **kwargs)


@pytest.mark.parametrize("name", ["logical_and_", "logical_or_", "logical_xor_"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
def test_inplace_logical_ops_keep_the_dtype_as_torch(name, dtype):
    theirs, ours = _pair([0, 1, 2, 0], dtype)
    other_theirs, other_ours = _pair([0, 0, 3, 5], dtype)
    assert getattr(ours, name)(other_ours) is ours
    getattr(theirs, name)(other_theirs)
    _assert_same(theirs, ours)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_inplace_logical_not_keeps_the_dtype_as_torch(dtype):
    theirs, ours = _pair([0, 1, 2], dtype)
    assert ours.logical_not_() is ours
    theirs.logical_not_()
    _assert_same(theirs, ours)


def test_inplace_logical_ops_are_refused_on_tensors_that_require_grad():
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="logical_and_: a leaf tensor that requires grad"):
        x.logical_and_(mg.zeros(2))
    with pytest.raises(RuntimeError, match="logical_not_: a leaf tensor that requires grad"):
        x.logical_not_()


# --- const_data_ptr and the dtype names -----------------------------------------------------------
def test_const_data_ptr_is_data_ptr():
    x = mg.arange(6.0).reshape(2, 3)
    assert x.const_data_ptr() == x.data_ptr() == x[0].const_data_ptr()
    assert x[1].const_data_ptr() == x.data_ptr() + 3 * 4


@pytest.mark.parametrize("name", ["int8", "int16", "short", "half", "int"])
def test_dtype_names_match_torch(name):
    torch = _torch()
    dtype = getattr(mg, name)
    assert str(dtype) == str(getattr(torch, name)).replace("torch.", "")
    values = [1, -2, 3]
    _assert_same(torch.tensor(values, dtype=getattr(torch, name)), mg.tensor(values, dtype=dtype))
    _assert_same(torch.tensor(values).to(getattr(torch, name)), mg.tensor(values).to(name))


# --- torch's function spellings of the in-place methods (mg.relu_(x) is x.relu_()) ----------------
UNARY = ["abs_", "acos_", "arccos_", "arcsin_", "arctan_", "arctanh_", "asin_", "asinh_",
         "arcsinh_", "atan_", "atanh_", "ceil_", "conj_physical_", "cos_", "cosh_", "deg2rad_",
         "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "i0_", "log10_",
         "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
         "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_",
         "square_", "tan_", "tanh_", "trunc_", "zero_"]
INPLACE_CALLS = [(name, [0.15, 0.5, 0.85], "float64", lambda L: ((), {})) for name in UNARY] + [
    ("acosh_", [1.5, 2.0], "float64", lambda L: ((), {})),
    ("arccosh_", [1.5, 2.0], "float64", lambda L: ((), {})),
    ("clamp_", [0.1, 0.5, 0.9], "float64", lambda L: ((), {"min": 0.3, "max": 0.6})),
    ("clip_", [0.1, 0.5, 0.9], "float64", lambda L: ((0.3, 0.6), {})),
    ("clamp_max_", [0.1, 0.5, 0.9], "float64", lambda L: ((0.4,), {})),
    ("clamp_min_", [0.1, 0.5, 0.9], "float64", lambda L: ((0.4,), {})),
    ("fill_", [0.1, 0.5], "float64", lambda L: ((2.5,), {})),
    ("gcd_", [12, 18, 7], "int64", lambda L: ((L.tensor([8, 12, 21]),), {})),
    ("lcm_", [4, 6, 7], "int64", lambda L: ((L.tensor([6, 4, 3]),), {})),
    ("ldexp_", [1.5, -2.0], "float64", lambda L: ((L.tensor([2, -1]),), {})),
    ("xlogy_", [0.0, 2.0, 3.0], "float64", lambda L: ((L.tensor([0.5, 4.0, 1.0],
                                                               dtype=L.float64),), {})),
    ("index_put_", [0.0, 0.0, 0.0], "float64",
     lambda L: (((L.tensor([2, 0]),), L.tensor([5.0, 6.0], dtype=L.float64)), {})),
    ("addmv_", [1.0, 2.0], "float64",
     lambda L: ((L.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=L.float64),
                 L.tensor([0.5, -1.0], dtype=L.float64)), {"beta": 2.0})),
    ("detach_", [1.0, 2.0], "float64", lambda L: ((), {})),
]


@pytest.mark.parametrize("name, values, dtype, arguments", INPLACE_CALLS,
                         ids=[call[0] for call in INPLACE_CALLS])
def test_inplace_function_forms_match_torch(name, values, dtype, arguments):
    torch = _torch()
    theirs, ours = _pair(values, dtype)
    args, kwargs = arguments(torch)
    assert getattr(torch, name)(theirs, *args, **kwargs) is theirs
    args, kwargs = arguments(mg)
    assert getattr(mg, name)(ours, *args, **kwargs) is ours
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=0)


def test_inplace_function_forms_follow_the_methods_rules():
    leaf = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_: a leaf tensor that requires grad cannot be"):
        mg.relu_(leaf)
    with mg.no_grad():
        assert mg.zero_(leaf) is leaf and leaf.tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="sigmoid_: expected a Tensor input, got list"):
        mg.sigmoid_([1.0])
    ints = mg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="sqrt_: result type float32 can't be cast"):
        mg.sqrt_(ints)
    assert mg.relu_.__name__ == "relu_" and "in place" in mg.relu_.__doc__

"""PyTorch's everyday spellings (ops/aliases.py): add/sub/rsub with alpha, div with
rounding_mode, addcmul/addcdiv with value, addr with beta/alpha, vdot, nanmedian (declared for
the harness: gradcheck, gradgradcheck, float32, torch), the NumPy-style aliases (same function
objects), isin, unravel_index, argwhere, the dtype/size queries, the thread count and the Tensor
metadata methods, each against torch including edge cases and errors.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite, distinct, normal, positive

BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))]
TERNARY = [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((), (2, 3), (3,))]


def _nanmedian_ref(x: np.ndarray) -> np.ndarray:
    """Lower median of each row (torch's convention), the values here having no NaN."""
    s = np.sort(x, axis=-1)
    return s[..., (x.shape[-1] - 1) // 2]


class TestAliasOps(OpSuite):
    OPS = [
        OpSpec("add_alpha", lambda m, a, b: m.add(a, b, alpha=-2.5), lambda a, b: a - 2.5 * b,
               BINARY),
        OpSpec("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=0.5), lambda a, b: a - 0.5 * b,
               BINARY),
        OpSpec("subtract", lambda m, a, b: m.subtract(a, b), lambda a, b: a - b, BINARY),
        OpSpec("rsub", lambda m, a, b: m.rsub(a, b, alpha=3), lambda a, b: b - 3 * a, BINARY),
        OpSpec("multiply", lambda m, a, b: m.multiply(a, b), lambda a, b: a * b, BINARY),
        OpSpec("divide", lambda m, a, b: m.divide(a, b), lambda a, b: a / b, BINARY,
               [normal, positive]),
        OpSpec("addcmul", lambda m, x, a, b: m.addcmul(x, a, b, value=0.5),
               lambda x, a, b: x + 0.5 * a * b, TERNARY),
        OpSpec("addcdiv", lambda m, x, a, b: m.addcdiv(x, a, b, value=-2),
               lambda x, a, b: x - 2 * a / b, TERNARY, [normal, normal, positive]),
        OpSpec("addr", lambda m, x, a, b: m.addr(x, a, b, beta=0.5, alpha=2),
               lambda x, a, b: 0.5 * x + 2 * np.outer(a, b),
               [((3, 4), (3,), (4,)), ((4,), (3,), (4,)), ((), (2,), (5,))], max_dims=1,
               hyp_shapes=lambda: __import__("hypothesis").strategies.tuples(
                   __import__("hypothesis").strategies.integers(1, 4),
                   __import__("hypothesis").strategies.integers(1, 4)).map(
                       lambda nm: ((nm[0], nm[1]), (nm[0],), (nm[1],)))),
        OpSpec("vdot", lambda m, a, b: m.vdot(a, b), lambda a, b: np.dot(a, b),
               [((5,), (5,)), ((1,), (1,))],
               hyp_shapes=lambda: __import__("hypothesis").strategies.integers(1, 6).map(
                   lambda n: ((n,), (n,)))),
        OpSpec("nanmedian", lambda m, x: m.nanmedian(x, -1).values, _nanmedian_ref,
               [((3, 5),), ((4,),), ((2, 3, 4),)], distinct, min_dims=1),
        OpSpec("nanmedian_all", lambda m, x: m.nanmedian(x), lambda x: np.sort(x.ravel())[
            (x.size - 1) // 2], [((3, 5),), ((4,),), ((2, 3, 4),)], distinct, min_dims=1),
        OpSpec("ravel", lambda m, x: m.ravel(x.transpose(0, 1) if x.ndim > 1 else x),
               lambda x: (x.transpose(1, 0, *range(2, x.ndim)) if x.ndim > 1 else x).ravel(),
               [((3, 4),), ((5,),), ((2, 3, 2),)], min_dims=1),
    ]


def _t(values: object, dtype: object = mg.float64) -> mg.Tensor:
    return mg.tensor(np.asarray(values), dtype=dtype)


def test_aliases_are_the_same_functions() -> None:
    assert mg.multiply is mg.mul and mg.subtract is mg.sub and mg.divide is mg.div
    assert mg.negative is mg.neg and mg.absolute is mg.abs and mg.sgn is mg.sign
    assert mg.greater is mg.gt and mg.greater_equal is mg.ge and mg.less is mg.lt
    assert mg.less_equal is mg.le and mg.not_equal is mg.ne


def test_integer_alpha_rules_and_dtypes_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = [1, 2, 3], [4, 5, 6]
    for name in ("add", "sub", "rsub"):
        out = getattr(mg, name)(mg.tensor(a), mg.tensor(b), alpha=2)
        expected = getattr(torch, name)(torch.tensor(a), torch.tensor(b), alpha=2)
        assert out.dtype == mg.int64
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        with pytest.raises(RuntimeError, match=f"{name}: for integral input"):
            getattr(mg, name)(mg.tensor(a), mg.tensor(b), alpha=0.5)
    x = mg.tensor([1.0, 2.0])
    assert mg.add(x, x, alpha=0.5).dtype == mg.float32
    assert mg.add(x, 3, alpha=2).tolist() == [7.0, 8.0]
    assert mg.rsub(x, 1).tolist() == [0.0, -1.0]
    assert x.add(x, alpha=2).tolist() == [3.0, 6.0] and x.sub(x, alpha=3).tolist() == [-2.0, -4.0]


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_match_torch(mode: str | None) -> None:
    torch = pytest.importorskip("torch")
    a = [-7, 7, -8, 9, 0, -1]
    b = [2, -2, 3, -4, 5, 3]
    for dtype, tdtype in ((mg.int64, torch.int64), (mg.float64, torch.float64),
                          (mg.int32, torch.int32)):
        out = mg.div(mg.tensor(a, dtype=dtype), mg.tensor(b, dtype=dtype), rounding_mode=mode)
        expected = torch.div(torch.tensor(a, dtype=tdtype), torch.tensor(b, dtype=tdtype),
                             rounding_mode=mode)
        assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        t = mg.tensor(a, dtype=dtype)
        np.testing.assert_array_equal(t.divide(mg.tensor(b, dtype=dtype), rounding_mode=mode).numpy(),
                                      expected.numpy())
    x = mg.tensor([-7.5, 7.5], dtype=mg.float64, requires_grad=True)
    out = mg.div(x, 2.0, rounding_mode=mode)
    out.sum().backward()
    t = torch.tensor([-7.5, 7.5], requires_grad=True)
    torch.div(t, 2.0, rounding_mode=mode).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_div_errors() -> None:
    with pytest.raises(ValueError, match="rounding_mode"):
        mg.div(mg.tensor([1.0]), 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match="division by zero"):
        mg.div(mg.tensor([1]), mg.tensor([0]), rounding_mode="trunc")


def test_fused_ops_match_torch_with_keywords() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(1, 2, (4,))
    mt = lambda v: mg.tensor(v, dtype=mg.float64)  # noqa: E731
    tt = torch.tensor
    np.testing.assert_allclose(mg.addcmul(mt(x), mt(a), mt(b), value=3).numpy(),
                               torch.addcmul(tt(x), tt(a), tt(b), value=3).numpy(), rtol=1e-14)
    np.testing.assert_allclose(mg.addcdiv(mt(x), mt(a), mt(b), value=-0.5).numpy(),
                               torch.addcdiv(tt(x), tt(a), tt(b), value=-0.5).numpy(), rtol=1e-14)
    v1, v2 = rng.standard_normal(3), rng.standard_normal(4)
    nan_input = np.full((3, 4), np.nan)
    np.testing.assert_array_equal(mg.addr(mt(nan_input), mt(v1), mt(v2), beta=0).numpy(),
                                  torch.addr(tt(nan_input), tt(v1), tt(v2), beta=0).numpy())
    np.testing.assert_allclose(mg.addr(mt(x), mt(v1), mt(v2)).numpy(),
                               torch.addr(tt(x), tt(v1), tt(v2)).numpy(), rtol=1e-14)
    ints = mg.addr(mg.tensor([[1, 2]]), mg.tensor([3]), mg.tensor([4, 5]), beta=2, alpha=3)
    assert ints.dtype == mg.int64 and ints.tolist() == [[38, 49]]
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        mg.addcdiv(mg.tensor([1]), mg.tensor([2]), mg.tensor([3]))
    with pytest.raises(RuntimeError, match="addr: vec1 must be a 1-D tensor"):
        mg.addr(mt(x), mt(x), mt(v2))
    with pytest.raises(RuntimeError, match="vdot: 1D tensors expected"):
        mg.vdot(mt(x), mt(x))
    # in-place forms
    y = mt(x)
    assert y.addcmul_(mt(a), mt(b), value=2) is y
    np.testing.assert_allclose(y.numpy(), x + 2 * a * b)
    y = mt(x)
    y.addcdiv_(mt(a), mt(b), value=2)
    np.testing.assert_allclose(y.numpy(), x + 2 * a / b)
    y = mt(x)
    y.addr_(mt(v1), mt(v2), alpha=2)
    np.testing.assert_allclose(y.numpy(), x + 2 * np.outer(v1, v2))
    y = mt([-1.5, 2.0])
    y.neg_()
    y.abs_()
    y.negative_()
    y.sgn_()
    assert y.tolist() == [-1.0, -1.0]


def test_nanmedian_with_nans_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    nan = float("nan")
    x = [[nan, nan, nan], [1.0, nan, 3.0], [4.0, 2.0, 9.0], [nan, 5.0, nan]]
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            out = mg.nanmedian(_t(x), dim, keepdim)
            expected = torch.nanmedian(torch.tensor(x), dim, keepdim)
            np.testing.assert_array_equal(out.values.numpy(), expected.values.numpy())
            np.testing.assert_array_equal(out.indices.numpy(), expected.indices.numpy())
    np.testing.assert_array_equal(mg.nanmedian(_t(x)).numpy(), torch.nanmedian(torch.tensor(x)).numpy())
    assert np.isnan(mg.nanmedian(_t([nan, nan])).item())
    assert mg.nanmedian(mg.tensor([3, 1, 2])).item() == 2
    a = _t(x).requires_grad_()
    mg.nanmedian(a, 1).values.sum().backward()
    t = torch.tensor(x, requires_grad=True)
    torch.nanmedian(t, 1).values.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())
    assert _t(x).nanmedian(0).values.shape == (3,)
    with pytest.raises(IndexError, match="nanmedian: dim 2"):
        mg.nanmedian(_t(x), 2)


def test_isin_unravel_argwhere_match_torch() -> None:
    torch = pytest.importorskip("torch")
    e, s = [[1, 2, 3], [4, 5, 6]], [2, 6, 9]
    for invert in (False, True):
        out = mg.isin(mg.tensor(e), mg.tensor(s), invert=invert)
        expected = torch.isin(torch.tensor(e), torch.tensor(s), invert=invert)
        assert out.dtype == mg.bool
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(mg.isin(mg.tensor(e), 5).numpy(), torch.isin(torch.tensor(e), 5).numpy())
    np.testing.assert_array_equal(mg.isin(5, mg.tensor(s)).numpy(), torch.isin(5, torch.tensor(s)).numpy())
    for idx, shape in (([0, 5, 4, -1], (2, 3)), ([7], 9), ([[1, 11], [23, 0]], (2, 3, 4)), ([], (2, 2))):
        out = mg.unravel_index(mg.tensor(idx, dtype=mg.int64), shape)
        expected = torch.unravel_index(torch.tensor(idx, dtype=torch.int64), shape)
        assert len(out) == len(expected)
        for o, x in zip(out, expected):
            assert o.dtype == mg.int64
            np.testing.assert_array_equal(o.numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="unravel_index"):
        mg.unravel_index(mg.tensor([6]), (2, 3))
    with pytest.raises(TypeError, match="unravel_index"):
        mg.unravel_index(mg.tensor([1.0]), (2, 3))
    for x in ([[0, 1], [2, 0]], [0, 0], 3.0, [[[]]]):
        out = mg.argwhere(mg.tensor(x))
        expected = torch.argwhere(torch.tensor(x))
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_queries_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "int64", "int32", "uint8", "bool"):
        m, t = mg.zeros(2, dtype=getattr(mg, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
        assert mg.is_signed(m) == torch.is_signed(t) == m.is_signed(), dtype
        assert mg.is_complex(m) is False and m.is_complex() is False
    for value in ([0.0], [2], [[True]], 0.0, -1):
        assert mg.is_nonzero(mg.tensor(value)) == torch.is_nonzero(torch.tensor(value))
    with pytest.raises(RuntimeError, match="more than one value"):
        mg.is_nonzero(mg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="no values"):
        mg.tensor([]).is_nonzero()
    assert mg.is_same_size(mg.zeros(2, 3), mg.ones(2, 3)) and not mg.zeros(3).is_same_size(mg.zeros(1, 3))
    assert mg.positive(mg.tensor([1.0])).tolist() == [1.0]
    with pytest.raises(TypeError, match="positive"):
        mg.positive(mg.tensor([True]))


def test_tensor_metadata_methods_match_torch() -> None:
    torch = pytest.importorskip("torch")
    base_m = mg.arange(24, dtype=mg.float32).reshape(2, 3, 4)
    base_t = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    views = [(lambda x: x), (lambda x: x.transpose(0, 2)), (lambda x: x[1:, ::2, 1]),
             (lambda x: x[:, 1]), (lambda x: x.expand(2, 2, 3, 4)), (lambda x: x[1, 2])]
    # (a full integer index, x[1, 2, 3], is a copy in minigrad: offset 0 there, 23 in torch)
    for i, view in enumerate(views):
        m, t = view(base_m), view(base_t)
        assert m.stride() == t.stride(), i
        assert m.storage_offset() == t.storage_offset(), i
        assert m.nelement() == t.nelement() and m.ndimension() == t.ndimension()
        for d in range(-m.ndim, m.ndim):
            assert m.stride(d) == t.stride(d)
    host = mg.zeros(1, device="cpu")  # the suite may run on another default device
    assert host.is_cpu and not host.is_cuda and host.get_device() == -1
    assert base_m.is_cpu == (base_m.device == "cpu") and base_m.is_cuda == (base_m.device == "cuda")
    with pytest.raises(IndexError, match="stride"):
        base_m.stride(3)


def test_num_threads_drive_the_cpu_backend() -> None:
    backend = mg.backend.get_backend("cpu")
    before = mg.get_num_threads()
    assert before == backend.threads >= 1
    try:
        mg.set_num_threads(1)
        assert backend.threads == 1 and mg.get_num_threads() == 1
        x = mg.randn(600, 600)
        np.testing.assert_allclose((x * 2).numpy(), x.numpy() * 2)
    finally:
        mg.set_num_threads(before)
    with pytest.raises(RuntimeError, match="must be positive"):
        mg.set_num_threads(0)


@pytest.mark.parametrize("name", ["eq_", "ne_", "gt_", "ge_", "lt_", "le_", "greater_",
                                  "greater_equal_", "less_", "less_equal_", "not_equal_"])
def test_comparisons_in_place_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    for values, other, dtype in (([1.0, 2.0, 3.0], 2, "float32"), ([1, 2, 3], 2.5, "int64"),
                                 ([True, False], [1, 1], "bool"),
                                 ([[1.0, 5.0], [3.0, 0.0]], [2.0, 2.0], "float64")):
        m = mg.tensor(values, dtype=getattr(mg, dtype))
        t = torch.tensor(values, dtype=getattr(torch, dtype))
        m_other = mg.tensor(other) if isinstance(other, list) else other
        t_other = torch.tensor(other) if isinstance(other, list) else other
        assert getattr(m, name)(m_other) is m
        getattr(t, name)(t_other)
        assert m.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(m.numpy(), t.numpy())
    leaf = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=name):
        getattr(leaf, name)(0.0)
    with pytest.raises(RuntimeError, match=name):
        getattr(mg.tensor([1.0]), name)(mg.tensor([1.0, 2.0]))

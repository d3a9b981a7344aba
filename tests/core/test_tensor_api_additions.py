"""PyTorch APIs minigrad lacked before session 12 (each was an AttributeError or, for
``view(dtype)``, a TypeError): ``Tensor.view(dtype)``, ``Tensor.resize_``/``resize_as_``,
``mg.scalar_tensor``, ``mg.asarray``, ``mg.frombuffer``, ``mg.from_dlpack`` / ``Tensor.__dlpack__``
and ``isreal``, checked against torch."""
from __future__ import annotations

import array

import numpy as np
import pytest

import minigrad as mg
from devices import second_device


def _both(fn):
    """fn(torch) and fn(mg): both results, or both exceptions."""
    torch = pytest.importorskip("torch")
    out = []
    for lib in (torch, mg):
        try:
            out.append(fn(lib))
        except Exception as exc:  # noqa: BLE001 - the test compares what each library raises
            out.append(exc)
    return out


def _same(theirs, ours, exact_dtype=True):
    assert not isinstance(theirs, Exception), theirs
    assert not isinstance(ours, Exception), ours
    assert tuple(ours.shape) == tuple(theirs.shape)
    if exact_dtype:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def _same_or_same_error(theirs, ours, op):
    """The same tensor, or the same exception with the same message (prefixed with the op)."""
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), (theirs, ours)
        assert str(ours) == f"{op}: {theirs}"
    else:
        _same(theirs, ours)


# --- view(dtype) ---------------------------------------------------------------------------------
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8"]


# (bool only from a 1-byte dtype: other bit patterns make bools that are not 0/1)
@pytest.mark.parametrize("source, target", [
    (s, t) for s in ["float32", "float64", "int32", "int64", "uint8"] for t in DTYPES] +
    [("uint8", "bool"), ("int8", "bool"), ("bool", "uint8")])
def test_view_dtype_reads_the_same_bits_as_torch(source, target):
    values = np.arange(1, 25).reshape(2, 3, 4).astype(source)
    theirs, ours = _both(lambda L: L.tensor(values).view(getattr(L, target)))
    _same_or_same_error(theirs, ours, "view")


@pytest.mark.parametrize("make", [
    lambda L: L.arange(6, dtype=L.float32).reshape(2, 3),             # size(-1) not divisible
    lambda L: L.arange(6, dtype=L.float32).reshape(2, 3).t(),         # stride(-1) != 1
    lambda L: L.arange(6, dtype=L.float32).reshape(2, 3)[:, :2],      # stride(0) odd
    lambda L: L.arange(6, dtype=L.float32).reshape(2, 3)[:, 1:],      # storage offset odd
    lambda L: L.arange(8, dtype=L.float32).reshape(2, 4)[:, ::2],     # stride(-1) == 2
    lambda L: L.arange(8, dtype=L.float32).reshape(2, 2, 2).permute(0, 2, 1),
    lambda L: L.arange(12, dtype=L.float32).reshape(3, 4)[1:],        # offset 4: fine
    lambda L: L.arange(12, dtype=L.float32).reshape(3, 4)[:, 2:],     # offset 2, stride 4
    lambda L: L.tensor(1.0),                                          # 0-d
    lambda L: L.zeros(0, 4),
    lambda L: L.zeros(2, 0),
])
@pytest.mark.parametrize("target", ["float64", "int32", "uint8", "int16"])
def test_view_dtype_layout_rules_match_torch(make, target):
    theirs, ours = _both(lambda L: make(L).view(getattr(L, target)))
    _same_or_same_error(theirs, ours, "view")


def test_view_dtype_shares_memory_both_ways():
    x = mg.zeros(2, 2)
    bits = x.view(mg.int32)
    bits[0, 1] = 0x3F800000  # the bits of 1.0f
    assert x.tolist() == [[0.0, 1.0], [0.0, 0.0]]
    x[1, 0] = -2.0
    assert bits[1, 0].item() == np.float32(-2.0).view(np.int32)
    wide = mg.arange(4.0).view(mg.float64)
    assert wide.data_ptr() == wide.view(mg.uint8).data_ptr()


def test_view_dtype_has_no_gradient_as_in_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        w = lib.ones(4, requires_grad=True)
        for target in (lib.int32, lib.float16, lib.float32):
            assert not w.view(target).requires_grad
            assert not (w * 2).view(target).requires_grad
            assert w.view(target).grad_fn is None


@pytest.mark.parametrize("make, shape", [
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (6,)),
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (-1,)),
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (3, 2)),
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (1, 3, 2)),
    (lambda L: L.arange(24.0).reshape(2, 3, 4).permute(1, 0, 2), (3, 8)),
    (lambda L: L.arange(24.0).reshape(2, 3, 4).permute(1, 0, 2), (3, 2, 2, 2)),
    (lambda L: L.arange(24.0).reshape(2, 3, 4).permute(1, 0, 2), (6, 4)),
    (lambda L: L.arange(12.0).reshape(3, 4)[:, ::2], (6,)),
    (lambda L: L.arange(12.0).reshape(3, 4)[:, ::2], (3, 2, 1)),
    (lambda L: L.arange(12.0).reshape(3, 4)[:, :2], (3, 2)),
    (lambda L: L.arange(12.0).reshape(3, 4)[1:], (2, 2, 2)),
])
def test_view_of_any_layout_reads_like_torch_reshape(make, shape):
    """Where the memory can take the shape, a view (writes reach the source), as in torch;
    where it cannot, minigrad copies (torch refuses): see ops/dtype_view.py for why."""
    theirs, ours = _both(lambda L: make(L).view(*shape))
    if isinstance(theirs, Exception):
        torch = pytest.importorskip("torch")
        np.testing.assert_array_equal(ours.numpy(), make(torch).reshape(*shape).numpy())
    else:
        _same(theirs, ours)
        source = make(mg)
        view = source.view(*shape)
        view[(-1,) * view.ndim] = -1.0  # a view: the write reaches the source
        assert source[(-1,) * source.ndim].item() == -1.0


def test_view_after_a_convolution_flattens_as_in_torch():
    """A convolution's output is channels-last in minigrad's memory but contiguous in torch's:
    ``x.view(x.size(0), -1)``, torch's usual flatten, must work and give torch's order."""
    conv = mg.nn.Conv2d(2, 3, 3)
    x = mg.randn(4, 2, 6, 6)
    y = conv(x)
    flat = y.view(y.size(0), -1)
    np.testing.assert_array_equal(flat.detach().numpy(), y.detach().numpy().reshape(4, -1))
    flat.sum().backward()
    assert conv.weight.grad is not None


def test_view_as_is_a_view_where_the_memory_allows():
    x = mg.arange(6.0)
    x.view_as(mg.zeros(2, 3))[1, 2] = -1.0
    assert x[5].item() == -1.0
    t = mg.arange(6.0).reshape(2, 3).t()
    np.testing.assert_array_equal(t.view_as(mg.zeros(6)).numpy(), [0, 3, 1, 4, 2, 5])


def test_view_keyword_and_argument_forms():
    x = mg.arange(6.0)
    assert x.view(dtype=mg.int32).dtype == mg.int32
    assert x.view("int32").dtype == mg.int32
    assert x.view(2, 3).shape == (2, 3) and x.view((3, 2)).shape == (3, 2)
    assert x.view(size=(3, -1)).shape == (3, 2)
    assert x.view(mg.tensor(6)).shape == (6,)
    with pytest.raises(TypeError, match="view: expected a shape or one dtype"):
        x.view(mg.int32, 3)


# --- resize_ / resize_as_ ------------------------------------------------------------------------
RESIZES = [
    (lambda L: L.arange(6.0), (2, 2)),
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (2, 3)),   # memory order, not logical order
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (6,)),
    (lambda L: L.arange(6.0).reshape(2, 3).t(), (3, 2)),   # same shape: unchanged (strided)
    (lambda L: L.arange(6.0)[2:], (3,)),                   # from the storage offset
    (lambda L: L.arange(6.0)[2:], (2, 2)),
    (lambda L: L.arange(6.0)[::2], (5,)),
    (lambda L: L.arange(6.0)[::2], (2, 2)),
    (lambda L: L.arange(6), [3, 1]),
    (lambda L: L.arange(6, dtype=L.uint8), (0,)),
    (lambda L: L.tensor(5.0), (1, 1)),
]


@pytest.mark.parametrize("make, size", RESIZES)
def test_resize_matches_torch_within_the_memory_block(make, size):
    def resized(L):
        t = make(L)
        assert t.resize_(size) is t
        return t
    theirs, ours = _both(resized)
    _same(theirs, ours)


def test_resize_back_up_finds_the_old_elements_as_in_torch():
    theirs, ours = _both(lambda L: L.arange(6.0).resize_(2, 2).resize_(0).resize_(6))
    _same(theirs, ours)


def test_resize_shrink_shares_memory_with_earlier_views():
    theirs, ours = _both(lambda L: _write_after_resize(L))
    _same(theirs, ours)


def _write_after_resize(L):
    t = L.arange(6.0)
    view = t[1:3]
    t.resize_(2, 2)
    t[0, 1] = 9.0
    return view


def test_resize_grow_keeps_the_elements_and_fills_zeros():
    torch = pytest.importorskip("torch")
    theirs = torch.arange(3.0)[1:].resize_(2, 3)
    ours = mg.arange(3.0)[1:].resize_(2, 3)
    assert ours.shape == (2, 3)
    # torch leaves the new elements uninitialized; minigrad documents zeros
    np.testing.assert_array_equal(ours.numpy().ravel()[:2], theirs.numpy().ravel()[:2])
    assert ours.tolist() == [[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]


def test_resize_as_method_and_function():
    template = mg.zeros(2, 1, 2)
    t = mg.arange(6)
    assert t.resize_as_(template) is t and t.tolist() == [[[0, 1]], [[2, 3]]]
    u = mg.arange(3.0)
    assert mg.resize_as_(u, mg.zeros(1)) is u and u.tolist() == [0.0]
    with pytest.raises(TypeError, match="resize_as_: the template must be a Tensor, got list"):
        u.resize_as_([1])


def test_resize_is_refused_where_torch_refuses_it():
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        leaf = lib.ones(2, requires_grad=True)
        for tensor in (leaf, leaf * 2):
            with pytest.raises(RuntimeError, match="resize"):
                tensor.resize_(3)
            with lib.no_grad(), pytest.raises(RuntimeError, match="resize"):
                tensor.resize_(3)  # refused under no_grad too: the gradient would be lost
    with pytest.raises(RuntimeError, match=r"resize_: negative dimension -1 in size \(2, -1\)"):
        mg.ones(2).resize_(2, -1)
    with pytest.raises(TypeError, match="resize_: sizes must be ints, got 2.5"):
        mg.ones(2).resize_(2.5)
    with pytest.raises(TypeError, match="resize_: missing the new size"):
        mg.ones(2).resize_()
    with pytest.raises(NotImplementedError, match="memory_format"):
        mg.ones(2).resize_(2, memory_format="channels_last")


def test_resize_keeps_the_tensor_on_its_device():
    device = second_device()  # 'strict' (arrays that refuse host arrays), or cpu under it
    t = mg.arange(6, device=device)[1:]
    t.resize_(2, 2)
    assert t.device == device and t.tolist() == [[1, 2], [3, 4]]
    t.resize_(7)
    assert t.tolist() == [1, 2, 3, 4, 5, 0, 0]
    assert mg.ones(2, 2, device=device).resize_as_(mg.zeros(3)).tolist() == [1.0, 1.0, 1.0]


def test_resize_of_a_tensor_saved_for_backward_is_caught():
    w = mg.ones(3, requires_grad=True)
    x = mg.tensor([1.0, 2.0, 3.0])
    loss = (w * x).sum()  # saves x for w's gradient
    x.resize_(2)
    with pytest.raises(RuntimeError, match="modified in place after the forward pass saved it"):
        loss.backward()


# --- scalar_tensor -------------------------------------------------------------------------------
SCALARS = [((3,), {}), ((True,), {}), ((2.5,), {"dtype": "int64"}), ((-2.5,), {"dtype": "int64"}),
           ((np.float64(2.0),), {}), ((np.True_,), {}), ((-1,), {"dtype": "uint8"}),
           ((float("inf"),), {}), ((2,), {"dtype": "bool"}), ((0.5,), {"dtype": "bool"}),
           ((7,), {"dtype": "float64"}), ((70000,), {"dtype": "float16"}),
           ((1.5,), {"requires_grad": True})]


@pytest.mark.parametrize("args, kwargs", SCALARS)
def test_scalar_tensor_matches_torch(args, kwargs):
    def make(L):
        kw = {k: getattr(L, v) if k == "dtype" else v for k, v in kwargs.items()}
        return L.scalar_tensor(*args, **kw)
    theirs, ours = _both(make)
    _same(theirs, ours)
    assert ours.requires_grad == theirs.requires_grad


def test_scalar_tensor_takes_a_0d_tensor_and_the_default_dtype():
    assert mg.scalar_tensor(mg.tensor(2)).dtype == mg.float32
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.scalar_tensor(1).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)


@pytest.mark.parametrize("args, kwargs, error", [
    ((float("nan"),), {"dtype": "int64"}, RuntimeError), ((300,), {"dtype": "uint8"}, RuntimeError),
    ((1e300,), {"dtype": "float32"}, RuntimeError), ((2 ** 63,), {"dtype": "int64"}, RuntimeError),
    ((1e30,), {"dtype": "int64"}, RuntimeError), (("a",), {}, TypeError), ((None,), {}, TypeError),
    ((1,), {"dtype": "int64", "requires_grad": True}, RuntimeError),
])
def test_scalar_tensor_errors_as_torch(args, kwargs, error):
    def make(L):
        kw = {k: getattr(L, v) if k == "dtype" else v for k, v in kwargs.items()}
        return L.scalar_tensor(*args, **kw)
    theirs, ours = _both(make)
    assert isinstance(theirs, error) and isinstance(ours, error), (theirs, ours)
    if error is RuntimeError and "requires_grad" not in kwargs:
        assert "scalar_tensor: value" in str(ours) and "without overflow" in str(ours)
    with pytest.raises(TypeError, match="scalar_tensor: s must be a real number, not Tensor"):
        mg.scalar_tensor(mg.tensor([2.0, 3.0]))


# --- asarray ------------------------------------------------------------------------------------
ASARRAYS = [
    (lambda L: np.arange(3.0), {}),
    (lambda L: np.arange(3.0), {"dtype": "float32"}),
    (lambda L: [1, 2.5], {}),
    (lambda L: [1, 2], {}),
    (lambda L: [1, 2], {"dtype": "float64"}),
    (lambda L: 3, {}),
    (lambda L: 3.5, {"dtype": "float64"}),
    (lambda L: True, {}),
    (lambda L: np.float64(3.5), {}),
    (lambda L: np.int32(3), {}),
    (lambda L: np.array(3.0), {}),
    (lambda L: np.zeros(3, dtype=bool), {}),
    (lambda L: np.arange(3, dtype=np.float16), {}),
    (lambda L: np.arange(6.0).reshape(2, 3).T, {}),
    (lambda L: range(3), {}),
    (lambda L: (1, 2), {}),
    (lambda L: [], {}),
    (lambda L: [[1.0], [2.0]], {}),
    (lambda L: [L.tensor(1.0), L.tensor(2.0)], {}),
    (lambda L: [np.float64(1.0), 2], {}),
    (lambda L: bytearray(b"\x01\x02"), {"dtype": "uint8"}),
    (lambda L: b"\x01\x00\x00\x00\x02\x00\x00\x00", {"dtype": "int32"}),
    (lambda L: array.array("f", [1.0, 2.0]), {}),
    (lambda L: array.array("d", [1.0, 2.0]), {}),  # raw bytes read as float32, as in torch
    (lambda L: memoryview(bytearray(b"\x05\x06")), {"dtype": "int8"}),
    (lambda L: np.array([1, 2], dtype=">i4"), {}),
]


@pytest.mark.filterwarnings("ignore:The given buffer is not writable")
@pytest.mark.parametrize("obj, kwargs", ASARRAYS)
def test_asarray_values_and_dtype_match_torch(obj, kwargs):
    def make(L):
        kw = {k: getattr(L, v) if k == "dtype" else v for k, v in kwargs.items()}
        return L.asarray(obj(L), **kw)
    theirs, ours = _both(make)
    if isinstance(theirs, ValueError) and "byte order" in str(theirs):
        assert ours.tolist() == [1, 2] and ours.dtype == mg.int32  # minigrad converts (copy)
        return
    _same(theirs, ours)


def test_asarray_shares_numpy_memory_unless_a_copy_is_asked_or_needed():
    a = np.arange(3.0)
    shared = mg.asarray(a)
    a[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0] and shared.data_ptr() == a.ctypes.data
    assert mg.asarray(a, dtype=mg.float64, copy=False).data_ptr() == a.ctypes.data
    assert mg.asarray(a, device="cpu").data_ptr() == a.ctypes.data
    copied = mg.asarray(a, copy=True)
    a[1] = 7.0
    assert copied.tolist() == [9.0, 1.0, 2.0]
    converted = mg.asarray(a, dtype=mg.float32)
    assert converted.dtype == mg.float32 and converted.data_ptr() != a.ctypes.data
    strided = np.arange(6.0).reshape(2, 3).T
    view = mg.asarray(strided)
    strided[0, 0] = 5.0
    assert view[0, 0].item() == 5.0


def test_asarray_shares_a_writable_buffer():
    theirs, ours = _both(lambda L: _write_buffer(L))
    _same(theirs, ours)


def _write_buffer(L):
    buffer = bytearray(b"\x01\x02")
    t = L.asarray(buffer, dtype=L.uint8)
    buffer[0] = 7
    return t


@pytest.mark.parametrize("obj, kwargs, error", [
    (lambda L: np.arange(3.0), {"dtype": "float32", "copy": False}, ValueError),
    (lambda L: [1, 2], {"copy": False}, ValueError),
    (lambda L: 1.5, {"copy": False}, ValueError),
    (lambda L: np.float32(3.5), {"copy": False}, RuntimeError),
    (lambda L: L.ones(2), {"dtype": "float64", "copy": False}, ValueError),
    (lambda L: np.array(["a"]), {}, TypeError),
    (lambda L: "abc", {}, TypeError),
    (lambda L: [[1, 2], [3]], {}, ValueError),
    (lambda L: [1, 2], {"requires_grad": True}, RuntimeError),
    (lambda L: bytearray(b"\x01\x02"), {}, ValueError),  # 2 bytes are no float32
])
def test_asarray_errors_as_torch(obj, kwargs, error):
    def make(L):
        kw = {k: getattr(L, v) if k == "dtype" else v for k, v in kwargs.items()}
        return L.asarray(obj(L), **kw)
    theirs, ours = _both(make)
    assert isinstance(theirs, error) and isinstance(ours, error), (theirs, ours)


def test_asarray_of_a_tensor_returns_it_or_a_copy():
    t = mg.ones(2)
    assert mg.asarray(t) is t
    assert mg.asarray(t, dtype=mg.float32, copy=False) is t
    copy = mg.asarray(t, copy=True)
    assert copy is not t and copy.data_ptr() != t.data_ptr()
    assert mg.asarray(t, dtype=mg.float64).dtype == mg.float64


def test_asarray_requires_grad_follows_torch():
    torch = pytest.importorskip("torch")
    import warnings
    for lib in (torch, mg):
        g = lib.ones(2, requires_grad=True)
        h = g * 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch 2.13 warns that None now keeps the flag
            assert lib.asarray(g) is g and lib.asarray(h) is h
        kept = lib.asarray(g, copy=True)
        assert kept.requires_grad and kept.grad_fn is not None  # a differentiable copy
        cast = lib.asarray(h, dtype=lib.float64)
        assert cast.requires_grad and cast.grad_fn is not None
        for dropped in (lib.asarray(h, requires_grad=False),
                        lib.asarray(h, copy=True, requires_grad=False),
                        lib.asarray(h, dtype=lib.float64, requires_grad=False)):
            assert not dropped.requires_grad and dropped.grad_fn is None
        assert lib.asarray(h, requires_grad=False).data_ptr() == h.data_ptr()
        plain = lib.ones(2)
        assert lib.asarray(plain, requires_grad=True) is plain and plain.requires_grad
        assert lib.asarray(np.ones(2), requires_grad=True).is_leaf
    g = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (mg.asarray(g, copy=True) * mg.tensor([3.0, 4.0], dtype=mg.float64)).sum().backward()
    assert g.grad.tolist() == [3.0, 4.0]


def test_asarray_to_another_device_copies(testdev):
    a = np.arange(3.0)
    moved = mg.asarray(a, device=testdev)
    assert moved.device == testdev and moved.tolist() == [0.0, 1.0, 2.0]
    a[0] = 5.0
    assert moved.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="asarray: can't alias an array of dtype float64 on cpu "
                                         "as float64 on testdev without a copy"):
        mg.asarray(a, device=testdev, copy=False)
    t = mg.ones(2, device="cpu")
    assert mg.asarray(t, device=testdev).device == testdev
    with pytest.raises(ValueError, match="can't alias a float32 tensor on cpu as float32 on "
                                         "testdev"):
        mg.asarray(t, device=testdev, copy=False)
    mg.set_default_device(testdev)
    assert mg.asarray([1.0]).device == testdev  # sequences go to the default device
    assert mg.asarray(a).device == "cpu"  # a NumPy array stays where its memory is


# --- DLPack: sharing memory with torch (and any library with the protocol) ---------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_from_dlpack_shares_a_torch_tensors_memory(dtype):
    torch = _torch_module()
    theirs = (torch.arange(6) % 3).to(getattr(torch, dtype)).reshape(2, 3)
    ours = mg.from_dlpack(theirs)
    assert ours.dtype == np.dtype(dtype) and ours.device == "cpu"
    assert ours.data_ptr() == theirs.data_ptr()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    back = torch.from_dlpack(ours)  # and back: the same memory again
    assert back.data_ptr() == theirs.data_ptr() and back.dtype == theirs.dtype


def test_dlpack_writes_are_seen_on_both_sides_and_strides_are_kept():
    torch = _torch_module()
    theirs = torch.zeros(2, 3)
    ours = mg.from_dlpack(theirs.t())
    assert ours.shape == (3, 2) and ours.stride() == (1, 3)
    theirs[0, 1] = 5.0
    assert ours[1, 0].item() == 5.0
    mine = mg.zeros(2, 3, dtype=mg.int32)
    shared = torch.from_dlpack(mine.t())
    assert shared.stride() == (1, 3)
    mine[1, 2] = 7
    assert shared[2, 1].item() == 7


def test_dlpack_refuses_tensors_that_require_grad_both_ways():
    torch = _torch_module()
    with pytest.raises(BufferError, match="require"):
        mg.from_dlpack(torch.ones(2, requires_grad=True))
    with pytest.raises(BufferError, match="__dlpack__: can't export a tensor that requires grad"):
        torch.from_dlpack(mg.ones(2, requires_grad=True))
    assert torch.from_dlpack(mg.ones(2, requires_grad=True).detach()).tolist() == [1.0, 1.0]


def test_from_dlpack_of_numpy_and_of_a_minigrad_tensor():
    a = np.arange(3.0)
    t = mg.from_dlpack(a)
    a[0] = 4.0
    assert t.tolist() == [4.0, 1.0, 2.0] and t.dtype == mg.float64
    assert mg.from_dlpack(t) is t
    with pytest.raises(TypeError, match="from_dlpack: a list does not implement the DLPack"):
        mg.from_dlpack([1.0])


def test_asarray_shares_a_torch_tensor_unless_a_copy_is_asked_or_needed():
    torch = _torch_module()
    theirs = torch.arange(4.0)
    assert mg.asarray(theirs).data_ptr() == theirs.data_ptr()
    copied = mg.asarray(theirs, copy=True)
    assert copied.data_ptr() != theirs.data_ptr() and copied.tolist() == [0.0, 1.0, 2.0, 3.0]
    cast = mg.asarray(theirs, dtype=mg.float64)
    assert cast.dtype == mg.float64 and cast.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="asarray: can't alias a torch.Tensor of dtype float32 "
                                         "on cpu as float64 on cpu without a copy"):
        mg.asarray(theirs, dtype=mg.float64, copy=False)


def _torch_module():
    return pytest.importorskip("torch")


# --- frombuffer ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"dtype": "int32"}, {"dtype": "int32", "count": 1, "offset": 4}, {"dtype": "uint8"},
    {"dtype": "uint8", "count": -2}, {"dtype": "int16", "offset": 2, "count": 2},
    {"dtype": "int32", "offset": 2}, {"dtype": "int32", "count": 3},
    {"dtype": "uint8", "count": 0}, {"dtype": "uint8", "offset": 8},
    {"dtype": "uint8", "offset": -1},
])
def test_frombuffer_matches_torch(kwargs):
    def make(L):
        kw = {k: getattr(L, v) if k == "dtype" else v for k, v in kwargs.items()}
        return L.frombuffer(bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00"), **kw)
    theirs, ours = _both(make)
    _same_or_same_error(theirs, ours, "frombuffer")


def test_frombuffer_shares_memory_and_checks_its_input():
    buffer = bytearray(8)
    t = mg.frombuffer(buffer, dtype=mg.float32, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.shape == (2,)
    buffer[4:8] = np.float32(2.5).tobytes()
    assert t.tolist() == [0.0, 2.5]
    with mg.no_grad():
        t[0] = 1.0
    assert bytes(buffer[:4]) == np.float32(1.0).tobytes()
    with pytest.raises(ValueError, match="frombuffer: a list does not implement Python's buffer"):
        mg.frombuffer([1, 2], dtype=mg.uint8)
    with pytest.raises(ValueError, match=r"both buffer length \(0\) and count \(-1\)"):
        mg.frombuffer(bytearray(), dtype=mg.uint8)


# --- read-only memory: shared read-only buffers and arrays, expanded views ----------------------
def test_sharing_read_only_memory_warns_as_torch_does():
    # (torch warns "not writable" here too, once per process, so it is not asserted here)
    frozen = np.arange(3.0)
    frozen.flags.writeable = False
    with pytest.warns(UserWarning, match="asarray: the given ndarray is read-only"):
        shared = mg.asarray(frozen)
    assert shared.data_ptr() == frozen.ctypes.data
    with pytest.warns(UserWarning, match="frombuffer: the given bytes is read-only"):
        mg.frombuffer(b"\x01\x02", dtype=mg.uint8)
    with pytest.warns(UserWarning, match="asarray: the given bytes is read-only"):
        mg.asarray(b"\x01\x02", dtype=mg.uint8)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # writable memory, or a copy: no warning
        mg.asarray(np.arange(3.0))
        mg.asarray(frozen, copy=True)
        mg.frombuffer(bytearray(2), dtype=mg.uint8)


WRITES = [(lambda t: t.add_(1), True), (lambda t: t.relu_(), True), (lambda t: t.mul_(2), True),
          (lambda t: t.copy_(t.clone()), True), (lambda t: t.fill_(2.0), False),
          (lambda t: t.zero_(), False), (lambda t: t.__setitem__(0, 5.0), False)]


@pytest.mark.parametrize("write, torch_refuses", WRITES)
def test_writing_read_only_memory_says_so(write, torch_refuses):
    torch = _torch_module()
    if torch_refuses:  # torch refuses these on an expanded tensor too (the others it allows)
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            write(torch.ones(3).expand(2, 3))
    # before: NumPy's "assignment destination is read-only", reported by the ops as a shape
    # error (add_, setitem), an overflow (fill_) or a bare ValueError (zero_, relu_)
    for tensor in (mg.ones(3).expand(2, 3), _read_only_tensor()):
        with pytest.raises(RuntimeError, match="this tensor's memory is read-only"):
            write(tensor)


def _read_only_tensor():
    frozen = np.ones((2, 3), dtype=np.float32)
    frozen.flags.writeable = False
    return mg.from_numpy(frozen)


def test_shape_methods_and_resize_still_work_on_read_only_memory():
    torch = _torch_module()
    for lib in (torch, mg):
        t = lib.ones(3).expand(2, 3)
        assert t.unsqueeze_(0).shape == (1, 2, 3)
    u = mg.ones(3).expand(2, 3)
    assert u.resize_(2).tolist() == [1.0, 1.0]


# --- isreal -------------------------------------------------------------------------------------
@pytest.mark.parametrize("values, dtype", [([1.0, float("nan"), float("inf")], "float32"),
                                           ([[1, 2]], "int64"), (True, "bool"), ([], "float64")])
def test_isreal_matches_torch(values, dtype):
    theirs, ours = _both(lambda L: L.isreal(L.tensor(values, dtype=getattr(L, dtype))))
    _same(theirs, ours)
    assert mg.tensor(values, dtype=dtype).isreal().dtype == mg.bool
    assert not mg.isreal(mg.ones(2, requires_grad=True)).requires_grad
    with pytest.raises(TypeError, match="isreal: expected a Tensor input, got int"):
        mg.isreal(3)

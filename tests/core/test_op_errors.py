"""Bad input to the ops gets an error of PyTorch's type whose message names the op and the
shapes, dtypes or devices involved, never an AttributeError or a NumPy message from inside."""
from __future__ import annotations

import pytest

import minigrad as mg
import minigrad.nn.functional as F
from devices import second_device


@pytest.mark.parametrize("op", [mg.sin, mg.cos, mg.exp2, mg.log1p, mg.expm1, mg.log2, mg.log10,
                                mg.reciprocal, mg.rsqrt, mg.square, mg.neg, mg.sign, mg.floor,
                                mg.frac, mg.isinf, mg.isposinf, mg.isneginf, mg.nan_to_num,
                                mg.sort, mg.argsort, mg.numel, mg.exp],
                         ids=lambda f: f.__name__)
def test_one_tensor_ops_refuse_a_list_naming_themselves(op) -> None:
    with pytest.raises(TypeError, match=rf"^{op.__name__}: expected a Tensor.*got list"):
        op([1.0, 2.0])


def test_topk_refuses_a_list() -> None:
    with pytest.raises(TypeError, match="topk: expected a Tensor input, got list"):
        mg.topk([1.0, 2.0], 1)


@pytest.mark.parametrize("name", ["nan", "posinf", "neginf"])
def test_nan_to_num_replacements_must_be_numbers(name) -> None:
    with pytest.raises(TypeError, match=f"nan_to_num: {name} must be a number or None, got str"):
        mg.nan_to_num(mg.ones(2), **{name: "a"})


@pytest.mark.parametrize("call, op", [
    (lambda e: mg.max(e, 0), "max"), (lambda e: mg.min(e, 0), "min"),
    (lambda e: mg.argmax(e, 0), "argmax"), (lambda e: mg.argmin(e, -2), "argmin"),
    (lambda e: e.max(dim=0), "max"),
])
def test_reducing_over_an_empty_dim_names_the_op(call, op) -> None:
    """NumPy says 'attempt to get argmax of an empty sequence'; PyTorch raises IndexError."""
    with pytest.raises(IndexError, match=rf"{op}: cannot reduce over dim 0 of size 0 \(tensor "
                                         r"of shape \(0, 3\)\)"):
        call(mg.zeros(0, 3))


def test_argmax_of_an_empty_tensor_needs_a_dim() -> None:
    with pytest.raises(IndexError, match=r"argmax: expected a dim to reduce over for an empty "
                                         r"tensor of shape \(0, 3\)"):
        mg.argmax(mg.zeros(0, 3))


def test_reducing_an_empty_tensor_along_a_nonempty_dim_still_works() -> None:
    values, indices = mg.max(mg.zeros(0, 3), 1)
    assert values.shape == (0,) and indices.shape == (0,)
    assert mg.argmin(mg.zeros(0, 3), 1).shape == (0,)


@pytest.mark.parametrize("op", [mg.cumsum, mg.cumprod], ids=lambda f: f.__name__)
def test_running_ops_take_dtype_by_name(op) -> None:
    """dtype='float64' used to go through Tensor.to(positional), where 'foo' read as a device."""
    out = op(mg.tensor([1, 2, 3]), 0, dtype="float64")
    assert out.dtype == mg.float64
    assert out.tolist() == ([1.0, 3.0, 6.0] if op is mg.cumsum else [1.0, 2.0, 6.0])
    with pytest.raises(TypeError, match=f"{op.__name__}: unknown dtype 'foo'"):
        op(mg.ones(3), 0, dtype="foo")


def test_prod_and_norm_name_themselves_for_a_bad_dtype() -> None:
    with pytest.raises(TypeError, match="prod: unknown dtype 'foo'"):
        mg.prod(mg.ones(3), dtype="foo")
    with pytest.raises(TypeError, match="norm: unknown dtype 'foo'"):
        mg.norm(mg.ones(3), dtype="foo")


def test_argsort_and_softmin_name_themselves_for_a_bad_dim() -> None:
    x = mg.ones(3, 4)
    with pytest.raises(IndexError, match=r"argsort: dim -3 is out of range .*\(3, 4\)"):
        mg.argsort(x, -3)
    with pytest.raises(IndexError, match=r"softmin: dim 3 is out of range .*\(3, 4\)"):
        F.softmin(x, 3)


def test_tile_names_itself_for_negative_dims() -> None:
    with pytest.raises(ValueError, match=r"tile: dims must be non-negative, got \(2, -1\)"):
        mg.tile(mg.ones(2, 3), (2, -1))


def test_take_along_dim_names_itself_for_an_index_out_of_range() -> None:
    x = mg.ones(3, 4)
    with pytest.raises(IndexError, match=r"take_along_dim: index 12 is out of bounds .*size 12"):
        mg.take_along_dim(x, mg.tensor([12]))
    with pytest.raises(IndexError, match=r"take_along_dim: index 4 is out of bounds for dimension 1"):
        mg.take_along_dim(x, mg.tensor([[4], [0], [0]]), 1)


def test_scatter_takes_src_or_value_not_both() -> None:
    x, index = mg.zeros(2, 3), mg.tensor([[0, 1]])
    with pytest.raises(TypeError, match="scatter: give src or value, not both"):
        mg.scatter(x, 1, index, mg.ones(1, 2), value=1.0)


@pytest.mark.parametrize("op", [mg.tril, mg.triu], ids=lambda f: f.__name__)
def test_triangles_need_an_int_diagonal(op) -> None:
    with pytest.raises(TypeError, match=f"{op.__name__}: diagonal must be an int, got float"):
        op(mg.ones(3, 3), 1.5)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.softplus(x, beta="a"), "softplus: beta must be a number, got str"),
    (lambda x: F.softplus(x, threshold=None), "softplus: threshold must be a number, got NoneType"),
    (lambda x: F.elu(x, alpha="a"), "elu: alpha must be a number, got str"),
])
def test_activation_parameters_must_be_numbers(call, message) -> None:
    with pytest.raises(TypeError, match=message):
        call(mg.ones(3))


def test_numpy_scalar_parameters_are_numbers() -> None:
    import numpy as np
    x = mg.tensor([-1.0, 0.5, 2.0])
    assert F.hardtanh(x, np.float32(-0.5), np.float32(0.5)).tolist() == [-0.5, 0.5, 0.5]
    assert F.elu(x, np.float32(2.0)).dtype == mg.float32


@pytest.mark.parametrize("call, op", [
    (lambda w: F.layer_norm(mg.ones(2, 4), (4,), w), "layer_norm"),
    (lambda w: F.group_norm(mg.ones(2, 4, 3), 2, w), "group_norm"),
])
def test_norm_parameters_must_have_the_input_dtype(call, op) -> None:
    """PyTorch refuses mixed dtypes here; promoting would turn a float32 model into float64."""
    with pytest.raises(RuntimeError, match=f"{op}: expected weight of the input's dtype float32, "
                                           "got float64"):
        call(mg.ones(4, dtype=mg.float64))


# --- two devices: each op names itself, not an inner Mul/Add/Where ---------------------------
def _on(device: str, t: mg.Tensor) -> mg.Tensor:
    return t.to(device)


@pytest.mark.parametrize("call, message", [
    (lambda a, b: mg.broadcast_tensors(a, b), "broadcast_tensors: expected all tensors on the same device"),
    (lambda a, b: mg.mm(a, b.reshape(4, 3)), "mm: expected both tensors on the same device"),
    (lambda a, b: mg.outer(a[0], b[0]), "outer: expected both tensors on the same device"),
    (lambda a, b: mg.dot(a[0], b[0]), "dot: expected both tensors on the same device"),
    (lambda a, b: mg.bmm(a[None], b.reshape(1, 4, 3)), "bmm: expected both tensors on the same device"),
    (lambda a, b: mg.scatter(a, 1, mg.tensor([[0, 1]]), b[:1, :2]), "scatter: src is on"),
    (lambda a, b: mg.scatter_add(a, 1, mg.tensor([[0, 1]]), b[:1, :2]), "scatter_add: src is on"),
    (lambda a, b: mg.masked_fill(a, b > 0, 1.0), "masked_fill: mask is on"),
    (lambda a, b: F.prelu(a, b[0, :1]), "prelu: weight is on"),
    (lambda a, b: F.cosine_similarity(a, b), "cosine_similarity: expected x1 and x2 on the same device"),
    (lambda a, b: F.pairwise_distance(a, b), "pairwise_distance: expected x1 and x2 on the same device"),
    (lambda a, b: F.huber_loss(a, a, weight=b), "huber_loss: weight is on"),
    (lambda a, b: F.l1_loss(a, a, weight=b), "l1_loss: weight is on"),
    (lambda a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid()),
     "binary_cross_entropy: input is on"),
    (lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
     "binary_cross_entropy_with_logits: input is on"),
])
def test_mixing_devices_names_the_op(call, message) -> None:
    here = mg.randn(3, 4)
    there = _on(second_device(), mg.randn(3, 4))
    with pytest.raises(RuntimeError, match=message):
        call(here, there)

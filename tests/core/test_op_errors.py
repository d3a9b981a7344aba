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


# --- loss targets of another dtype: refused only where PyTorch refuses -------------------------
@pytest.mark.parametrize("input_dtype, target_dtype", [
    (mg.float32, mg.float64), (mg.float64, mg.float32), (mg.float32, mg.int64),
    (mg.float32, mg.bool), (mg.float64, mg.int64)])
def test_binary_cross_entropy_wants_the_inputs_dtype_as_torch(input_dtype, target_dtype) -> None:
    """PyTorch: "Found dtype Double but expected Float" (a RuntimeError), not a silent cast."""
    x = mg.full((2, 3), 0.5, dtype=input_dtype)
    t = mg.ones(2, 3).to(target_dtype)
    with pytest.raises(RuntimeError, match=f"binary_cross_entropy: expected target of dtype "
                                           f"{input_dtype} \\(the input's\\), got {target_dtype}"):
        F.binary_cross_entropy(x, t)
    with pytest.raises(RuntimeError, match="binary_cross_entropy"):
        mg.nn.BCELoss()(x, t)


def test_binary_cross_entropy_dtype_errors_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for dtype in (torch.float64, torch.int64):
        with pytest.raises(RuntimeError, match="Found dtype"):
            torch.nn.functional.binary_cross_entropy(torch.full((3,), 0.5),
                                                     torch.ones(3, dtype=dtype))
    same = F.binary_cross_entropy(mg.full((3,), 0.25), mg.ones(3))  # same dtype still works
    expected = torch.nn.functional.binary_cross_entropy(torch.full((3,), 0.25), torch.ones(3))
    assert same.dtype == mg.float32 and abs(same.item() - expected.item()) < 1e-6


@pytest.mark.parametrize("target_dtype", [mg.int64, mg.bool])
def test_integer_targets_refused_where_torch_refuses(target_dtype) -> None:
    torch = pytest.importorskip("torch")
    x, t = mg.full((2, 3), 0.5), mg.ones(2, 3).to(target_dtype)
    tx, tt = torch.full((2, 3), 0.5), torch.ones(2, 3).to(getattr(torch, str(target_dtype)))
    with pytest.raises(RuntimeError, match=f"binary_cross_entropy_with_logits: expected a "
                                           f"floating-point target \\(as the input's float32\\), "
                                           f"got {target_dtype}"):
        F.binary_cross_entropy_with_logits(x, t)
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy_with_logits(tx, tt)
    with pytest.raises(RuntimeError, match=f"kl_div: integral inputs are not supported, got a "
                                           f"{target_dtype} target"):
        F.kl_div(x, t, reduction="sum")
    with pytest.raises(RuntimeError, match="Integral inputs not supported"):
        torch.nn.functional.kl_div(tx, tt, reduction="sum")
    for name in ("mse_loss", "smooth_l1_loss", "huber_loss"):  # torch accepts these
        out = getattr(F, name)(x, t)
        expected = getattr(torch.nn.functional, name)(tx, tt)
        assert out.dtype == mg.float32 and abs(out.item() - expected.item()) < 1e-6
    if target_dtype == mg.bool:
        with pytest.raises(RuntimeError, match="l1_loss: a bool target is not supported"):
            F.l1_loss(x, t)
        with pytest.raises(RuntimeError, match="Subtraction"):
            torch.nn.functional.l1_loss(tx, tt)
    else:
        out = F.l1_loss(x, t)
        assert abs(out.item() - torch.nn.functional.l1_loss(tx, tt).item()) < 1e-6


def test_float64_targets_still_accepted_where_torch_accepts_them() -> None:
    """PyTorch promotes rather than raising in these: only binary_cross_entropy refuses."""
    x, t = mg.full((2, 3), 0.5), mg.full((2, 3), 0.25, dtype=mg.float64)
    for name in ("binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss",
                 "huber_loss", "kl_div"):
        out = getattr(F, name)(x, t, reduction="sum")
        assert out.shape == () and bool(mg.isfinite(out)), name

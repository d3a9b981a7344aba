"""The margin/ranking losses (MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss,
MultiMarginLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, CosineEmbeddingLoss,
TripletMarginLoss, TripletMarginWithDistanceLoss) and their functional forms: PyTorch forward
and backward for every reduction and option, gradcheck/gradgradcheck in float64, the gradient
at the hinge's kink, float32, shapes and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _multilabel_target(rng, n, c):
    """Class lists ended by -1 (or full rows), with a duplicate and junk after the -1."""
    t = np.full((n, c), -1)
    for i in range(n):
        k = rng.integers(1, c + 1)
        t[i, :k] = rng.choice(c, k, replace=False)
    t[0, :2] = [1, 1] if c > 2 else t[0, :2]
    if c > 3:
        t[1, 2:] = [-1, 0] + [0] * (c - 4)
    return t


# name -> (functional name, arrays, indices of integer inputs, indices with grad, option dicts)
def _cases():
    r = _rng(1)
    x, y, z = (r.standard_normal((5, 4)) for _ in range(3))
    cases = {
        "margin_ranking": ("margin_ranking_loss", [x, y, _signs(r, (5, 4))], (), (0, 1),
                           [{}, {"margin": 0.4}]),
        "margin_ranking_bcast": ("margin_ranking_loss", [x, y[:1], _signs(r, (5, 1))], (),
                                 (0, 1), [{"margin": -0.2}]),
        "hinge": ("hinge_embedding_loss", [np.abs(x), _signs(r, (5, 4))], (), (0,),
                  [{}, {"margin": 2.0}]),
        "hinge_other_targets": ("hinge_embedding_loss", [x, r.choice([-1.0, 1.0, 0.0, 2.0],
                                                                    (5, 4))], (), (0,),
                                [{"margin": 0.5}]),
        "soft_margin": ("soft_margin_loss", [x * 3, _signs(r, (5, 4))], (), (0,), [{}]),
        "soft_margin_bcast": ("soft_margin_loss", [x, _signs(r, (4,))], (), (0,), [{}]),
        "multi_margin": ("multi_margin_loss", [x, r.integers(0, 4, (5,))], (1,), (0,),
                         [{}, {"p": 2}, {"margin": 0.3}, {"p": 2, "margin": 2.0}]),
        "multi_margin_1d": ("multi_margin_loss", [x[0], np.array(2)], (1,), (0,),
                            [{}, {"p": 2}]),
        "multi_margin_1d_target1": ("multi_margin_loss", [x[0], np.array([3])], (1,), (0,),
                                    [{}]),
        "multilabel_margin": ("multilabel_margin_loss", [x, _multilabel_target(r, 5, 4)], (1,),
                              (0,), [{}]),
        "multilabel_margin_1d": ("multilabel_margin_loss", [x[0], np.array([3, 0, -1, 1])],
                                 (1,), (0,), [{}]),
        "multilabel_soft_margin": ("multilabel_soft_margin_loss",
                                   [x, r.integers(0, 2, (5, 4)) * 1.0], (), (0, 1), [{}]),
        "multilabel_soft_margin_3d": ("multilabel_soft_margin_loss",
                                      [r.standard_normal((2, 3, 4)), r.uniform(0, 1, (2, 3, 4))],
                                      (), (0, 1), [{}]),
        "multilabel_soft_margin_1d": ("multilabel_soft_margin_loss",
                                      [x[0], r.integers(0, 2, (4,)) * 1.0], (), (0,), [{}]),
        "cosine_embedding": ("cosine_embedding_loss", [x, y, _signs(r, (5,))], (), (0, 1),
                             [{}, {"margin": 0.3}, {"margin": -0.5}]),
        "cosine_embedding_1d": ("cosine_embedding_loss", [x[0], y[0], np.array(-1.0)], (),
                                (0, 1), [{"margin": -0.9}]),
        "cosine_embedding_bcast": ("cosine_embedding_loss", [x, y[:1], _signs(r, (5,))], (),
                                   (0, 1), [{}]),
        "triplet": ("triplet_margin_loss", [x, y, z], (), (0, 1, 2),
                    [{}, {"margin": 0.5, "p": 1.0}, {"p": 3.0, "eps": 1e-3}, {"swap": True},
                     {"swap": True, "p": 1.5, "margin": 2.0}]),
        "triplet_1d": ("triplet_margin_loss", [x[0], y[0], z[0]], (), (0, 1, 2),
                       [{"margin": 3.0}]),
        "triplet_distance": ("triplet_margin_with_distance_loss", [x, y, z], (), (0, 1, 2),
                             [{}, {"margin": 2.5}, {"swap": True}]),
    }
    return cases


CASES = _cases()
CASE_IDS = [(name, i) for name, c in CASES.items() for i in range(len(c[4]))]


def _inputs(lib, arrays, ints, grads):
    out = []
    for i, a in enumerate(arrays):
        if i in ints:
            out.append(lib.tensor(a))
        elif lib is mg:
            out.append(mg.tensor(a, dtype=mg.float64, requires_grad=i in grads))
        else:
            out.append(lib.tensor(a, dtype=lib.float64, requires_grad=i in grads))
    return out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,option", CASE_IDS, ids=[f"{n}-{i}" for n, i in CASE_IDS])
def test_functional_matches_torch(name, option, reduction):
    torch = pytest.importorskip("torch")
    fn, arrays, ints, grads, options = CASES[name]
    kwargs = options[option]
    ms, ts = _inputs(mg, arrays, ints, grads), _inputs(torch, arrays, ints, grads)
    out_m = getattr(F, fn)(*ms, reduction=reduction, **kwargs)
    out_t = getattr(torch.nn.functional, fn)(*ts, reduction=reduction, **kwargs)
    assert out_m.shape == tuple(out_t.shape)
    assert out_m.dtype == mg.float64
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = _rng(2).standard_normal(tuple(out_t.shape))
    out_m.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    for i in grads:
        np.testing.assert_allclose(ms[i].grad.numpy(), ts[i].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=f"{fn} gradient of input {i}")


@pytest.mark.parametrize("name,option", CASE_IDS, ids=[f"{n}-{i}" for n, i in CASE_IDS])
def test_gradcheck_and_gradgradcheck(name, option):
    fn, arrays, ints, grads, options = CASES[name]
    ms = _inputs(mg, arrays, ints, grads)
    leaves = tuple(ms[i] for i in grads)

    def call(*xs):
        args = list(ms)
        for i, x in zip(grads, xs):
            args[i] = x
        return getattr(F, fn)(*args, reduction="none", **options[option])

    assert mg.gradcheck(call, leaves)
    assert mg.gradgradcheck(call, leaves)


# --- modules -------------------------------------------------------------------------------
MODULES = [
    ("MarginRankingLoss", {"margin": 0.2}, "margin_ranking"),
    ("HingeEmbeddingLoss", {"margin": 1.5}, "hinge"),
    ("SoftMarginLoss", {}, "soft_margin"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, "multi_margin"),
    ("MultiLabelMarginLoss", {}, "multilabel_margin"),
    ("MultiLabelSoftMarginLoss", {}, "multilabel_soft_margin"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "cosine_embedding"),
    ("TripletMarginLoss", {"margin": 0.7, "p": 1.0, "swap": True}, "triplet"),
    ("TripletMarginWithDistanceLoss", {"margin": 0.7, "swap": True}, "triplet"),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cls,kwargs,case", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch(cls, kwargs, case, reduction):
    torch = pytest.importorskip("torch")
    _, arrays, ints, grads, _ = CASES[case]
    ms, ts = _inputs(mg, arrays, ints, grads), _inputs(torch, arrays, ints, grads)
    lm = getattr(nn, cls)(reduction=reduction, **kwargs)
    lt = getattr(torch.nn, cls)(reduction=reduction, **kwargs)
    assert repr(lm) == repr(lt)
    assert list(lm.state_dict()) == list(lt.state_dict())
    out_m, out_t = lm(*ms), lt(*ts)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    out_m.sum().backward()
    out_t.sum().backward()
    for i in grads:
        np.testing.assert_allclose(ms[i].grad.numpy(), ts[i].grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_weight_matches_torch(p, reduction):
    torch = pytest.importorskip("torch")
    r = _rng(3)
    x, t, w = r.standard_normal((6, 4)), r.integers(0, 4, (6,)), r.uniform(0.2, 2.0, (4,))
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    lm = nn.MultiMarginLoss(p=p, margin=0.8, weight=mg.tensor(w, dtype=mg.float64),
                            reduction=reduction)
    lt = torch.nn.MultiMarginLoss(p=p, margin=0.8, weight=torch.tensor(w), reduction=reduction)
    assert list(lm.state_dict()) == list(lt.state_dict()) == ["weight"]
    out_m, out_t = lm(xm, mg.tensor(t)), lt(xt, torch.tensor(t))
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    out_m.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert mg.gradcheck(lambda a: F.multi_margin_loss(a, mg.tensor(t), p=p, weight=lm.weight,
                                                      reduction=reduction), (xm.detach()
                                                                            .requires_grad_(),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_weight_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    r = _rng(4)
    x, y, w = r.standard_normal((3, 5)), r.integers(0, 2, (3, 5)) * 1.0, r.uniform(0.5, 2, (5,))
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    lm = nn.MultiLabelSoftMarginLoss(weight=mg.tensor(w, dtype=mg.float64), reduction=reduction)
    lt = torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(w), reduction=reduction)
    assert list(lm.state_dict()) == list(lt.state_dict()) == ["weight"]
    out_m, out_t = lm(xm, mg.tensor(y, dtype=mg.float64)), lt(xt, torch.tensor(y))
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    out_m.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_triplet_with_a_custom_distance_matches_torch():
    torch = pytest.importorskip("torch")
    r = _rng(5)
    arrays = [r.standard_normal((4, 3)) for _ in range(3)]
    ms, ts = _inputs(mg, arrays, (), (0, 1, 2)), _inputs(torch, arrays, (), (0, 1, 2))
    out_m = F.triplet_margin_with_distance_loss(
        *ms, distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b), margin=0.5,
        swap=True, reduction="sum")
    out_t = torch.nn.functional.triplet_margin_with_distance_loss(
        *ts, distance_function=lambda a, b: 1.0 - torch.nn.functional.cosine_similarity(a, b),
        margin=0.5, swap=True, reduction="sum")
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    out_m.backward()
    out_t.backward()
    for a, b in zip(ms, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    layer = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1.0))
    assert repr(layer) == repr(torch.nn.TripletMarginWithDistanceLoss(
        distance_function=torch.nn.PairwiseDistance(p=1.0)))


def test_gradient_at_the_kink_matches_torch():
    """clamp_min passes the gradient at 0 (ranking/triplet), the z > 0 kernels do not."""
    torch = pytest.importorskip("torch")
    x1, x2 = np.array([1.0, 2.0, 0.5]), np.array([1.0, 1.0, 0.5])
    y = np.array([1.0, -1.0, 1.0])
    xm, xt = mg.tensor(x1, dtype=mg.float64, requires_grad=True), torch.tensor(x1,
                                                                              requires_grad=True)
    F.margin_ranking_loss(xm, mg.tensor(x2, dtype=mg.float64), mg.tensor(y, dtype=mg.float64),
                          reduction="sum").backward()
    torch.nn.functional.margin_ranking_loss(xt, torch.tensor(x2), torch.tensor(y),
                                            reduction="sum").backward()
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())
    # multi margin: x = [0, 1, 0] with target 1 and margin 1 puts z = 0 on both other classes.
    x = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.0]])
    t = np.array([1, 0])
    for p in (1, 2):
        xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        F.multi_margin_loss(xm, mg.tensor(t), p=p, reduction="sum").backward()
        torch.nn.functional.multi_margin_loss(xt, torch.tensor(t), p=p,
                                              reduction="sum").backward()
        np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    tl = np.array([[1, -1, 0], [0, 2, -1]])
    F.multilabel_margin_loss(xm, mg.tensor(tl), reduction="sum").backward()
    torch.nn.functional.multilabel_margin_loss(xt, torch.tensor(tl), reduction="sum").backward()
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())


def test_soft_margin_is_finite_where_torch_overflows():
    out = F.soft_margin_loss(mg.tensor([-800.0, 800.0], dtype=mg.float64),
                             mg.tensor([1.0, 1.0], dtype=mg.float64), reduction="none")
    np.testing.assert_allclose(out.numpy(), [800.0, 0.0], atol=1e-300)


# --- float32 -------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,kwargs,case", MODULES + [
    ("MultiMarginLoss", {"weight": mg.tensor([1.0, 2.0, 0.5, 1.0])}, "multi_margin"),
    ("MultiLabelSoftMarginLoss", {"weight": mg.tensor([1.0, 2.0, 0.5, 1.0])},
     "multilabel_soft_margin")], ids=lambda v: v if isinstance(v, str) else "")
def test_float32_stays_float32(cls, kwargs, case):
    _, arrays, ints, grads, _ = CASES[case]
    xs = [mg.tensor(a) if i in ints else mg.tensor(a, dtype=mg.float32, requires_grad=i in grads)
          for i, a in enumerate(arrays)]
    out = getattr(nn, cls)(**kwargs)(*xs)
    assert out.dtype == mg.float32
    out.backward()
    for i in grads:
        assert xs[i].grad.dtype == mg.float32


def test_float32_with_numpy_float64_options():
    r = _rng(6)
    a, p, n = (mg.tensor(r.standard_normal((3, 4)), dtype=mg.float32, requires_grad=True)
               for _ in range(3))
    y = mg.tensor([1.0, -1.0, 1.0])
    outs = [F.triplet_margin_loss(a, p, n, margin=np.float64(0.5), p=np.float64(1.5),
                                  eps=np.float64(1e-3)),
            F.cosine_embedding_loss(a, p, y, margin=np.float64(0.2)),
            F.margin_ranking_loss(a, p, mg.ones(3, 4), margin=np.float64(0.3)),
            F.hinge_embedding_loss(a, mg.ones(3, 4), margin=np.float64(0.3)),
            F.multi_margin_loss(a, mg.tensor([0, 3, 1]), margin=np.float64(0.3))]
    for out in outs:
        assert out.dtype == mg.float32
    sum(outs).backward()
    assert a.grad.dtype == mg.float32


# --- errors --------------------------------------------------------------------------------
FUNCTIONS = {"margin_ranking_loss": 3, "hinge_embedding_loss": 2, "soft_margin_loss": 2,
             "multi_margin_loss": 2, "multilabel_margin_loss": 2,
             "multilabel_soft_margin_loss": 2, "cosine_embedding_loss": 3,
             "triplet_margin_loss": 3, "triplet_margin_with_distance_loss": 3}


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_bad_reduction_names_the_loss(fn):
    args = [mg.ones(2, 3)] * FUNCTIONS[fn]
    with pytest.raises(ValueError, match=rf"{fn}: reduction='avg' is not valid"):
        getattr(F, fn)(*args, reduction="avg")


def test_module_errors_name_the_layer():
    with pytest.raises(ValueError, match="MultiMarginLoss: reduction='batchmean'"):
        nn.MultiMarginLoss(reduction="batchmean")
    with pytest.raises(ValueError, match="MultiMarginLoss: only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: weight must be one-dimensional"):
        nn.MultiMarginLoss(weight=mg.ones(2, 2))
    with pytest.raises(ValueError, match="TripletMarginLoss: margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: margin must be greater"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)
    with pytest.raises(ValueError, match="size_average and reduce are deprecated"):
        nn.SoftMarginLoss(size_average=True)


def test_target_errors_name_the_loss_and_shapes():
    x = mg.randn(3, 4)
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: expected integer \(int64\) "
                                           r"class indices as target, got float32"):
        F.multi_margin_loss(x, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: target should be 1-D.*expected 3 "
                                           r"targets for input of shape \(3, 4\), got target of "
                                           r"shape \(2,\)"):
        F.multi_margin_loss(x, mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="multi_margin_loss: target 4 is out of range for 4 "
                                           "classes"):
        F.multi_margin_loss(x, mg.tensor([0, 4, 1]))
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: expected a non-empty vector.*"
                                           r"\(2, 3, 4\)"):
        F.multi_margin_loss(mg.randn(2, 3, 4), mg.tensor([0, 1]))
    with pytest.raises(ValueError, match="multi_margin_loss: only p == 1 and p == 2"):
        F.multi_margin_loss(x, mg.tensor([0, 1, 2]), p=3)
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: inconsistent weight size, "
                                           r"expected 4 but got \(3,\)"):
        F.multi_margin_loss(x, mg.tensor([0, 1, 2]), weight=mg.ones(3))
    with pytest.raises(RuntimeError, match=r"multilabel_margin_loss: inconsistent target size: "
                                           r"\(1, 4\) for input of size \(3, 4\)"):
        F.multilabel_margin_loss(x, mg.tensor([[0, 1, -1, 0]]))
    with pytest.raises(RuntimeError, match="multilabel_margin_loss: target -2 is out of range"):
        F.multilabel_margin_loss(x, mg.tensor([[0, -2, -1, 0]] * 3))
    with pytest.raises(RuntimeError, match="multilabel_margin_loss: expected integer"):
        F.multilabel_margin_loss(x, mg.zeros(3, 4))
    with pytest.raises(RuntimeError, match=r"margin_ranking_loss: all input tensors should have "
                                           r"the same dimension.*input2 \(4,\)"):
        F.margin_ranking_loss(x, mg.randn(4), mg.ones(3, 4))
    with pytest.raises(RuntimeError, match=r"soft_margin_loss: the shapes of input \(3, 4\), "
                                           r"target \(3,\) cannot be broadcast"):
        F.soft_margin_loss(x, mg.ones(3))
    with pytest.raises(RuntimeError, match=r"hinge_embedding_loss: the shapes of input \(3, 4\), "
                                           r"target \(2, 4\)"):
        F.hinge_embedding_loss(x, mg.ones(2, 4))
    with pytest.raises(RuntimeError, match=r"cosine_embedding_loss: 1D target tensor expects 2D "
                                           r"input tensors, but found inputs with sizes \(3, 4\) "
                                           r"and \(4,\)"):
        F.cosine_embedding_loss(x, mg.randn(4), mg.ones(3))
    with pytest.raises(RuntimeError, match="cosine_embedding_loss: 0D or 1D target"):
        F.cosine_embedding_loss(x, x, mg.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"cosine_embedding_loss: the shapes of inputs \(3,\), "
                                           r"target \(2,\)"):
        F.cosine_embedding_loss(x, x, mg.ones(2))
    with pytest.raises(RuntimeError, match="triplet_margin_loss: the anchor, positive, and "
                                           "negative tensors are expected to have the same number "
                                           "of dimensions, but got: anchor 2D, positive 1D"):
        F.triplet_margin_loss(x, mg.randn(4), x)
    with pytest.raises(ValueError, match="triplet_margin_with_distance_loss: margin must be "
                                         "greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0)
    with pytest.raises(TypeError, match="triplet_margin_with_distance_loss: distance_function "
                                        "must be callable"):
        F.triplet_margin_with_distance_loss(x, x, x, distance_function=3)
    with pytest.raises(TypeError, match="soft_margin_loss: expected a floating-point input, got "
                                        "int64"):
        F.soft_margin_loss(mg.tensor([1, 2]), mg.tensor([1, -1]))
    with pytest.raises(TypeError, match="hinge_embedding_loss: a bool target is not supported"):
        F.hinge_embedding_loss(x, x > 0)
    with pytest.raises(TypeError, match="margin_ranking_loss: expected target to be a Tensor"):
        F.margin_ranking_loss(x, x, [1, -1, 1])
    w = mg.ones(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="multi_margin_loss: the derivative for 'weight'"):
        F.multi_margin_loss(x, mg.tensor([0, 1, 2]), weight=w)


def test_integer_targets_are_cast_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.3, -1.2], [2.0, 0.1]])
    y = np.array([[1, -1], [-1, 1]])
    for fn in ("soft_margin_loss", "hinge_embedding_loss"):
        out_m = getattr(F, fn)(mg.tensor(x, dtype=mg.float64), mg.tensor(y))
        out_t = getattr(torch.nn.functional, fn)(torch.tensor(x), torch.tensor(y))
        np.testing.assert_allclose(out_m.numpy(), out_t.numpy(), rtol=1e-12)

"""nn.utils: weight_norm / spectral_norm (hook API), fuse_*_bn_*, get_total_norm,
clip_grads_with_norm_, skip_init and functional_call, against PyTorch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import (clip_grads_with_norm_, fuse_conv_bn_eval, fuse_conv_bn_weights,
                               fuse_linear_bn_eval, fuse_linear_bn_weights, get_total_norm,
                               remove_spectral_norm, remove_weight_norm, skip_init,
                               spectral_norm, weight_norm)
from minigrad.nn.utils.stateless import functional_call

from ._torch_compare import copy_torch_weights


def _twins(torch, make_mg, make_torch):
    """A minigrad module and its torch twin with the same float64 weights."""
    m, tm = make_mg(), make_torch().double()
    copy_torch_weights(m, tm)
    return m, tm


def _grads(module) -> dict:
    return {n: p.grad.numpy() for n, p in module.named_parameters() if p.grad is not None}


def _run_both(m, tm, torch, x):
    y, ty = m(mg.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(3).standard_normal(tuple(ty.shape))
    y.backward(mg.tensor(g)), ty.backward(torch.tensor(g))
    tg = {n: p.grad.numpy() for n, p in tm.named_parameters()}
    mgg = _grads(m)
    assert sorted(mgg) == sorted(tg)
    for k in tg:
        np.testing.assert_allclose(mgg[k], tg[k], rtol=1e-10, atol=1e-12, err_msg=k)


# --- weight_norm (hook API) ---------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1, None])
def test_weight_norm_linear_matches_torch(dim):
    torch = pytest.importorskip("torch")
    m = nn.Linear(4, 3, dtype=mg.float64)
    tm = torch.nn.Linear(4, 3).double()
    copy_torch_weights(m, tm)
    weight_norm(m, dim=dim), torch.nn.utils.weight_norm(tm, dim=dim)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert tuple(m.weight_g.shape) == tuple(tm.weight_g.shape)
    _run_both(m, tm, torch, np.random.default_rng(0).standard_normal((5, 4)))
    remove_weight_norm(m), torch.nn.utils.remove_weight_norm(tm)
    assert list(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-12)


def test_weight_norm_conv_dim0_and_gradcheck():
    torch = pytest.importorskip("torch")
    m, tm = _twins(torch, lambda: nn.Conv2d(2, 3, 3, dtype=mg.float64),
                   lambda: torch.nn.Conv2d(2, 3, 3))
    weight_norm(m), torch.nn.utils.weight_norm(tm)
    assert tuple(m.weight_g.shape) == (3, 1, 1, 1)
    _run_both(m, tm, torch, np.random.default_rng(1).standard_normal((2, 2, 5, 5)))
    lin = weight_norm(nn.Linear(3, 2, dtype=mg.float64))
    x = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(lin, (x,))


def test_weight_norm_errors_and_float32():
    m = weight_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        weight_norm(m)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        remove_weight_norm(m, "bias")
    with pytest.raises(ValueError, match="no parameter 'nope'"):
        weight_norm(nn.Linear(3, 2), name="nope")
    y = m(mg.randn(4, 3))
    assert y.dtype == mg.float32 and m.weight_g.dtype == mg.float32


# --- spectral_norm (hook API) -------------------------------------------------------------------
@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_conv_train_eval_matches_torch(n_iter):
    torch = pytest.importorskip("torch")
    m = nn.Conv2d(3, 4, 3, dtype=mg.float64)
    tm = torch.nn.Conv2d(3, 4, 3).double()
    spectral_norm(m, n_power_iterations=n_iter)
    torch.nn.utils.spectral_norm(tm, n_power_iterations=n_iter)
    assert list(m.state_dict()) == list(tm.state_dict()) == \
        ["bias", "weight_orig", "weight_u", "weight_v"]
    copy_torch_weights(m, tm)  # same u, v start
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5))
    for training in (True, True, False, False):
        m.train(training), tm.train(training)
        u_before = m.weight_u.numpy().copy()
        for mod in (m, tm):
            mod.zero_grad()
        _run_both(m, tm, torch, x)
        np.testing.assert_allclose(m.weight_u.numpy(), tm.weight_u.numpy(), rtol=1e-10)
        np.testing.assert_allclose(m.weight_v.numpy(), tm.weight_v.numpy(), rtol=1e-10)
        if not training:  # eval leaves u and v alone
            np.testing.assert_array_equal(m.weight_u.numpy(), u_before)
    remove_spectral_norm(m), torch.nn.utils.remove_spectral_norm(tm)
    assert list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-10)


def test_spectral_norm_bounds_sigma_and_defaults_dim1_for_transposed_conv():
    m = spectral_norm(nn.Linear(6, 5, dtype=mg.float64), n_power_iterations=30)
    m(mg.randn(2, 6, dtype=mg.float64))
    sigma = np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)[0]
    assert abs(sigma - 1.0) < 1e-8
    t = spectral_norm(nn.ConvTranspose2d(3, 5, 2))
    assert tuple(t.weight_u.shape) == (5,) and tuple(t.weight_v.shape) == (3 * 2 * 2,)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        spectral_norm(m)
    with pytest.raises(ValueError, match="n_power_iterations"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        remove_spectral_norm(nn.Linear(2, 2))
    f32 = spectral_norm(nn.Linear(3, 2))
    assert f32(mg.randn(2, 3)).dtype == mg.float32 and f32.weight_u.dtype == mg.float32


def test_spectral_norm_gradcheck_eval():
    m = spectral_norm(nn.Linear(3, 4, dtype=mg.float64)).eval()
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(m, (x,))


# --- fusion -------------------------------------------------------------------------------------
def _bn_with_stats(bn, torch_bn, rng):
    n = bn.num_features
    state = {"running_mean": rng.standard_normal(n), "running_var": rng.uniform(0.5, 2, n),
             "num_batches_tracked": np.array(3)}
    if bn.weight is not None:
        state["weight"], state["bias"] = rng.standard_normal(n), rng.standard_normal(n)
    torch = pytest.importorskip("torch")
    torch_bn.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    copy_torch_weights(bn, torch_bn)


@pytest.mark.parametrize("bias,affine", [(True, True), (False, True), (True, False)])
def test_fuse_conv_bn_eval_matches_torch(bias, affine):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    conv, tconv = _twins(torch, lambda: nn.Conv2d(3, 4, 3, bias=bias, dtype=mg.float64),
                         lambda: torch.nn.Conv2d(3, 4, 3, bias=bias))
    bn = nn.BatchNorm2d(4, affine=affine, dtype=mg.float64)
    tbn = torch.nn.BatchNorm2d(4, affine=affine).double()
    _bn_with_stats(bn, tbn, rng)
    for mod in (conv, tconv, bn, tbn):
        mod.eval()
    fused = fuse_conv_bn_eval(conv, bn)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn)
    assert list(fused.state_dict()) == list(tfused.state_dict())
    x = rng.standard_normal((2, 3, 6, 6))
    np.testing.assert_allclose(fused(mg.tensor(x)).detach().numpy(),
                               tfused(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fused(mg.tensor(x)).detach().numpy(),
                               bn(conv(mg.tensor(x))).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert fused is not conv and conv.weight is not fused.weight


def test_fuse_conv_transpose_and_weights_form():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    conv, tconv = _twins(torch, lambda: nn.ConvTranspose2d(3, 4, 2, dtype=mg.float64),
                         lambda: torch.nn.ConvTranspose2d(3, 4, 2))
    bn, tbn = nn.BatchNorm2d(4, dtype=mg.float64), torch.nn.BatchNorm2d(4).double()
    _bn_with_stats(bn, tbn, rng)
    for mod in (conv, tconv, bn, tbn):
        mod.eval()
    fused = fuse_conv_bn_eval(conv, bn, transpose=True)
    x = mg.tensor(rng.standard_normal((2, 3, 4, 4)))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    w, b = fuse_conv_bn_weights(conv.weight, None, bn.running_mean, bn.running_var, bn.eps,
                                None, None, transpose=True)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(tconv.weight, None, tbn.running_mean,
                                                 tbn.running_var, tbn.eps, None, None, True)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-12)
    assert isinstance(w, nn.Parameter) and w.requires_grad == tw.requires_grad
    assert b.requires_grad == tb.requires_grad


@pytest.mark.parametrize("features", [4, 1])
def test_fuse_linear_bn_matches_torch(features):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    lin, tlin = _twins(torch, lambda: nn.Linear(3, 4, dtype=mg.float64),
                       lambda: torch.nn.Linear(3, 4))
    bn = nn.BatchNorm1d(features, dtype=mg.float64)
    tbn = torch.nn.BatchNorm1d(features).double()
    _bn_with_stats(bn, tbn, rng)
    for mod in (lin, tlin, bn, tbn):
        mod.eval()
    fused, tfused = fuse_linear_bn_eval(lin, bn), torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(fused(mg.tensor(x)).detach().numpy(),
                               tfused(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    w, b = fuse_linear_bn_weights(lin.weight, lin.bias, bn.running_mean, bn.running_var, bn.eps,
                                  bn.weight, bn.bias)
    np.testing.assert_allclose(w.detach().numpy(), tfused.weight.detach().numpy(), rtol=1e-12)


def test_fusion_errors_and_float32():
    conv, bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        fuse_conv_bn_eval(conv, bn)
    with pytest.raises(RuntimeError, match="Fusion only for eval"):
        fuse_linear_bn_eval(nn.Linear(3, 4), nn.BatchNorm1d(4))
    with pytest.raises(AssertionError, match="out_features"):
        fuse_linear_bn_eval(nn.Linear(3, 4).eval(), nn.BatchNorm1d(3).eval())
    fused = fuse_conv_bn_eval(conv.eval(), bn.eval())
    assert fused.weight.dtype == mg.float32 and fused(mg.randn(1, 3, 5, 5)).dtype == mg.float32


# --- total norm and clipping --------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, 0.0, math.inf])
def test_get_total_norm_and_clip_match_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s) * 2 for s in [(3, 4), (5,), (2, 2, 2)]]
    params = [nn.Parameter(mg.tensor(a)) for a in arrays]
    tparams = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    for p, tp, a in zip(params, tparams, arrays):
        p.grad, tp.grad = mg.tensor(a * 3), torch.tensor(a * 3)
    total = get_total_norm([p.grad for p in params], norm_type)
    ttotal = torch.nn.utils.get_total_norm([p.grad for p in tparams], norm_type)
    assert total.shape == () and total.dtype == mg.float64
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    clip_grads_with_norm_(params, 1.3, total)
    torch.nn.utils.clip_grads_with_norm_(tparams, 1.3, ttotal)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_total_norm_edge_cases():
    assert get_total_norm([]).item() == 0.0
    g = mg.tensor([3.0, 4.0])
    assert get_total_norm(g).item() == pytest.approx(5.0) and get_total_norm(g).dtype == mg.float32
    with pytest.raises(RuntimeError, match="non-finite"):
        get_total_norm([mg.tensor([1.0, math.inf])], error_if_nonfinite=True)
    p = nn.Parameter(mg.tensor([1.0, 1.0]))
    clip_grads_with_norm_([p], 1.0, mg.tensor(2.0))  # no grad: nothing to do
    assert p.grad is None
    p.grad = mg.tensor([0.1, 0.1])
    clip_grads_with_norm_(p, 10.0, mg.tensor(0.5))  # coefficient clamped to 1
    np.testing.assert_allclose(p.grad.numpy(), [0.1, 0.1])
    with pytest.raises(TypeError, match="clip_grads_with_norm_"):
        clip_grads_with_norm_([p], 1.0, 2.0)


# --- skip_init ----------------------------------------------------------------------------------
def test_skip_init():
    m = skip_init(nn.Linear, 5, 2, dtype=mg.float64)
    assert isinstance(m, nn.Linear) and tuple(m.weight.shape) == (2, 5)
    assert m.weight.dtype == mg.float64
    with pytest.raises(RuntimeError, match="Expected a Module"):
        skip_init(int)
    with pytest.raises(RuntimeError, match="'device' arg"):
        skip_init(nn.ReLU)


# --- functional_call ----------------------------------------------------------------------------
def test_functional_call_matches_torch_and_leaves_module_alone():
    torch = pytest.importorskip("torch")
    from torch.func import functional_call as torch_call
    m, tm = _twins(torch, lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4),
                                                nn.Linear(4, 2)).double(),
                   lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                               torch.nn.Linear(4, 2)))
    m.eval(), tm.eval()  # the replaced running_mean is then used
    rng = np.random.default_rng(8)
    w, x = rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    mw = mg.tensor(w, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    rm = mg.zeros(4, dtype=mg.float64)
    y = functional_call(m, ({"0.weight": mw}, {"1.running_mean": rm}), (mg.tensor(x),))
    ty = torch_call(tm, ({"0.weight": tw}, {"1.running_mean": torch.zeros(4).double()}),
                    (torch.tensor(x),))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal((6, 2))
    y.backward(mg.tensor(g)), ty.backward(torch.tensor(g))
    np.testing.assert_allclose(mw.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
    assert m[0].weight.grad is None and m[0].weight is not mw
    assert m[1].running_mean is not rm  # restored
    from minigrad.func import functional_call as func_call
    assert func_call is functional_call


def test_functional_call_tied_strict_and_errors():
    lin = nn.Linear(3, 3, bias=False, dtype=mg.float64)
    m = nn.Sequential(lin, lin)
    w = mg.eye(3, dtype=mg.float64)
    x = mg.randn(2, 3, dtype=mg.float64)
    np.testing.assert_allclose(functional_call(m, {"0.weight": w}, x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="tied"):
        functional_call(m, {"0.weight": w, "1.weight": w * 2}, x)
    with pytest.raises(RuntimeError, match="Missing key"):
        functional_call(nn.Linear(3, 2), {"weight": mg.zeros(2, 3)}, mg.randn(1, 3), strict=True)
    with pytest.raises(ValueError, match="multiple dictionaries"):
        functional_call(lin, ({"weight": w}, {"weight": w}), x)
    with pytest.raises(TypeError, match="must be a Tensor"):
        functional_call(lin, {"weight": 1.0}, x)
    boom = nn.Linear(3, 2)
    with pytest.raises(ValueError):
        functional_call(boom, {"weight": mg.zeros(2, 4)}, mg.randn(1, 3))
    assert tuple(boom.weight.shape) == (2, 3) and isinstance(boom.weight, nn.Parameter)

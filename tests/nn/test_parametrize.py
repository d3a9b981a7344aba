"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm, orthogonal)
against PyTorch: forward, gradients, state_dict keys, assignment, removal, caching, errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import parametrizations as PZ
from minigrad.nn.utils import parametrize as P

from ._torch_compare import copy_torch_weights


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).mT


class Scale(nn.Module):
    def forward(self, x):
        return x * 2.0

    def right_inverse(self, y):
        return y / 2.0


def _linear_pair(torch, out_f=4, in_f=3):
    m, tm = nn.Linear(in_f, out_f, dtype=mg.float64), torch.nn.Linear(in_f, out_f).double()
    copy_torch_weights(m, tm)
    return m, tm


def _compare(m, tm, torch, x, seed=0):
    assert list(m.state_dict()) == list(tm.state_dict())
    y, ty = m(mg.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(mg.tensor(g)), ty.backward(torch.tensor(g))
    tgrads = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


def test_register_parametrization_matches_torch():
    torch = pytest.importorskip("torch")

    class TSymmetric(torch.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

    m, tm = _linear_pair(torch, 3, 3)
    weight = m.weight
    P.register_parametrization(m, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", TSymmetric())
    assert type(m).__name__ == "ParametrizedLinear" and isinstance(m, nn.Linear)
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight")
    assert not P.is_parametrized(m, "bias")
    assert m.parametrizations.weight.original is weight  # same object: optimizers keep it
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    _compare(m, tm, torch, np.random.default_rng(1).standard_normal((5, 3)))
    assert P.type_before_parametrizations(m) is nn.Linear
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and list(m.state_dict()) == ["bias", "weight"]
    assert m.weight is weight
    np.testing.assert_allclose(m.weight.detach().numpy(), w)


def test_chained_parametrizations_assignment_and_leave_unparametrized():
    m = nn.Linear(3, 3, dtype=mg.float64)
    original = m.weight.detach().numpy().copy()
    P.register_parametrization(m, "weight", Scale())
    P.register_parametrization(m, "weight", Scale())
    # The first right_inverse stored W / 2 (so m.weight was W); the second is appended.
    np.testing.assert_allclose(m.weight.detach().numpy(), 2 * original)
    target = mg.eye(3, dtype=mg.float64)
    m.weight = target  # right_inverse of both, into the same original tensor
    np.testing.assert_allclose(m.parametrizations.weight.original.detach().numpy(),
                               np.eye(3) / 4)
    np.testing.assert_allclose(m.weight.detach().numpy(), np.eye(3))
    P.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_allclose(m.weight.detach().numpy(), np.eye(3) / 4)
    assert type(m) is nn.Linear and "parametrizations" not in m._modules


def test_parametrized_buffer_and_cached():
    m = nn.BatchNorm1d(3, dtype=mg.float64)
    calls = []

    class Count(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x + 1.0

    P.register_parametrization(m, "running_mean", Count())
    assert "parametrizations.running_mean.original" in m.state_dict()
    calls.clear()
    with P.cached():
        a, b = m.running_mean, m.running_mean
    assert a is b and len(calls) == 1
    m.running_mean, m.running_mean
    assert len(calls) == 3


def test_parametrize_errors():
    m = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        P.register_parametrization(m, "nope", Scale())

    class Shrink(nn.Module):
        def forward(self, x):
            return x[:1]

    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(nn.Linear(3, 2), "weight", Shrink())
    P.register_parametrization(m, "weight", Symmetric() if False else Scale())
    P.register_parametrization(m, "weight", Shrink(), unsafe=True)
    assert tuple(m.weight.shape) == (1, 3)
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        m.weight = mg.zeros(1, 3)
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        P.remove_parametrizations(m, "bias")
    with pytest.raises(TypeError, match="must be an nn.Module"):
        P.register_parametrization(nn.Linear(2, 2), "weight", lambda x: x)


def test_gradcheck_through_parametrization():
    m = nn.Linear(3, 3, dtype=mg.float64)
    P.register_parametrization(m, "weight", Symmetric())
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(m, (x,))


# --- parametrizations.weight_norm / spectral_norm -----------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_matches_torch(dim):
    torch = pytest.importorskip("torch")
    m, tm = _linear_pair(torch)
    PZ.weight_norm(m, dim=dim), torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0",
                                    "parametrizations.weight.original1"]
    _compare(m, tm, torch, np.random.default_rng(2).standard_normal((5, 3)))
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(m, (x,))
    P.remove_parametrizations(m, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-12)


def test_spectral_norm_parametrization_matches_torch():
    torch = pytest.importorskip("torch")
    m = nn.Conv1d(3, 4, 2, dtype=mg.float64)
    tm = torch.nn.Conv1d(3, 4, 2).double()
    PZ.spectral_norm(m, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(tm, n_power_iterations=2)
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original",
                                    "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    copy_torch_weights(m, tm)
    x = np.random.default_rng(3).standard_normal((2, 3, 6))
    for training in (True, True, False):
        m.train(training), tm.train(training)
        m.zero_grad(), tm.zero_grad()
        _compare(m, tm, torch, x)
        np.testing.assert_allclose(m.parametrizations.weight[0]._u.numpy(),
                                   tm.parametrizations.weight[0]._u.numpy(), rtol=1e-10)
    # 15 power iterations at registration: sigma of the result is ~1.
    lin = PZ.spectral_norm(nn.Linear(5, 4, dtype=mg.float64)).eval()
    assert abs(np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)[0] - 1) < 1e-3
    vec = nn.Module()
    vec.w = nn.Parameter(mg.tensor([3.0, 4.0], dtype=mg.float64))
    PZ.spectral_norm(vec, "w")
    np.testing.assert_allclose(vec.w.detach().numpy(), [0.6, 0.8])
    with pytest.raises(IndexError, match="Dimension out of range"):
        PZ.spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        PZ.spectral_norm(nn.Linear(2, 2), "nope")


# --- orthogonal ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3)])
@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal_matches_torch(shape, omap, triv):
    torch = pytest.importorskip("torch")
    m, tm = _linear_pair(torch, *shape)
    PZ.orthogonal(m, orthogonal_map=omap, use_trivialization=triv)
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=omap, use_trivialization=triv)
    w = m.weight.detach().numpy()
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    if shape[0] == shape[1] or not triv:  # the non-square trivialization completes randomly
        np.testing.assert_allclose(w, tm.weight.detach().numpy(), atol=1e-12)
    with torch.no_grad():  # move away from the starting point, then compare everything
        for name, p in tm.named_parameters():
            if "original" in name and omap != "householder":
                p.add_(0.3 * torch.randn_like(p))
    copy_torch_weights(m, tm)
    _compare(m, tm, torch, np.random.default_rng(4).standard_normal((5, shape[1])))


def test_orthogonal_default_maps_gradcheck_and_errors():
    sq, tall = nn.Linear(3, 3, dtype=mg.float64), nn.Linear(2, 4, dtype=mg.float64)
    PZ.orthogonal(sq), PZ.orthogonal(tall)
    assert sq.parametrizations.weight[0].orthogonal_map == "matrix_exp"
    assert tall.parametrizations.weight[0].orthogonal_map == "householder"
    with mg.no_grad():
        sq.parametrizations.weight.original.add_(0.2 * mg.randn(3, 3, dtype=mg.float64))
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(sq, (x,))
    assert mg.gradgradcheck(lambda w: PZ.matrix_exp(w - w.mT), (mg.randn(3, 3, dtype=mg.float64,
                                                                         requires_grad=True),))
    f32 = PZ.orthogonal(nn.Linear(3, 3))
    assert f32.weight.dtype == mg.float32 and f32(mg.randn(2, 3)).dtype == mg.float32
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        PZ.orthogonal(nn.Linear(2, 2), orthogonal_map="svd")
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
        PZ.orthogonal(nn.Linear(2, 2), "bias")
    fixed = PZ.orthogonal(nn.Linear(2, 2), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        fixed.weight = mg.eye(2)


def test_matrix_exp_matches_torch_on_large_norm():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((2, 4, 4)) * 3
    np.testing.assert_allclose(PZ.matrix_exp(mg.tensor(a)).numpy(),
                               torch.matrix_exp(torch.tensor(a)).numpy(), rtol=1e-11, atol=1e-11)


def test_orthogonal_assignment_with_trivialization():
    torch = pytest.importorskip("torch")
    m, tm = _linear_pair(torch, 3, 3)
    PZ.orthogonal(m), torch.nn.utils.parametrizations.orthogonal(tm)
    q = np.linalg.qr(np.random.default_rng(6).standard_normal((3, 3)))[0]
    m.weight = mg.tensor(q)
    tm.weight = torch.tensor(q)
    np.testing.assert_allclose(m.weight.detach().numpy(), q, atol=1e-12)
    np.testing.assert_allclose(m.parametrizations.weight[0].base.numpy(),
                               tm.parametrizations.weight[0].base.numpy(), atol=1e-12)

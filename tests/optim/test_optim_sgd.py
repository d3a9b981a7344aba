"""SGD against torch.optim.SGD: 20-step trajectories, param groups, checkpoint resume."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD
from optim_oracle import compare_trajectory

CONFIGS = {
    "plain": dict(lr=0.1),
    "weight_decay": dict(lr=0.05, weight_decay=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "momentum_dampening": dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.01),
    "nesterov": dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02),
    "maximize": dict(lr=0.05, momentum=0.5, maximize=True),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_sgd_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    kwargs = CONFIGS[name]
    compare_trajectory(torch, lambda lib, ps: (lib.SGD(ps, **kwargs), None), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_param_groups_with_their_own_hyperparameters(dtype):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.SGD([{"params": ps[:2]},
                        {"params": ps[2:], "lr": 0.01, "nesterov": True, "dampening": 0.0}],
                       lr=0.1, momentum=0.9, dampening=0.3), None
    compare_trajectory(torch, build, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_resumes_from_state_dict_mid_trajectory(dtype, tmp_path):
    torch = pytest.importorskip("torch")

    def through_file(saved):
        mg.save(saved, tmp_path / "ckpt.npz")
        return mg.load(tmp_path / "ckpt.npz")

    def build(lib, ps):
        return lib.SGD([{"params": ps[:1], "lr": 0.02}, {"params": ps[1:]}], lr=0.05,
                       momentum=0.9, dampening=0.1, weight_decay=0.01), None
    compare_trajectory(torch, build, dtype, resume_at=10, checkpoint=through_file)
    compare_trajectory(torch, build, dtype, resume_at=10)  # in memory


def test_first_momentum_step_is_undampened():
    """PyTorch seeds the buffer with the raw gradient: dampening starts on step 2."""
    p = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = mg.tensor([1.0, -1.0], dtype=mg.float64)
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].numpy(), [1.0, -1.0])
    np.testing.assert_allclose(p.detach().numpy(), [0.9, 2.1], rtol=0, atol=1e-15)
    opt.step()  # buf = 0.9 * buf + 0.5 * g
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(), [1.4, -1.4], atol=1e-15)


def test_sgd_without_momentum_keeps_no_state():
    p = mg.randn(3, requires_grad=True)
    opt = SGD([p], lr=0.1)
    p.grad = mg.ones(3)
    opt.step()
    assert opt.state_dict()["state"] == {}


def test_nesterov_needs_momentum_and_zero_dampening():
    p = mg.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-0.1), "lr"), (dict(lr=0.1, momentum=-0.5), "momentum"),
    (dict(lr=0.1, weight_decay=-1e-4), "weight_decay"), (dict(lr=float("nan")), "lr")])
def test_sgd_rejects_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=f"SGD: invalid {message}"):
        SGD([mg.randn(2, requires_grad=True)], **kwargs)


def test_sgd_default_lr_is_pytorchs():
    assert SGD([mg.randn(2, requires_grad=True)]).param_groups[0]["lr"] == 1e-3

"""Adam and AdamW against torch.optim: 20-step trajectories, param groups, checkpoint resume."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adam, AdamW
from optim_oracle import (assert_state_dict_matches, compare_trajectory,
                          continue_from_torch_state_dict, file_checkpoint)

# Each config makes one detail of the update visible in the trajectory: a large eps
# (with small gradients) exposes where eps enters, betas=(0.5, .) takes lerp's
# second branch, weight decay separates coupled (Adam) from decoupled (AdamW).
ADAM_CONFIGS = {
    "default": dict(),
    "large_lr": dict(lr=0.05),
    "eps_placement": dict(lr=0.01, eps=0.3),
    "weight_decay": dict(lr=0.01, weight_decay=0.5),
    "low_beta1": dict(lr=0.02, betas=(0.5, 0.9)),
    "zero_beta1": dict(lr=0.02, betas=(0.0, 0.99)),
    "amsgrad": dict(lr=0.02, betas=(0.8, 0.9), amsgrad=True),
    "maximize": dict(lr=0.02, maximize=True, weight_decay=0.1),
}
ADAMW_CONFIGS = {
    "default": dict(),
    "strong_decay": dict(lr=0.05, weight_decay=0.5),
    "amsgrad": dict(lr=0.02, weight_decay=0.1, amsgrad=True, eps=0.1),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ADAM_CONFIGS))
def test_adam_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    kwargs = ADAM_CONFIGS[name]
    compare_trajectory(torch, lambda lib, ps: (lib.Adam(ps, **kwargs), None), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ADAMW_CONFIGS))
def test_adamw_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    kwargs = ADAMW_CONFIGS[name]
    compare_trajectory(torch, lambda lib, ps: (lib.AdamW(ps, **kwargs), None), dtype)


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_param_groups_with_their_own_hyperparameters(cls, dtype):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return getattr(lib, cls)([{"params": ps[:1], "lr": 0.05, "betas": (0.8, 0.95)},
                                  {"params": ps[1:], "weight_decay": 0.2, "eps": 0.05}],
                                 lr=0.01), None
    compare_trajectory(torch, build, dtype)


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_resumes_from_state_dict_mid_trajectory(cls, dtype, tmp_path):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return getattr(lib, cls)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.002}], lr=0.03,
                                 weight_decay=0.05, amsgrad=True), None
    compare_trajectory(torch, build, dtype, resume_at=10, checkpoint=file_checkpoint(tmp_path))
    compare_trajectory(torch, build, dtype, resume_at=10)


def test_state_dict_layout_matches_torch():
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.Adam([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.1}], amsgrad=True), None
    assert_state_dict_matches(torch, build, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"))


def test_adamw_is_decoupled_and_defaults_to_weight_decay_1e_2():
    p = mg.tensor([2.0], dtype=mg.float64, requires_grad=True)
    opt = AdamW([p], lr=0.1)
    assert opt.param_groups[0]["weight_decay"] == 1e-2
    p.grad = mg.tensor([0.0], dtype=mg.float64)
    opt.step()  # zero gradient: only the decay moves the weight, by exactly lr * wd * p
    np.testing.assert_allclose(p.detach().numpy(), [2.0 * (1 - 0.1 * 1e-2)], rtol=0, atol=1e-15)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9, float("nan"))])
def test_betas_out_of_range(betas):
    with pytest.raises(ValueError, match="beta parameter at index"):
        Adam([mg.randn(2, requires_grad=True)], betas=betas)


@pytest.mark.parametrize("betas", [0.9, (0.9,), ("a", 0.9)])
def test_betas_of_wrong_type(betas):
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam([mg.randn(2, requires_grad=True)], betas=betas)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1e-3), "lr"), (dict(eps=-1e-8), "eps"), (dict(weight_decay=-0.1), "weight_decay")])
def test_adam_rejects_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=f"Adam: invalid {message}"):
        Adam([mg.randn(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match=f"AdamW: invalid {message}"):
        AdamW([mg.randn(2, requires_grad=True)], **kwargs)


def test_loads_a_torch_adam_state_dict_and_continues_in_step():
    """PyTorch's layout (with its tensor 'step' and extra group flags) loads as is."""
    torch = pytest.importorskip("torch")
    ours, ours_p = continue_from_torch_state_dict(
        torch, lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1, amsgrad=True),
        lambda ps: Adam(ps, lr=1.0), before=5, after=5)
    assert ours.state[ours_p[0]]["step"] == 10 and ours.param_groups[0]["lr"] == 0.05
    assert ours.param_groups[0]["amsgrad"] is True

"""RMSprop against torch.optim.RMSprop: trajectories over every option combination, param
groups, checkpoint resume, state_dict layout and argument checks."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import RMSprop
from optim_oracle import (assert_state_dict_matches, compare_trajectory,
                          continue_from_torch_state_dict)

# Every combination of the switches that change the update's form, each with a large lr and
# a large eps so that where eps and the decay enter shows up in the trajectory.
COMBOS = list(itertools.product([0.0, 0.9], [False, True], [False, True], [0.0, 0.1]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum, centered, maximize, weight_decay", COMBOS)
def test_rmsprop_matches_torch_for_every_option_combination(momentum, centered, maximize,
                                                             weight_decay, dtype):
    torch = pytest.importorskip("torch")
    kwargs = dict(lr=0.01, alpha=0.9, eps=0.05, momentum=momentum, centered=centered,
                  maximize=maximize, weight_decay=weight_decay)
    compare_trajectory(torch, lambda lib, ps: (lib.RMSprop(ps, **kwargs), None), dtype)


@pytest.mark.parametrize("kwargs", [dict(), dict(alpha=0.3, centered=True),
                                    dict(alpha=0.0, momentum=0.5), dict(lr=0.1, eps=0.0)],
                         ids=["defaults", "low_alpha_lerp_branch", "zero_alpha", "zero_eps"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rmsprop_hyperparameter_edges_match_torch(kwargs, dtype):
    torch = pytest.importorskip("torch")
    compare_trajectory(torch, lambda lib, ps: (lib.RMSprop(ps, **kwargs), None), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_param_groups_with_their_own_hyperparameters(dtype):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.RMSprop([{"params": ps[:1], "lr": 0.05, "centered": True},
                            {"params": ps[1:], "momentum": 0.8, "alpha": 0.5}], lr=0.01), None
    compare_trajectory(torch, build, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_resumes_from_state_dict_mid_trajectory(dtype, tmp_path):
    torch = pytest.importorskip("torch")

    def through_file(saved):
        mg.save(saved, tmp_path / "ckpt.npz")
        return mg.load(tmp_path / "ckpt.npz")

    def build(lib, ps):
        return lib.RMSprop([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.002}], lr=0.03,
                           weight_decay=0.05, momentum=0.7, centered=True), None
    compare_trajectory(torch, build, dtype, resume_at=10, checkpoint=through_file)
    compare_trajectory(torch, build, dtype, resume_at=10)


def test_state_dict_layout_matches_torch():
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.RMSprop(ps, momentum=0.9, centered=True), None
    assert_state_dict_matches(torch, build, ("square_avg", "momentum_buffer", "grad_avg"))


def test_defaults_are_pytorchs():
    torch = pytest.importorskip("torch")
    ours = RMSprop([mg.randn(2, requires_grad=True)]).param_groups[0]
    theirs = torch.optim.RMSprop([torch.randn(2, requires_grad=True)]).param_groups[0]
    for key in ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"):
        assert ours[key] == theirs[key], key


def test_loads_a_torch_state_dict_and_continues_in_step():
    torch = pytest.importorskip("torch")
    ours, ours_p = continue_from_torch_state_dict(
        torch, lambda ps: torch.optim.RMSprop(ps, lr=0.02, momentum=0.5, centered=True),
        lambda ps: RMSprop(ps, lr=1.0), before=4, after=4)
    assert ours.state[ours_p[0]]["step"] == 8 and ours.param_groups[0]["centered"] is True
    assert ours.param_groups[0]["lr"] == 0.02


def test_writing_a_parameter_invalidates_graphs_that_saved_it():
    p = mg.randn(3, requires_grad=True)
    opt = RMSprop([p])
    (p * p).sum().backward()
    loss = (p * p).sum()  # saves p
    opt.step()
    with pytest.raises(RuntimeError):
        loss.backward()


@pytest.mark.parametrize("key", ["lr", "alpha", "eps", "weight_decay", "momentum"])
def test_rejects_negative_hyperparameters_as_torch(key):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.optim.RMSprop([torch.randn(2, requires_grad=True)], **{key: -0.1})
    with pytest.raises(ValueError, match=f"RMSprop: invalid {key} value -0.1"):
        RMSprop([mg.randn(2, requires_grad=True)], **{key: -0.1})


def test_rejects_non_numbers():
    with pytest.raises(TypeError, match="RMSprop: alpha must be a number"):
        RMSprop([mg.randn(2, requires_grad=True)], alpha="0.9")

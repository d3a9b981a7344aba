"""ExponentialLR, LinearLR, ReduceLROnPlateau, SequentialLR and ChainedScheduler against
torch.optim.lr_scheduler: identical lr sequences, parameter trajectories, checkpoint resume."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adam
from minigrad.optim.lr_scheduler import (ChainedScheduler, ExponentialLR, LinearLR,
                                         ReduceLROnPlateau, SequentialLR, StepLR)
from optim_oracle import compare_schedule, file_checkpoint
# the SCHEDULES tables' short names for the shared two-group builders
from optim_oracle import adam_two_groups as _adam
from optim_oracle import sgd_two_groups as _sgd
from optim_oracle import with_scheduler as _with


SCHEDULES = {
    "exponential": _with(_sgd, lambda L, o: L.ExponentialLR(o, gamma=0.87)),
    "linear_default_warmup": _with(_adam, lambda L, o: L.LinearLR(o)),
    "linear_cooldown": _with(_sgd, lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                                          total_iters=12)),
    "linear_to_zero": _with(_adam, lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.0,
                                                          total_iters=7)),
    "sequential_warmup_then_exponential": _with(_sgd, lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=4), L.ExponentialLR(o, gamma=0.9)],
        milestones=[4])),
    "sequential_three_with_cosine": _with(_adam, lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.5, total_iters=3), L.StepLR(o, step_size=2, gamma=0.5),
            L.CosineAnnealingLR(o, T_max=5, eta_min=0.001)], milestones=[3, 9])),
    "chained_exponential_and_linear": _with(_sgd, lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.2, total_iters=6), L.ExponentialLR(o, gamma=0.95)])),
    "chained_with_multistep": _with(_adam, lambda L, o: L.ChainedScheduler(
        [L.MultiStepLR(o, milestones=[3, 8], gamma=0.5), L.ExponentialLR(o, gamma=0.97)], o)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    compare_schedule(torch, SCHEDULES[name], dtype)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_resumes_from_a_checkpoint_mid_trajectory(name, tmp_path):
    torch = pytest.importorskip("torch")
    compare_schedule(torch, SCHEDULES[name], np.float64, resume_at=7,
                     checkpoint=file_checkpoint(tmp_path))


def _opt(lib, lr=0.1, groups=1):
    make = mg.randn if lib is mg.optim else __import__("torch").randn
    params = [{"params": [make(2, requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return lib.SGD(params, lr=lr)


def test_closed_form_epoch_jumps_match_torch():
    torch = pytest.importorskip("torch")
    for make in (lambda L, o: L.ExponentialLR(o, gamma=0.8),
                 lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6)):
        ours = make(mg.optim.lr_scheduler, _opt(mg.optim))
        theirs = make(torch.optim.lr_scheduler, _opt(torch.optim))
        for epoch in (3, 9, 1):
            ours.step(epoch)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                theirs.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("kwargs", [dict(start_factor=0.0), dict(start_factor=1.5),
                                    dict(end_factor=-0.1), dict(end_factor=1.1)])
def test_linear_rejects_factors_torch_rejects(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.optim.lr_scheduler.LinearLR(_opt(torch.optim), **kwargs)
    with pytest.raises(ValueError, match="LinearLR: the (starting|ending) multiplicative factor"):
        LinearLR(_opt(mg.optim), **kwargs)


# --- ReduceLROnPlateau --------------------------------------------------------------------

# A metric that improves, stalls, improves by less than the threshold, wobbles and recovers:
# enough to trigger cuts, cooldowns, the min_lr floor and (with large factors) the eps rule.
METRICS = [1.0, 0.9, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.7, 0.7, 0.71, 0.72, 0.72, 0.5, 0.5, 0.5,
           0.5, 0.5, 0.5, 0.49, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
PLATEAU_CONFIGS = {
    "defaults": dict(),
    "patience_2": dict(patience=2),
    "max_mode": dict(mode="max", patience=1, factor=0.5),
    "abs_threshold": dict(threshold=0.05, threshold_mode="abs", patience=1),
    "max_abs": dict(mode="max", threshold=0.01, threshold_mode="abs", patience=0),
    "cooldown": dict(patience=1, cooldown=3, factor=0.5),
    "min_lr_floor": dict(patience=0, factor=0.5, min_lr=0.03),
    "min_lr_per_group": dict(patience=0, factor=0.3, min_lr=[0.05, 0.001]),
    "eps_skips_tiny_cuts": dict(patience=0, factor=0.9, eps=0.005),
    "zero_patience_rel": dict(patience=0, threshold=0.2),
}


def _plateau_pair(torch, kwargs):
    ours_opt, theirs_opt = _opt(mg.optim, groups=2), _opt(torch.optim, groups=2)
    return (ours_opt, ReduceLROnPlateau(ours_opt, **kwargs),
            theirs_opt, torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs))


def _assert_same_plateau_state(ours, theirs, t):
    assert ours.get_last_lr() == theirs.get_last_lr(), f"epoch {t}"
    assert [g["lr"] for g in ours.optimizer.param_groups] == \
        [g["lr"] for g in theirs.optimizer.param_groups], f"epoch {t}"
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours, key) == getattr(theirs, key), f"epoch {t}: {key}"


@pytest.mark.parametrize("name", sorted(PLATEAU_CONFIGS))
def test_plateau_matches_torch(name):
    torch = pytest.importorskip("torch")
    metrics = METRICS if PLATEAU_CONFIGS[name].get("mode") != "max" else [-m for m in METRICS]
    _, ours, _, theirs = _plateau_pair(torch, PLATEAU_CONFIGS[name])
    _assert_same_plateau_state(ours, theirs, -1)
    cuts = 0
    for t, m in enumerate(metrics):
        before = ours.get_last_lr()
        ours.step(mg.tensor(m, dtype=mg.float64) if t % 2 else m)  # a 0-d tensor works too
        theirs.step(m)
        cuts += ours.get_last_lr() != before
        _assert_same_plateau_state(ours, theirs, t)
    assert cuts > 0  # every config is meant to cut at least once on this metric


def test_plateau_resumes_from_a_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    kwargs = dict(patience=1, cooldown=2, factor=0.5, min_lr=[0.01, 0.02])
    ours_opt, ours, _, theirs = _plateau_pair(torch, kwargs)
    for m in METRICS[:12]:
        ours.step(m)
        theirs.step(m)
    mg.save({"opt": ours_opt.state_dict(), "sched": ours.state_dict()}, tmp_path / "c.npz")
    saved = mg.load(tmp_path / "c.npz")
    fresh_opt = _opt(mg.optim, groups=2)
    fresh_opt.load_state_dict(saved["opt"])
    fresh = ReduceLROnPlateau(fresh_opt, mode="max")  # the checkpoint's mode wins
    fresh.load_state_dict(saved["sched"])
    assert fresh.mode == "min" and fresh.mode_worse == float("inf")
    for t, m in enumerate(METRICS[12:]):
        fresh.step(m)
        theirs.step(m)
        _assert_same_plateau_state(fresh, theirs, t)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(factor=1.0), ValueError, "factor should be < 1.0"),
    (dict(mode="avg"), ValueError, "mode 'avg' is unknown"),
    (dict(threshold_mode="pct"), ValueError, "threshold mode 'pct' is unknown"),
    (dict(min_lr=[0.1, 0.2, 0.3]), ValueError, "expected 2 min_lrs"),
])
def test_plateau_rejects_what_torch_rejects(kwargs, error, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        torch.optim.lr_scheduler.ReduceLROnPlateau(_opt(torch.optim, groups=2), **kwargs)
    with pytest.raises(error, match=f"ReduceLROnPlateau: {match}"):
        ReduceLROnPlateau(_opt(mg.optim, groups=2), **kwargs)


def test_plateau_min_lr_list_must_follow_new_groups():
    opt = SGD([mg.randn(2, requires_grad=True)], lr=0.1)
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [mg.randn(2, requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="ReduceLROnPlateau: the optimizer has 2 parameter"):
        sched.step(2.0)
    floor = ReduceLROnPlateau(opt, patience=0, min_lr=0.07)
    floor.step(1.0)
    floor.step(2.0)  # one default floor extends to the new group
    assert floor.get_last_lr() == [0.07, 0.07]


# --- composite schedulers -------------------------------------------------------------

def test_sequential_and_chained_refuse_what_torch_refuses():
    opt, other = _opt(mg.optim), _opt(mg.optim)
    with pytest.raises(ValueError, match="SequentialLR expects at least one scheduler"):
        SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="one milestone fewer than schedulers, got 2 .* 2 mile"):
        SequentialLR(opt, [ExponentialLR(opt, 0.9), StepLR(opt, 2)], milestones=[2, 4])
    with pytest.raises(ValueError, match="SequentialLR expects all schedulers to belong to the "
                                         "same optimizer"):
        SequentialLR(opt, [ExponentialLR(opt, 0.9), StepLR(other, 2)], milestones=[3])
    with pytest.raises(ValueError, match="ChainedScheduler does not support ReduceLROnPlateau"):
        ChainedScheduler([ExponentialLR(opt, 0.9), ReduceLROnPlateau(opt)])
    with pytest.raises(TypeError, match="ChainedScheduler: the scheduler at index 1"):
        ChainedScheduler([ExponentialLR(opt, 0.9), object()])


def test_chained_state_dict_nests_each_schedulers_state():
    opt = Adam([mg.randn(2, requires_grad=True)], lr=1.0)
    chain = ChainedScheduler([ExponentialLR(opt, 0.5), LinearLR(opt, total_iters=2)])
    for _ in range(3):
        chain.step()
    state = chain.state_dict()
    assert [s["last_epoch"] for s in state["_schedulers"]] == [3, 3]
    assert "optimizer" not in state and all("optimizer" not in s for s in state["_schedulers"])
    opt2 = Adam([mg.randn(2, requires_grad=True)], lr=1.0)
    fresh = ChainedScheduler([ExponentialLR(opt2, 0.1), LinearLR(opt2, total_iters=2)])
    fresh.load_state_dict(state)
    assert fresh._schedulers[0].gamma == 0.5 and fresh._schedulers[1].last_epoch == 3
    assert fresh.get_last_lr() == chain.get_last_lr()

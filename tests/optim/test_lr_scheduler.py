"""Learning-rate schedulers against torch.optim.lr_scheduler: the lr (and cycled momentum) of
every group at every step is identical, and so is the parameter trajectory."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adam, Optimizer
from minigrad.optim.lr_scheduler import (CosineAnnealingLR, LambdaLR, MultiStepLR, OneCycleLR,
                                         StepLR)
from optim_oracle import compare_trajectory, file_checkpoint
from optim_oracle import two_groups as _groups


class WarmupThenDecay:
    """A callable object: LambdaLR saves its attributes (its state), not its code."""

    def __init__(self, warmup):
        self.warmup = warmup

    def __call__(self, epoch):
        return (epoch + 1) / self.warmup if epoch < self.warmup else 0.9 ** (epoch - self.warmup)


SCHEDULES = {
    "step": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)))(
        lib.SGD(_groups(ps), lr=0.1, momentum=0.9)),
    "multistep": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.MultiStepLR(
        o, milestones=[2, 5, 5, 11], gamma=0.3)))(lib.Adam(_groups(ps), lr=0.05)),
    "cosine": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.CosineAnnealingLR(
        o, T_max=7, eta_min=0.001)))(lib.SGD(_groups(ps), lr=0.1, momentum=0.5)),
    "lambda": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.LambdaLR(
        o, lambda e: 0.93 ** e)))(lib.AdamW(_groups(ps), lr=0.05)),
    "lambda_per_group": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.LambdaLR(
        o, [WarmupThenDecay(4), lambda e: 1.0 / (1 + e)])))(lib.SGD(_groups(ps), lr=0.1)),
    "onecycle_sgd": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.OneCycleLR(
        o, max_lr=[0.1, 0.05], total_steps=20)))(lib.SGD(_groups(ps), lr=0.1, momentum=0.9)),
    "onecycle_adam": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.OneCycleLR(
        o, max_lr=0.05, epochs=4, steps_per_epoch=5)))(lib.Adam(_groups(ps))),
    "onecycle_three_phase_linear": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=25, pct_start=0.25, anneal_strategy="linear",
        three_phase=True, div_factor=10.0, final_div_factor=100.0, base_momentum=0.8,
        max_momentum=[0.9, 0.99])))(lib.SGD(_groups(ps), lr=0.1, momentum=0.9)),
    "onecycle_no_momentum": lambda lib, ps: (lambda o: (o, lib.lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=20, cycle_momentum=False)))(lib.AdamW(_groups(ps))),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    compare_trajectory(torch, SCHEDULES[name], dtype)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_resumes_from_a_checkpoint_mid_trajectory(name, tmp_path):
    torch = pytest.importorskip("torch")

    compare_trajectory(torch, SCHEDULES[name], np.float64, resume_at=10,
                       checkpoint=file_checkpoint(tmp_path))


def _sgd(lr=0.1, **kwargs):
    return SGD([mg.randn(2, requires_grad=True)], lr=lr, **kwargs)


def test_construction_performs_step_zero_and_get_last_lr():
    opt = _sgd(lr=0.1)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.1]
    assert opt.param_groups[0]["initial_lr"] == 0.1
    lrs = []
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [0.1, 0.05, 0.05, 0.025, 0.025]
    assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]


def test_step_with_epoch_uses_the_closed_form():
    opt = _sgd(lr=1.0)
    sched = CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    sched.step(5)
    assert sched.last_epoch == 5
    assert sched.get_last_lr()[0] == 0.1 + (1.0 - 0.1) * (1 + math.cos(math.pi * 5 / 10)) / 2
    multi = MultiStepLR(_sgd(lr=1.0), milestones=[3, 3, 6], gamma=0.5)
    multi.step(4)
    assert multi.get_last_lr() == [0.25]


def test_state_dict_round_trip_restores_counter_and_callable_state(tmp_path):
    opt = _sgd()
    fn = WarmupThenDecay(3)
    sched = LambdaLR(opt, fn)
    for _ in range(4):
        sched.step()
    fn.warmup = 5  # the callable's attribute is part of the saved state
    mg.save({"sched": sched.state_dict()}, tmp_path / "s.npz")
    fresh_fn = WarmupThenDecay(99)
    fresh = LambdaLR(_sgd(), fresh_fn)
    fresh.load_state_dict(mg.load(tmp_path / "s.npz")["sched"])
    assert fresh.last_epoch == 4 and fresh_fn.warmup == 5
    assert fresh.get_last_lr() == sched.get_last_lr()

    multi = MultiStepLR(_sgd(lr=1.0), milestones=[2, 2, 4], gamma=0.5)
    mg.save(multi.state_dict(), tmp_path / "m.npz")
    other = MultiStepLR(_sgd(lr=1.0), milestones=[100])
    other.load_state_dict(mg.load(tmp_path / "m.npz"))
    assert sorted(other.milestones.elements()) == [2, 2, 4]
    lrs = []
    for _ in range(4):
        other.step()
        lrs.append(other.get_last_lr()[0])
    assert lrs == [1.0, 0.25, 0.25, 0.125]


def test_lambda_state_dict_leaves_out_plain_functions():
    sched = LambdaLR(_sgd(), lambda e: 1.0)
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None] and "optimizer" not in state


def test_onecycle_refuses_to_step_past_total_steps():
    opt = _sgd()
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="tried to step 4 times.*total steps is 3"):
        sched.step()


def test_onecycle_defaults_are_pytorchs():
    opt = Adam([mg.randn(2, requires_grad=True)])
    OneCycleLR(opt, max_lr=0.25, total_steps=100)
    group = opt.param_groups[0]
    assert group["initial_lr"] == 0.25 / 25.0 and group["min_lr"] == 0.25 / 25.0 / 1e4
    # step 0 is the cosine at pct=0, equal to the start up to rounding (in PyTorch as well)
    assert math.isclose(group["lr"], group["initial_lr"], rel_tol=1e-14)
    assert math.isclose(group["betas"][0], 0.95, rel_tol=1e-14) and group["betas"][1] == 0.999
    assert (group["max_momentum"], group["base_momentum"]) == (0.95, 0.85)


class _NoMomentum(Optimizer):
    def __init__(self, params):
        super().__init__(params, dict(lr=0.1))


@pytest.mark.parametrize("make, error, message", [
    (lambda: StepLR(_sgd(), step_size=0), ValueError, "step_size"),
    (lambda: StepLR("sgd", step_size=2), TypeError, "expected an Optimizer"),
    (lambda: MultiStepLR(_sgd(), milestones=[1.5]), TypeError, "milestones must be integers"),
    (lambda: CosineAnnealingLR(_sgd(), T_max=0), ValueError, "T_max"),
    (lambda: LambdaLR(_sgd(), [lambda e: 1.0, lambda e: 1.0]), ValueError, "expected 1 lr_lambdas"),
    (lambda: LambdaLR(_sgd(), 0.5), TypeError, "callable"),
    (lambda: OneCycleLR(_sgd(), max_lr=0.1), ValueError, "total_steps OR"),
    (lambda: OneCycleLR(_sgd(), max_lr=0.1, total_steps=0), ValueError, "total_steps"),
    (lambda: OneCycleLR(_sgd(), max_lr=0.1, total_steps=10, pct_start=1.5), ValueError,
     "pct_start"),
    (lambda: OneCycleLR(_sgd(), max_lr=0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy"),
    (lambda: OneCycleLR(_sgd(), max_lr=[0.1, 0.2], total_steps=10), ValueError,
     "expected 1 values for max_lr"),
    (lambda: OneCycleLR(_NoMomentum([mg.randn(2, requires_grad=True)]), max_lr=0.1,
                        total_steps=10), ValueError, "momentum or beta1"),
    (lambda: StepLR(_sgd(), step_size=2, last_epoch=3), KeyError, "initial_lr"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_closed_form_agrees_with_torch_when_jumping_epochs():
    torch = pytest.importorskip("torch")
    ours_opt = _sgd(lr=0.3)
    theirs_opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.3)
    ours = [StepLR(ours_opt, 3, 0.5)]
    theirs = [torch.optim.lr_scheduler.StepLR(theirs_opt, 3, 0.5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (4, 9, 2):
            ours[0].step(epoch)
            theirs[0].step(epoch)
            assert ours[0].get_last_lr() == theirs[0].get_last_lr()

"""ConstantLR, PolynomialLR, MultiplicativeLR, CosineAnnealingWarmRestarts and CyclicLR against
torch.optim.lr_scheduler: identical lr (and cycled momentum / beta1) sequences and parameter
trajectories, inside SequentialLR / ChainedScheduler too, checkpoint resume, fractional epochs
and argument checks."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adagrad
from minigrad.optim.lr_scheduler import (ChainedScheduler, ConstantLR,
                                         CosineAnnealingWarmRestarts, CyclicLR,
                                         MultiplicativeLR, PolynomialLR, SequentialLR)
from optim_oracle import compare_schedule, file_checkpoint
# the SCHEDULES tables' short names for the shared two-group builders
from optim_oracle import adam_two_groups as _adam
from optim_oracle import sgd_two_groups as _sgd
from optim_oracle import two_groups as _groups
from optim_oracle import with_scheduler as _with


def _adagrad(lib, ps):
    return lib.Adagrad(_groups(ps), lr=0.05)


def _halve_every_third(epoch):
    return 0.5 if epoch % 3 == 0 else 1.0


class Decay:
    """A callable object: its attribute is state that a checkpoint carries."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate ** x


SCHEDULES = {
    "constant_default": _with(_sgd, lambda L, o: L.ConstantLR(o)),
    "constant_half_3": _with(_adam, lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=3)),
    "constant_one": _with(_sgd, lambda L, o: L.ConstantLR(o, factor=1.0, total_iters=2)),
    "polynomial_default": _with(_sgd, lambda L, o: L.PolynomialLR(o)),
    "polynomial_square_8": _with(_adam, lambda L, o: L.PolynomialLR(o, total_iters=8, power=2.0)),
    "polynomial_sqrt_30": _with(_sgd, lambda L, o: L.PolynomialLR(o, total_iters=30, power=0.5)),
    "multiplicative": _with(_sgd, lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95)),
    "multiplicative_per_group": _with(_adam, lambda L, o: L.MultiplicativeLR(
        o, [_halve_every_third, lambda e: 1.0 - 0.01 * e])),
    "warm_restarts_3": _with(_sgd, lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3)),
    "warm_restarts_mult2": _with(_adam, lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=2, T_mult=2, eta_min=0.001)),
    "warm_restarts_mult3": _with(_sgd, lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=1, T_mult=3, eta_min=0.01)),
    "cyclic_triangular_sgd_momentum": _with(_sgd, lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=2)),
    "cyclic_triangular2_adam_beta1": _with(_adam, lambda L, o: L.CyclicLR(
        o, base_lr=[0.01, 0.002], max_lr=[0.05, 0.02], step_size_up=2, mode="triangular2",
        base_momentum=[0.7, 0.6], max_momentum=[0.95, 0.9])),
    "cyclic_exp_range": _with(_sgd, lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.2, step_size_up=4, mode="exp_range", gamma=0.9)),
    "cyclic_scale_fn_cycle": _with(_sgd, lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3,
        scale_fn=lambda x: 1.0 / x)),
    "cyclic_scale_fn_iterations": _with(_adam, lambda L, o: L.CyclicLR(
        o, base_lr=0.001, max_lr=0.03, step_size_up=3, scale_fn=Decay(0.95),
        scale_mode="iterations")),
    "cyclic_no_momentum_adagrad": _with(_adagrad, lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False)),
    "cyclic_down_only_sgd": _with(_sgd, lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=1, step_size_down=0.5)),
    # Composition, as torch composes them (a later scheduler of a SequentialLR restarts at its
    # epoch 0 through the closed form, or get_lr where there is none).
    "sequential_constant_then_polynomial": _with(_sgd, lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.1, total_iters=10), L.PolynomialLR(o, total_iters=10)],
        milestones=[4])),
    "sequential_linear_then_warm_restarts": _with(_adam, lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.2, total_iters=4),
            L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)], milestones=[5])),
    "sequential_multiplicative_then_cyclic": _with(_sgd, lambda L, o: L.SequentialLR(
        o, [L.MultiplicativeLR(o, lambda e: 0.9),
            L.CyclicLR(o, base_lr=0.01, max_lr=0.05, step_size_up=2)], milestones=[6])),
    "chained_constant_and_multiplicative": _with(_adam, lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.25, total_iters=4), L.MultiplicativeLR(o, lambda e: 0.97)])),
    "chained_warm_restarts_and_constant": _with(_sgd, lambda L, o: L.ChainedScheduler(
        [L.CosineAnnealingWarmRestarts(o, T_0=4), L.ConstantLR(o, factor=0.5, total_iters=3)])),
    "chained_exponential_and_cyclic": _with(_sgd, lambda L, o: L.ChainedScheduler(
        [L.ExponentialLR(o, gamma=0.9), L.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                    step_size_up=3)], o)),
    "chained_polynomial_and_step": _with(_adam, lambda L, o: L.ChainedScheduler(
        [L.PolynomialLR(o, total_iters=12, power=1.5), L.StepLR(o, step_size=3, gamma=0.5)])),
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


def _opt(lib, lr=0.1, groups=1, cls="SGD", **kwargs):
    make = mg.randn if lib is mg.optim else __import__("torch").randn
    params = [{"params": [make(2, requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return getattr(lib, cls)(params, lr=lr, **kwargs)


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(T_mult):
    """step(epoch) with fractional epochs, forwards across restarts and back again."""
    torch = pytest.importorskip("torch")
    ours = CosineAnnealingWarmRestarts(_opt(mg.optim, groups=2), T_0=3, T_mult=T_mult,
                                       eta_min=0.005)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        _opt(torch.optim, groups=2), T_0=3, T_mult=T_mult, eta_min=0.005)
    epochs = [i / 4 for i in range(0, 60, 3)] + [2.5, 0.0, 7, 13.75, 1.2]
    for k, epoch in enumerate(epochs):
        ours.step(epoch)
        theirs.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr(), (k, epoch)
        for key in ("last_epoch", "T_cur", "T_i"):
            assert getattr(ours, key) == getattr(theirs, key), (k, epoch, key)
        if k % 4 == 3:  # interleave plain steps, which continue from the fractional position
            ours.step()
            theirs.step()
            assert ours.get_last_lr() == theirs.get_last_lr(), (k, "step()")


@pytest.mark.parametrize("make", [
    lambda L, o: L.ConstantLR(o, factor=0.3, total_iters=4),
    lambda L, o: L.PolynomialLR(o, total_iters=6, power=1.7),
    lambda L, o: L.MultiplicativeLR(o, lambda e: 0.8),
    lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3),
], ids=["constant", "polynomial", "multiplicative", "cyclic"])
def test_epoch_jumps_match_torch(make):
    """step(epoch): the closed form where torch has one, get_lr where it does not."""
    torch = pytest.importorskip("torch")
    ours = make(mg.optim.lr_scheduler, _opt(mg.optim, groups=2))
    theirs = make(torch.optim.lr_scheduler, _opt(torch.optim, groups=2))
    for epoch in (3, 9, 1, 4, 0, 5):
        ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            theirs.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr(), epoch
        assert ours.last_epoch == theirs.last_epoch


def test_cyclic_momentum_and_betas_follow_torch_from_construction():
    torch = pytest.importorskip("torch")
    for cls, key in (("SGD", "momentum"), ("Adam", "betas"), ("NAdam", "betas")):
        ours_opt, theirs_opt = _opt(mg.optim, cls=cls), _opt(torch.optim, cls=cls)
        ours = CyclicLR(ours_opt, 0.01, 0.1, step_size_up=2, base_momentum=0.5)
        theirs = torch.optim.lr_scheduler.CyclicLR(theirs_opt, 0.01, 0.1, step_size_up=2,
                                                   base_momentum=0.5)
        for _ in range(6):
            for k in (key, "lr", "max_momentum", "base_momentum"):
                assert ours_opt.param_groups[0][k] == theirs_opt.param_groups[0][k], (cls, k)
            ours.step()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                theirs.step()


def test_cyclic_state_dict_keeps_a_callable_objects_state_and_drops_functions(tmp_path):
    opt = SGD([mg.randn(2, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = CyclicLR(opt, 0.01, 0.1, step_size_up=2, scale_fn=Decay(0.5))
    for _ in range(3):
        sched.step()
    mg.save(sched.state_dict(), tmp_path / "s.npz")
    state = mg.load(tmp_path / "s.npz")
    assert state["_scale_fn_custom"] == {"rate": 0.5} and "optimizer" not in state
    fresh_opt = SGD([mg.randn(2, requires_grad=True)], lr=0.1, momentum=0.9)
    fresh = CyclicLR(fresh_opt, 0.01, 0.1, step_size_up=2, scale_fn=Decay(0.9))
    fresh.load_state_dict(state)
    assert fresh._scale_fn_custom.rate == 0.5 and fresh.last_epoch == 3
    sched.step()
    fresh.step()
    assert fresh.get_last_lr() == sched.get_last_lr()
    plain = CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None


def test_multiplicative_state_dict_keeps_a_callable_objects_state():
    opt = SGD([mg.randn(2, requires_grad=True)], lr=1.0)
    sched = MultiplicativeLR(opt, Decay(0.5))
    sched.step()
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}]
    other = MultiplicativeLR(SGD([mg.randn(2, requires_grad=True)], lr=1.0), Decay(0.1))
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.5 and other.last_epoch == 1


ERRORS = [
    ("ConstantLR", dict(factor=1.5), ValueError, "ConstantLR: the constant multiplicative"),
    ("ConstantLR", dict(factor=-0.1), ValueError, "ConstantLR: the constant multiplicative"),
    ("CosineAnnealingWarmRestarts", dict(T_0=0), ValueError, "expected a positive integer T_0"),
    ("CosineAnnealingWarmRestarts", dict(T_0=2.5), ValueError, "expected a positive integer"),
    ("CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=0), ValueError, "integer T_mult >= 1"),
    ("CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=1.5), ValueError, "integer T_mult >= 1"),
    ("CosineAnnealingWarmRestarts", dict(T_0=2, eta_min="0"), ValueError, "float or int eta_min"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, mode="sine"), ValueError, "mode 'sine' is "
     "invalid and scale_fn is None"),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1), ValueError, "expected 1 values for "
     "base_lr"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1, 0.2, 0.3]), ValueError, "expected 1 values for "
     "max_lr"),
    ("MultiplicativeLR", dict(lr_lambda=0.9), TypeError, "MultiplicativeLR: lr_lambda should be "
     "a function, got float"),
    ("MultiplicativeLR", dict(lr_lambda=[abs, abs]), ValueError, "MultiplicativeLR: expected 1 "
     "lr_lambdas, got 2"),
]


@pytest.mark.parametrize("name, kwargs, error, match", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_rejects_what_torch_rejects(name, kwargs, error, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        getattr(torch.optim.lr_scheduler, name)(_opt(torch.optim), **kwargs)
    with pytest.raises(error, match=match):
        getattr(mg.optim.lr_scheduler, name)(_opt(mg.optim), **kwargs)


def test_cyclic_momentum_needs_an_optimizer_with_momentum_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.optim.lr_scheduler.CyclicLR(_opt(torch.optim, cls="Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match="CyclicLR: the optimizer \\(Adagrad\\) must support "
                                         "momentum or beta1"):
        CyclicLR(Adagrad([mg.randn(2, requires_grad=True)]), 0.01, 0.1)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(step_size_up=0), ValueError, "CyclicLR: expected a positive step_size_up, got 0"),
    (dict(step_size_down=-1), ValueError, "CyclicLR: expected a positive step_size_down"),
    (dict(scale_fn=3), TypeError, "CyclicLR: scale_fn must be callable, got int"),
    (dict(scale_fn=abs, scale_mode="epoch"), ValueError, "CyclicLR: scale_mode must be"),
])
def test_cyclic_rejects_sizes_and_scale_arguments_clearly(kwargs, error, match):
    with pytest.raises(error, match=match):
        CyclicLR(_opt(mg.optim, momentum=0.9), 0.01, 0.1, **kwargs)


def test_warm_restarts_rejects_bad_epochs_as_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(torch.optim), T_0=2)
    with pytest.raises(ValueError):
        theirs.step(-1)
    ours = CosineAnnealingWarmRestarts(_opt(mg.optim), T_0=2)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts.step: expected a "
                                         "non-negative epoch, got -1"):
        ours.step(-1)
    with pytest.raises(TypeError, match="CosineAnnealingWarmRestarts.step: epoch must be a"):
        ours.step("3")


def test_polynomial_rejects_a_non_positive_total_iters():
    with pytest.raises(ValueError, match="PolynomialLR: expected a positive total_iters, got 0"):
        PolynomialLR(_opt(mg.optim), total_iters=0)


def test_new_schedulers_compose_in_sequential_and_chained_and_plateau_stays_refused():
    opt = _opt(mg.optim, momentum=0.9)
    seq = SequentialLR(opt, [ConstantLR(opt), CosineAnnealingWarmRestarts(opt, T_0=2),
                             CyclicLR(opt, 0.01, 0.1, step_size_up=2)], milestones=[2, 5])
    chain = ChainedScheduler([MultiplicativeLR(opt, lambda e: 0.9), PolynomialLR(opt)])
    for _ in range(8):
        seq.step()
        chain.step()
    assert seq.last_epoch == 8 and chain.get_last_lr() == [opt.param_groups[0]["lr"]]

"""Run the same optimisation in minigrad and in torch.optim, and compare step for step.

A trajectory starts from fixed parameter values. At step t each parameter's
gradient is ``c[t] + 0.5 * p`` (a fixed random vector plus a pull that depends on
the parameter, so momentum, weight decay and adaptivity all shape the path);
some parameters get no gradient on some steps (``grad is None``) to check that
both frameworks skip them the same way.

``build(lib, params)`` makes ``(optimizer, scheduler_or_None)`` with ``lib``
being ``minigrad.optim`` or ``torch.optim``, so one lambda describes both.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

import minigrad as mg
import minigrad.optim as mg_optim

SHAPES = [(3, 4), (4,), (2, 3)]
STEPS = 20
# Rounding differs between frameworks (FMA, lerp, SIMD sqrt), never the algebra.
TOLERANCE = {np.float64: dict(rtol=1e-11, atol=1e-13), np.float32: dict(rtol=2e-5, atol=2e-6)}

Build = Callable[[Any, list], tuple]


def initial_values(dtype: Any, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def gradient_plan(dtype: Any, steps: int = STEPS, seed: int = 1) -> list[list[np.ndarray | None]]:
    """c[t][i], or None where parameter i has no gradient at step t (param 2 on odd steps)."""
    rng = np.random.default_rng(seed)
    plan = []
    for t in range(steps):
        row = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        if t % 2 == 1:
            row[2] = None
        plan.append(row)
    return plan


def _grad(c: np.ndarray | None, p: np.ndarray) -> np.ndarray | None:
    return None if c is None else c + 0.5 * p


class MinigradRun:
    """A minigrad optimisation that can be checkpointed and resumed."""

    def __init__(self, init: list[np.ndarray], build: Build):
        self.params = [mg.tensor(a.copy(), requires_grad=True) for a in init]
        self.opt, self.sched = build(mg_optim, self.params)

    def values(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.params]

    def step(self, row: list) -> None:
        for p, c in zip(self.params, row):
            g = _grad(c, p.detach().numpy())
            p.grad = None if g is None else mg.tensor(g)
        self.opt.step()
        if self.sched is not None:
            self.sched.step()


class TorchRun:
    def __init__(self, torch: Any, init: list[np.ndarray], build: Build):
        self.torch = torch
        self.params = [torch.tensor(a.copy(), requires_grad=True) for a in init]
        self.opt, self.sched = build(torch.optim, self.params)

    def values(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.params]

    def step(self, row: list) -> None:
        for p, c in zip(self.params, row):
            g = _grad(c, p.detach().numpy())
            p.grad = None if g is None else self.torch.tensor(g)
        self.opt.step()
        if self.sched is not None:
            self.sched.step()


def group_values(opt: Any, key: str) -> list:
    return [g[key] for g in opt.param_groups]


def assert_same_step(ours: MinigradRun, ref: TorchRun, dtype: Any, t: int) -> None:
    for i, (a, b) in enumerate(zip(ours.values(), ref.values())):
        assert a.dtype == np.dtype(dtype), f"step {t}: param {i} became {a.dtype}"
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype], err_msg=f"step {t}, param {i}")
    # learning rates (and cycled momenta) are pure Python arithmetic: identical, not close
    assert group_values(ours.opt, "lr") == group_values(ref.opt, "lr"), f"step {t}: lr"
    for key in ("momentum", "betas"):
        if key in ours.opt.param_groups[0]:
            theirs = [tuple(v) if isinstance(v, tuple) else v for v in group_values(ref.opt, key)]
            assert group_values(ours.opt, key) == theirs, f"step {t}: {key}"
    if ours.sched is not None:
        assert ours.sched.get_last_lr() == ref.sched.get_last_lr(), f"step {t}: get_last_lr"


def two_groups(ps: list) -> list[dict]:
    """The scheduler tests' two parameter groups: the first at the optimizer's lr, the second
    at lr 0.02, so a per-group schedule shows."""
    return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.02}]


def sgd_two_groups(lib: Any, ps: list) -> Any:
    return lib.SGD(two_groups(ps), lr=0.1, momentum=0.9)


def adam_two_groups(lib: Any, ps: list) -> Any:
    return lib.Adam(two_groups(ps), lr=0.05)


def with_scheduler(opt_factory: Callable[[Any, list], Any],
                   sched_factory: Callable[[Any, Any], Any]) -> Build:
    """build(lib, ps) for the oracle: an optimizer over two groups and a scheduler on it."""
    def build(lib: Any, ps: list) -> tuple:
        opt = opt_factory(lib, ps)
        return opt, sched_factory(lib.lr_scheduler, opt)
    return build


def file_checkpoint(tmp_path: Any) -> Callable[[dict], dict]:
    """A ``checkpoint`` for compare_trajectory: save to a file with mg.save and load it back."""
    def through_file(saved: dict) -> dict:
        mg.save(saved, tmp_path / "ckpt.npz")
        return mg.load(tmp_path / "ckpt.npz")
    return through_file


def compare_trajectory(torch: Any, build: Build, dtype: Any, steps: int = STEPS,
                       resume_at: int | None = None,
                       checkpoint: Callable[[dict], dict] | None = None) -> MinigradRun:
    """Run both for ``steps``; with ``resume_at``, minigrad is checkpointed there and resumed.

    Resuming builds fresh parameters and a fresh optimizer (and scheduler), then
    loads the state dicts after passing them through ``checkpoint`` (e.g. a save
    and load through a file), exactly as a restarted training script would.
    """
    init = initial_values(dtype)
    plan = gradient_plan(dtype, steps)
    ours, ref = MinigradRun(init, build), TorchRun(torch, init, build)
    assert_same_step(ours, ref, dtype, -1)
    for t in range(steps):
        if t == resume_at:
            saved = {"params": ours.values(), "opt": ours.opt.state_dict(),
                     "sched": None if ours.sched is None else ours.sched.state_dict()}
            if checkpoint is not None:
                saved = checkpoint(saved)
            resumed = MinigradRun(saved["params"], build)
            resumed.opt.load_state_dict(saved["opt"])
            if resumed.sched is not None:
                resumed.sched.load_state_dict(saved["sched"])
            ours = resumed
        ours.step(plan[t])
        ref.step(plan[t])
        assert_same_step(ours, ref, dtype, t)
    return ours


def compare_schedule(torch: Any, build: Build, dtype: Any, **kwargs: Any) -> MinigradRun:
    """compare_trajectory for a scheduler, with torch's "lr_scheduler.step() before
    optimizer.step()" UserWarnings (which some schedulers' construction sets off) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return compare_trajectory(torch, build, dtype, **kwargs)


def assert_same_on_strict_device(host: list, make_opt: Callable[[list], Any], steps: int,
                                  next_grad: Callable[[tuple], Any]) -> None:
    """Step an optimizer over the cpu parameters ``host`` and one over copies on the 'strict'
    test device (which fails on any NumPy call that bypasses the backend) with the same
    gradients, ``next_grad(shape)`` on the cpu; the results must be bit-identical."""
    dev = [mg.tensor(p.detach().numpy(), device="strict", requires_grad=True) for p in host]
    opts = make_opt(host), make_opt(dev)
    for _ in range(steps):
        for a, b in zip(host, dev):
            g = next_grad(a.shape)
            a.grad, b.grad = g, g.to("strict")
        for opt in opts:
            opt.step()
    for a, b in zip(host, dev):
        assert b.device == "strict"
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().cpu().numpy())


def continue_from_torch_state_dict(torch: Any, make_theirs: Callable[[list], Any],
                                   make_ours: Callable[[list], Any], before: int,
                                   after: int) -> tuple[Any, list]:
    """A checkpoint written by torch resumes here: torch steps ``before`` times, its
    state_dict (PyTorch's own layout, tensors converted) loads into ``make_ours``'s optimizer
    over copies of the parameters, then both step ``after`` more times and must agree at
    every step. Returns (our optimizer, our parameters) for checks of the loaded state."""
    rng = np.random.default_rng(3)
    init = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    theirs_p = [torch.tensor(a, requires_grad=True) for a in init]
    theirs = make_theirs(theirs_p)

    def grads(t: int) -> list:
        return [np.random.default_rng(t).standard_normal(a.shape) for a in init]

    for t in range(before):
        for p, g in zip(theirs_p, grads(t)):
            p.grad = torch.tensor(g)
        theirs.step()
    sd = theirs.state_dict()
    converted = {"state": {i: {k: mg.tensor(v.numpy()) for k, v in s.items()}
                           for i, s in sd["state"].items()},
                 "param_groups": sd["param_groups"]}
    ours_p = [mg.tensor(p.detach().numpy(), requires_grad=True) for p in theirs_p]
    ours = make_ours(ours_p)
    ours.load_state_dict(converted)
    for t in range(before, before + after):
        for p, q, g in zip(ours_p, theirs_p, grads(t)):
            p.grad, q.grad = mg.tensor(g), torch.tensor(g)
        ours.step()
        theirs.step()
        for p, q in zip(ours_p, theirs_p):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(),
                                       **TOLERANCE[np.float64], err_msg=f"step {t}")
    return ours, ours_p


def assert_state_dict_matches(torch: Any, build: Build, keys: tuple, steps: int = 3) -> None:
    """After ``steps`` unit-gradient steps, minigrad's state_dict has torch's layout: the same
    state indices and per-parameter keys in the same order, the step count, the ``keys``
    tensors (float32, like the parameters, and equal to torch's) and every group value."""
    ours_p = [mg.randn(2, 3, requires_grad=True), mg.randn(3, requires_grad=True)]
    theirs_p = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in ours_p]
    ours, theirs = build(mg_optim, ours_p)[0], build(torch.optim, theirs_p)[0]
    for _ in range(steps):
        for p, q in zip(ours_p, theirs_p):
            p.grad, q.grad = mg.ones(p.shape), torch.ones(q.shape)
        ours.step()
        theirs.step()
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a["state"]) == list(b["state"]) == [0, 1]
    for i in (0, 1):
        assert list(a["state"][i]) == list(b["state"][i])
        assert a["state"][i]["step"] == b["state"][i]["step"].item() == steps
        for key in keys:
            assert a["state"][i][key].dtype == mg.float32, key
            np.testing.assert_allclose(a["state"][i][key].numpy(), b["state"][i][key].numpy(),
                                       rtol=1e-6, err_msg=key)
    assert len(a["param_groups"]) == len(b["param_groups"])
    for ga, gb in zip(a["param_groups"], b["param_groups"]):
        assert set(ga) <= set(gb) and {k: ga[k] for k in ga} == {k: gb[k] for k in ga}

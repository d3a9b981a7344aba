"""LBFGS against torch.optim.LBFGS: iterates, losses and evaluation counts step by step with
and without the strong-Wolfe line search over its options, checkpoint resume (also from a
torch checkpoint), and argument checks."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import LBFGS

RNG = np.random.default_rng(7)
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal((6, 2))
INIT = [RNG.standard_normal((3, 2)) * 0.5, np.array([-1.2, 1.0, -0.5, 0.8])]
# The oracle's float32 tolerance; in float64 last-bit differences (torch's fused
# p + alpha * d, its BLAS dot's summation order) are amplified by the quasi-Newton history on
# the curved valley, reaching ~2e-10 relative after 20 iterations (measured), so float64
# uses 1e-9 rather than the first-order optimizers' 1e-11. float32 runs are kept short
# (max_iter <= 3) so float32 rounding cannot steer the two onto different branches.
TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-5, atol=2e-6)}


class Problem:
    """A least-squares fit plus a 4-d Rosenbrock valley: curved, so the history, the
    first-step scaling and the line search all matter."""

    def __init__(self, lib, tensor, dtype, build):
        self.lib = lib
        self.params = [tensor(a.astype(dtype), requires_grad=True) for a in INIT]
        self.x, self.y = tensor(X.astype(dtype)), tensor(Y.astype(dtype))
        self.opt = build(lib.optim, self.params)
        self.calls = 0

    def closure(self):
        self.calls += 1
        self.opt.zero_grad()
        w, v = self.params
        fit = ((self.x @ w - self.y) ** 2).sum() / 6
        valley = ((1 - v[:-1]) ** 2).sum() + 10 * ((v[1:] - v[:-1] ** 2) ** 2).sum()
        loss = fit + valley
        loss.backward()
        return loss

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def _pair(torch, dtype, build):
    return (Problem(mg, mg.tensor, dtype, build),
            Problem(torch, lambda a, **k: torch.tensor(a, **k), dtype, build))


def _assert_same(ours, theirs, dtype, step):
    for a, b in zip(ours.values(), theirs.values()):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, **TOL[dtype], err_msg=f"step {step}")
    assert ours.calls == theirs.calls, f"step {step}: closure calls"
    s, r = ours.opt.state[ours.params[0]], theirs.opt.state[theirs.params[0]]
    assert (s["func_evals"], s["n_iter"]) == (r["func_evals"], r["n_iter"]), f"step {step}"


CONFIGS = {
    "defaults": dict(),
    "strong_wolfe": dict(line_search_fn="strong_wolfe"),
    "short_history": dict(history_size=2, max_iter=6),
    "short_history_wolfe": dict(history_size=3, max_iter=8, line_search_fn="strong_wolfe"),
    "small_lr": dict(lr=0.3, max_iter=4),
    # a long first trial step makes the line search zoom; a short one makes it extrapolate
    "wolfe_overshoot": dict(lr=30.0, line_search_fn="strong_wolfe", max_iter=6),
    "wolfe_extrapolate": dict(lr=0.002, line_search_fn="strong_wolfe", max_iter=6),
    "few_evals": dict(max_iter=10, max_eval=4),
    "few_evals_wolfe": dict(max_iter=10, max_eval=6, line_search_fn="strong_wolfe"),
    "one_iteration": dict(max_iter=1),
    "loose_change_tolerance": dict(tolerance_change=1e-2, line_search_fn="strong_wolfe"),
    "loose_grad_tolerance": dict(tolerance_grad=0.5, max_iter=30),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_lbfgs_matches_torch_step_for_step(name, dtype):
    torch = pytest.importorskip("torch")
    kwargs = CONFIGS[name]
    if dtype is np.float32:  # stop before float32's rounding can steer the two apart
        kwargs = dict(kwargs, max_iter=min(kwargs.get("max_iter", 20), 3))
        kwargs.setdefault("max_eval", kwargs["max_iter"] * 5 // 4)
    ours, theirs = _pair(torch, dtype, lambda lib, ps: lib.LBFGS(ps, **kwargs))
    for step in range(4 if dtype is np.float64 else 2):
        a, b = ours.opt.step(ours.closure), theirs.opt.step(theirs.closure)
        assert a.dtype == mg.float32 if dtype is np.float32 else a.dtype == mg.float64
        np.testing.assert_allclose(a.item(), b.item(), **TOL[dtype])
        _assert_same(ours, theirs, dtype, step)


def test_lbfgs_actually_minimises():
    problem = Problem(mg, mg.tensor, np.float64,
                      lambda lib, ps: lib.LBFGS(ps, line_search_fn="strong_wolfe"))
    first = problem.closure().item()
    for _ in range(5):
        problem.opt.step(problem.closure)
    assert problem.closure().item() < 0.1 * first


@pytest.mark.parametrize("wolfe", [None, "strong_wolfe"])
def test_lbfgs_resumes_from_a_checkpoint(wolfe, tmp_path):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.LBFGS(ps, history_size=3, max_iter=4, line_search_fn=wolfe)
    ours, theirs = _pair(torch, np.float64, build)
    for _ in range(2):
        ours.opt.step(ours.closure)
        theirs.opt.step(theirs.closure)
    mg.save({"opt": ours.opt.state_dict(), "params": ours.values()}, tmp_path / "c.npz")
    saved = mg.load(tmp_path / "c.npz")
    fresh = Problem(mg, mg.tensor, np.float64, build)
    for p, value in zip(fresh.params, saved["params"]):
        p.data.copy_(mg.tensor(value))
    fresh.opt.load_state_dict(saved["opt"])
    fresh.calls = ours.calls
    for step in range(2, 5):
        fresh.opt.step(fresh.closure)
        theirs.opt.step(theirs.closure)
        _assert_same(fresh, theirs, np.float64, step)


def test_lbfgs_continues_from_a_torch_checkpoint():
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.LBFGS(ps, history_size=4, max_iter=3)
    _, theirs = _pair(torch, np.float64, build)
    for _ in range(2):
        theirs.opt.step(theirs.closure)
    sd = theirs.opt.state_dict()

    def convert(v):
        if isinstance(v, torch.Tensor):
            return mg.tensor(v.numpy())
        if isinstance(v, list):
            return [convert(x) for x in v]
        return v
    converted = {"state": {i: {k: convert(v) for k, v in s.items()}
                           for i, s in sd["state"].items()},
                 "param_groups": sd["param_groups"]}
    ours = Problem(mg, mg.tensor, np.float64, build)
    for p, q in zip(ours.params, theirs.params):
        p.data.copy_(mg.tensor(q.detach().numpy()))
    ours.opt.load_state_dict(converted)
    ours.calls = theirs.calls
    state = ours.opt.state[ours.params[0]]
    assert isinstance(state["H_diag"], float) and state["d"].shape == (10,)
    for step in range(2, 5):
        ours.opt.step(ours.closure)
        theirs.opt.step(theirs.closure)
        _assert_same(ours, theirs, np.float64, step)


def test_lbfgs_state_dict_has_torchs_keys():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, np.float64, lambda lib, ps: lib.LBFGS(ps, max_iter=3))
    ours.opt.step(ours.closure)
    theirs.opt.step(theirs.closure)
    a, b = ours.opt.state_dict(), theirs.opt.state_dict()
    assert list(a["state"]) == list(b["state"]) == [0]
    assert sorted(a["state"][0]) == sorted(b["state"][0])
    ga, gb = a["param_groups"][0], b["param_groups"][0]
    assert {k: ga[k] for k in ga} == {k: gb[k] for k in ga}


def test_lbfgs_leaves_an_optimal_point_alone():
    p = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    opt = LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = (p * 0.0).sum()
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_array_equal(p.detach().numpy(), [1.0, 2.0])
    assert opt.state[p]["func_evals"] == 1 and opt.state[p]["n_iter"] == 0


def test_lbfgs_step_invalidates_graphs_that_saved_a_parameter():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = LBFGS([p], max_iter=2)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    stale = (p * p).sum()
    opt.step(closure)
    with pytest.raises(RuntimeError):
        stale.backward()


def test_lbfgs_defaults_match_torch():
    torch = pytest.importorskip("torch")
    ours = LBFGS([mg.randn(2, requires_grad=True)]).param_groups[0]
    theirs = torch.optim.LBFGS([torch.randn(2, requires_grad=True)]).param_groups[0]
    assert {k: v for k, v in ours.items() if k != "params"} == \
        {k: v for k, v in theirs.items() if k != "params"}
    assert LBFGS([mg.randn(2, requires_grad=True)], max_iter=8).defaults["max_eval"] == 10


def test_lbfgs_rejects_what_torch_rejects():
    torch = pytest.importorskip("torch")
    tp = [torch.randn(2, requires_grad=True), torch.randn(2, requires_grad=True)]
    mp = [mg.randn(2, requires_grad=True), mg.randn(2, requires_grad=True)]
    with pytest.raises(ValueError):
        torch.optim.LBFGS([{"params": tp[:1]}, {"params": tp[1:]}])
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        LBFGS([{"params": mp[:1]}, {"params": mp[1:]}])
    with pytest.raises(ValueError):
        torch.optim.LBFGS(tp, lr=-1.0)
    with pytest.raises(ValueError, match="LBFGS: invalid lr value -1.0"):
        LBFGS(mp, lr=-1.0)
    opt = LBFGS(mp)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        opt.add_param_group({"params": [mg.randn(2, requires_grad=True)]})
    with pytest.raises(TypeError, match="LBFGS.step: requires a closure"):
        opt.step()
    with pytest.raises(TypeError):
        torch.optim.LBFGS(tp).step()


@pytest.mark.parametrize("kwargs, match", [
    (dict(line_search_fn="backtracking"), "line_search_fn must be None or 'strong_wolfe', got "
                                          "'backtracking'"),
    (dict(max_iter=0), "expected a positive integer max_iter, got 0"),
    (dict(history_size=2.5), "expected a positive integer history_size, got 2.5"),
    (dict(max_eval=-1), "expected a positive integer max_eval"),
    (dict(tolerance_grad=-1e-7), "invalid tolerance_grad value"),
])
def test_lbfgs_rejects_bad_options_clearly(kwargs, match):
    with pytest.raises(ValueError, match=f"LBFGS: {match}"):
        LBFGS([mg.randn(2, requires_grad=True)], **kwargs)


# Line searches along d from x through functions a cubic models badly (a steep exponential,
# a |.|^1.5 kink, a wave, a quartic), from trial steps far too short and far too long, so
# that the bracketing and zoom phases take their branches (not all: the "insufficient
# progress" retry is rare), compared with torch's own line search.
LINE_FUNCTIONS = {
    "steep_exp": (lambda xp, z: xp.exp(8 * z) - 20 * z, lambda xp, z: 8 * xp.exp(8 * z) - 20),
    "kink": (lambda xp, z: xp.abs(z - 0.3) ** 1.5 + 0.1 * z,
             lambda xp, z: 1.5 * xp.sign(z - 0.3) * xp.abs(z - 0.3) ** 0.5 + 0.1),
    "wave": (lambda xp, z: xp.sin(2 * z) + 0.3 * z * z,
             lambda xp, z: 2 * xp.cos(2 * z) + 0.6 * z),
    "softplus": (lambda xp, z: xp.log1p(xp.exp(5 * z)) - 2 * z,
                 lambda xp, z: 5 / (1 + xp.exp(-5 * z)) - 2),
    "quartic": (lambda xp, z: z ** 4 - 3 * z ** 2 + z, lambda xp, z: 4 * z ** 3 - 6 * z + 1),
}


@pytest.mark.parametrize("name", sorted(LINE_FUNCTIONS))
@pytest.mark.parametrize("t0", [1e-3, 0.05, 0.7, 5.0, 20.0])
def test_strong_wolfe_line_search_matches_torchs(name, t0):
    torch = pytest.importorskip("torch")
    from torch.optim.lbfgs import _strong_wolfe as theirs_search

    from minigrad.optim.lbfgs import _strong_wolfe as ours_search
    f, df = LINE_FUNCTIONS[name]
    x0 = np.array([-0.8, -0.2, 0.1])
    d = -df(np, x0)
    calls = {"ours": 0, "theirs": 0}

    def ours_obj(x, t, direction):
        calls["ours"] += 1
        z = x[0] + t * direction
        return float(f(np, z).sum()), df(np, z)

    def theirs_obj(x, t, direction):
        calls["theirs"] += 1
        z = x[0] + t * direction
        return float(f(torch, z).sum()), df(torch, z)
    for max_ls in (25, 3):
        with np.errstate(over="ignore", invalid="ignore"):  # exp overflows far out: f = inf
                a = ours_search(np, ours_obj, [x0], t0, d, float(f(np, x0).sum()), df(np, x0),
                            np.dot(df(np, x0), d), max_ls=max_ls)
        td = torch.tensor(d)
        b = theirs_search(theirs_obj, [torch.tensor(x0)], t0, td, float(f(np, x0).sum()),
                          torch.tensor(df(np, x0)), torch.tensor(df(np, x0)).dot(td),
                          max_ls=max_ls)
        assert a[3] == b[3] and calls["ours"] == calls["theirs"], (max_ls, a[3], b[3])
        np.testing.assert_allclose(float(a[2]), float(b[2]), rtol=1e-12)
        np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
        np.testing.assert_allclose(a[1], b[1].numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("wolfe", [None, "strong_wolfe"])
def test_lbfgs_same_results_on_a_device_that_refuses_host_arrays(wolfe):
    """The 'strict' test device fails on any NumPy call that bypasses the backend."""
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    problems = []
    for device in ("cpu", "strict"):
        problems.append(Problem(mg, lambda a, device=device, **k: mg.tensor(a, device=device, **k),
                                np.float64, lambda lib, ps: lib.LBFGS(ps, history_size=3,
                                                                      max_iter=5,
                                                                      line_search_fn=wolfe)))
    for _ in range(3):
        for problem in problems:
            problem.opt.step(problem.closure)
    host, dev = problems
    assert dev.params[0].device == "strict"
    for a, b in zip(host.params, dev.params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().cpu().numpy())

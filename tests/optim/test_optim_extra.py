"""NAdam, RAdam, Adamax, Adadelta, Rprop and ASGD against torch.optim: trajectories over their
options (float64 and float32), param groups, checkpoint resume, torch's state_dict layout, a
torch checkpoint resumed here, defaults and argument checks."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim as optim
from optim_oracle import (assert_same_on_strict_device, assert_state_dict_matches,
                          compare_trajectory, continue_from_torch_state_dict, file_checkpoint)


def _combos(**options):
    """Every combination of the given option values, as kwargs dicts with readable ids."""
    keys = list(options)
    cases = [dict(zip(keys, values)) for values in itertools.product(*options.values())]
    return [pytest.param(c, id="-".join(f"{k}={v}" for k, v in c.items())) for c in cases]


# Large learning rates, decays and eps so each option visibly shapes the 20-step path; the
# radam betas include a small beta2 so rho_t passes 5 within the run (both branches taken).
CASES = {
    "NAdam": [dict(lr=0.05, eps=0.05, **c.values[0]) for c in _combos(
        weight_decay=[0.0, 0.2], decoupled_weight_decay=[False, True],
        momentum_decay=[4e-3, 0.5], maximize=[False, True])]
    + [dict(betas=(0.3, 0.8)), dict(betas=(0.0, 0.0), lr=0.01)],
    "RAdam": [dict(lr=0.05, eps=0.05, **c.values[0]) for c in _combos(
        weight_decay=[0.0, 0.2], decoupled_weight_decay=[False, True],
        betas=[(0.9, 0.999), (0.6, 0.7)], maximize=[False, True])],
    "Adamax": [dict(lr=0.05, **c.values[0]) for c in _combos(
        weight_decay=[0.0, 0.2], eps=[1e-8, 0.3], betas=[(0.9, 0.999), (0.3, 0.5)],
        maximize=[False, True])],
    "Adadelta": [dict(**c.values[0]) for c in _combos(
        lr=[1.0, 0.3], rho=[0.9, 0.2, 0.0, 1.0], eps=[1e-6, 0.1], weight_decay=[0.0, 0.2],
        maximize=[False, True])],
    "Rprop": [dict(**c.values[0]) for c in _combos(
        lr=[0.01, 0.2], etas=[(0.5, 1.2), (0.3, 2.0)], step_sizes=[(1e-6, 50), (0.05, 0.3)],
        maximize=[False, True])],
    "ASGD": [dict(lr=0.1, **c.values[0]) for c in _combos(
        lambd=[1e-4, 0.5], alpha=[0.75, 2.0], t0=[1e6, 4.0, 0.0], weight_decay=[0.0, 0.2],
        maximize=[False, True])],
}
PARAMS = [pytest.param(name, kw, id=f"{name}-{i}") for name, cases in CASES.items()
          for i, kw in enumerate(cases)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", PARAMS)
def test_matches_torch_step_for_step(name, kwargs, dtype):
    torch = pytest.importorskip("torch")
    compare_trajectory(torch, lambda lib, ps: (getattr(lib, name)(ps, **kwargs), None), dtype)


NAMES = sorted(CASES)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    compare_trajectory(torch, lambda lib, ps: (getattr(lib, name)(ps), None), dtype)
    ours = getattr(optim, name)([mg.randn(2, requires_grad=True)]).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.randn(2, requires_grad=True)]).param_groups[0]
    assert set(ours) - {"params"} <= set(theirs)
    for key in ours:
        if key != "params":
            assert ours[key] == theirs[key], key


# One group's own hyperparameters for each optimizer (its lr, and an option of its own).
GROUP_OPTION = {"NAdam": dict(momentum_decay=0.3), "RAdam": dict(betas=(0.5, 0.6)),
                "Adamax": dict(weight_decay=0.1), "Adadelta": dict(rho=0.5),
                "Rprop": dict(etas=(0.2, 1.5)), "ASGD": dict(t0=2.0, lambd=0.3)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_param_groups_with_their_own_hyperparameters(name, dtype):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return getattr(lib, name)([{"params": ps[:1], "lr": 0.1, **GROUP_OPTION[name]},
                                   {"params": ps[1:]}], lr=0.03), None
    compare_trajectory(torch, build, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_resumes_from_state_dict_mid_trajectory(name, dtype, tmp_path):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        kwargs = dict(GROUP_OPTION[name], lr=0.05)
        return getattr(lib, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.2}],
                                  **kwargs), None
    compare_trajectory(torch, build, dtype, resume_at=9, checkpoint=file_checkpoint(tmp_path))
    compare_trajectory(torch, build, dtype, resume_at=9)


STATE_KEYS = {"NAdam": ("exp_avg", "exp_avg_sq"), "RAdam": ("exp_avg", "exp_avg_sq"),
              "Adamax": ("exp_avg", "exp_inf"), "Adadelta": ("square_avg", "acc_delta"),
              "Rprop": ("prev", "step_size"), "ASGD": ("ax",)}
SCALAR_STATE = {"NAdam": ("mu_product",), "ASGD": ("eta", "mu")}


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_has_torchs_layout(name):
    torch = pytest.importorskip("torch")
    kwargs = dict(t0=1.0) if name == "ASGD" else {}
    assert_state_dict_matches(torch, lambda lib, ps: (getattr(lib, name)(ps, **kwargs), None),
                              STATE_KEYS[name])


@pytest.mark.parametrize("name", sorted(SCALAR_STATE))
def test_scalar_state_is_torchs_float32_value(name):
    """NAdam's mu_product and ASGD's eta / mu are float32 scalars in PyTorch: equal, not close."""
    torch = pytest.importorskip("torch")
    kwargs = dict(t0=2.0, lambd=0.3) if name == "ASGD" else dict(momentum_decay=0.2)
    ours_p = [mg.tensor(np.linspace(-1, 1, 5), requires_grad=True)]
    theirs_p = [torch.tensor(np.linspace(-1, 1, 5), requires_grad=True)]
    ours = getattr(optim, name)(ours_p, **kwargs)
    theirs = getattr(torch.optim, name)(theirs_p, **kwargs)
    for step in range(6):
        ours_p[0].grad, theirs_p[0].grad = mg.ones(5, dtype=mg.float64), torch.ones(5).double()
        ours.step()
        theirs.step()
        for key in SCALAR_STATE[name]:
            assert ours.state[ours_p[0]][key] == theirs.state[theirs_p[0]][key].item(), (step, key)


@pytest.mark.parametrize("name", NAMES)
def test_continues_from_a_torch_checkpoint(name):
    torch = pytest.importorskip("torch")
    kwargs = dict(GROUP_OPTION[name], lr=0.05)
    ours, ours_p = continue_from_torch_state_dict(
        torch, lambda ps: getattr(torch.optim, name)(ps, **kwargs),
        lambda ps: getattr(optim, name)(ps, **kwargs), before=5, after=5)
    assert ours.state[ours_p[0]]["step"] == 10


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_keep_float32_state(name):
    p = mg.randn(3, 2, requires_grad=True)
    opt = getattr(optim, name)([p], **({"t0": 0.0} if name == "ASGD" else {}))
    for _ in range(3):
        p.grad = mg.randn(3, 2)
        opt.step()
    assert p.dtype == mg.float32
    for key in STATE_KEYS[name]:
        assert opt.state[p][key].dtype == mg.float32, key
    for key in SCALAR_STATE.get(name, ()):
        assert isinstance(opt.state[p][key], float), key


@pytest.mark.parametrize("name", NAMES)
def test_closure_is_evaluated_with_grad_and_its_loss_returned(name):
    p = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    before = p.detach().numpy().copy()
    loss = opt.step(closure)
    assert loss.item() == pytest.approx(5.0)
    assert np.all(np.abs(p.detach().numpy()) < np.abs(before))


@pytest.mark.parametrize("name", NAMES)
def test_writing_a_parameter_invalidates_graphs_that_saved_it(name):
    p = mg.randn(3, requires_grad=True)
    opt = getattr(optim, name)([p])
    (p * p).sum().backward()
    loss = (p * p).sum()
    opt.step()
    with pytest.raises(RuntimeError):
        loss.backward()


BAD = [("NAdam", dict(lr=-0.1), ValueError, "NAdam: invalid lr value -0.1"),
       ("NAdam", dict(eps=-1.0), ValueError, "NAdam: invalid eps value"),
       ("NAdam", dict(weight_decay=-1.0), ValueError, "NAdam: invalid weight_decay"),
       ("NAdam", dict(momentum_decay=-1.0), ValueError, "NAdam: invalid momentum_decay"),
       ("NAdam", dict(betas=(1.0, 0.9)), ValueError, "NAdam: invalid beta parameter at index 0"),
       ("NAdam", dict(betas=(0.9, -0.1)), ValueError, "NAdam: invalid beta parameter at index 1"),
       ("RAdam", dict(lr=-0.1), ValueError, "RAdam: invalid lr value -0.1"),
       ("RAdam", dict(betas=(0.9, 1.0)), ValueError, "RAdam: invalid beta parameter at index 1"),
       ("RAdam", dict(weight_decay=-0.5), ValueError, "RAdam: invalid weight_decay"),
       ("Adamax", dict(eps=-0.1), ValueError, "Adamax: invalid eps value"),
       ("Adamax", dict(betas=(-0.1, 0.9)), ValueError, "Adamax: invalid beta parameter at "
        "index 0"),
       ("Adadelta", dict(rho=1.5), ValueError, r"Adadelta: invalid rho value 1.5 \(must be in "
        r"\[0.0, 1.0\]\)"),
       ("Adadelta", dict(lr=-1.0), ValueError, "Adadelta: invalid lr value"),
       ("Rprop", dict(etas=(1.2, 0.5)), ValueError, "Rprop: invalid eta values: 1.2, 0.5"),
       ("Rprop", dict(etas=(0.0, 1.2)), ValueError, "Rprop: invalid eta values"),
       ("Rprop", dict(lr=-0.01), ValueError, "Rprop: invalid lr value"),
       ("ASGD", dict(lr=-0.01), ValueError, "ASGD: invalid lr value"),
       ("ASGD", dict(weight_decay=-0.01), ValueError, "ASGD: invalid weight_decay value")]


@pytest.mark.parametrize("name, kwargs, error, message", BAD,
                         ids=[f"{n}-{next(iter(k))}-{i}" for i, (n, k, _, _) in enumerate(BAD)])
def test_rejects_bad_hyperparameters_as_torch(name, kwargs, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        getattr(torch.optim, name)([torch.randn(2, requires_grad=True)], **kwargs)
    with pytest.raises(error, match=message):
        getattr(optim, name)([mg.randn(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name, key, value", [("NAdam", "betas", 0.9),
                                              ("RAdam", "betas", (0.9, "a")),
                                              ("Rprop", "etas", (0.5,)),
                                              ("Rprop", "step_sizes", None),
                                              ("ASGD", "t0", "soon"),
                                              ("Adadelta", "rho", None)])
def test_rejects_non_numbers_with_a_type_error(name, key, value):
    with pytest.raises(TypeError, match=f"{name}: {key} must be"):
        getattr(optim, name)([mg.randn(2, requires_grad=True)], **{key: value})


def test_rprop_step_sizes_start_at_the_first_steps_lr_as_torch():
    """A scheduler's later lr changes do not reach Rprop's per-coordinate step sizes."""
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        opt = lib.Rprop(ps, lr=0.1)
        return opt, lib.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    compare_trajectory(torch, build, np.float64)


def test_asgd_average_follows_the_iterates_once_t0_has_passed():
    torch = pytest.importorskip("torch")
    ours_p = [mg.tensor([1.0, -1.0], dtype=mg.float64, requires_grad=True)]
    theirs_p = [torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)]
    ours, theirs = optim.ASGD(ours_p, lr=0.1, t0=3.0), torch.optim.ASGD(theirs_p, lr=0.1, t0=3.0)
    for _ in range(8):
        ours_p[0].grad = mg.tensor([0.5, 2.0], dtype=mg.float64)
        theirs_p[0].grad = torch.tensor([0.5, 2.0], dtype=torch.float64)
        ours.step()
        theirs.step()
        np.testing.assert_allclose(ours.state[ours_p[0]]["ax"].numpy(),
                                   theirs.state[theirs_p[0]]["ax"].numpy(), rtol=1e-14)
    # averaging started: ax now lags p (it is the mean of the iterates after t0)
    assert not np.allclose(ours.state[ours_p[0]]["ax"].numpy(), ours_p[0].detach().numpy())


@pytest.mark.parametrize("name", NAMES)
def test_same_results_on_a_device_that_refuses_host_arrays(name):
    """The 'strict' test device fails on any NumPy call that bypasses the backend."""
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    rng = np.random.default_rng(5)
    host = [mg.tensor(rng.standard_normal(s), device="cpu", requires_grad=True)
            for s in [(3, 2), (4,)]]
    kwargs = dict(GROUP_OPTION[name], lr=0.05)
    assert_same_on_strict_device(host, lambda ps: getattr(optim, name)(ps, **kwargs), 4,
                                 lambda shape: mg.tensor(rng.standard_normal(shape), device="cpu"))

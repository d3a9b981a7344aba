"""Adagrad against torch.optim.Adagrad: trajectories over every option combination, param
groups, checkpoint resume, state_dict layout and argument checks."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adagrad
from optim_oracle import compare_trajectory, file_checkpoint

# lr_decay, weight_decay, initial accumulator and maximize each change the update's form;
# a large eps makes its placement (outside the root) visible.
COMBOS = list(itertools.product([0.0, 0.1], [0.0, 0.2], [0.0, 0.5], [False, True]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lr_decay, weight_decay, initial_accumulator_value, maximize", COMBOS)
def test_adagrad_matches_torch_for_every_option_combination(lr_decay, weight_decay,
                                                            initial_accumulator_value, maximize,
                                                            dtype):
    torch = pytest.importorskip("torch")
    kwargs = dict(lr=0.05, lr_decay=lr_decay, weight_decay=weight_decay,
                  initial_accumulator_value=initial_accumulator_value, maximize=maximize,
                  eps=0.05)
    compare_trajectory(torch, lambda lib, ps: (lib.Adagrad(ps, **kwargs), None), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adagrad_defaults_match_torch(dtype):
    torch = pytest.importorskip("torch")
    compare_trajectory(torch, lambda lib, ps: (lib.Adagrad(ps), None), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_param_groups_with_their_own_hyperparameters(dtype):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.Adagrad([{"params": ps[:1], "lr": 0.1, "initial_accumulator_value": 1.0},
                            {"params": ps[1:], "lr_decay": 0.3}], lr=0.02), None
    compare_trajectory(torch, build, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_resumes_from_state_dict_mid_trajectory(dtype, tmp_path):
    torch = pytest.importorskip("torch")

    def build(lib, ps):
        return lib.Adagrad([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.2}], lr=0.03,
                           lr_decay=0.05, weight_decay=0.05), None
    compare_trajectory(torch, build, dtype, resume_at=10, checkpoint=file_checkpoint(tmp_path))
    compare_trajectory(torch, build, dtype, resume_at=10)


def test_state_exists_from_construction_as_in_torch():
    torch = pytest.importorskip("torch")
    ours_p = [mg.randn(2, 3, requires_grad=True), mg.randn(3, requires_grad=True)]
    theirs_p = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in ours_p]
    ours = Adagrad(ours_p, initial_accumulator_value=0.25)
    theirs = torch.optim.Adagrad(theirs_p, initial_accumulator_value=0.25)
    for step in range(3):
        a, b = ours.state_dict(), theirs.state_dict()
        assert list(a["state"]) == list(b["state"]) == [0, 1]
        for i in (0, 1):
            assert list(a["state"][i]) == list(b["state"][i]) == ["step", "sum"]
            assert a["state"][i]["step"] == b["state"][i]["step"].item() == step
            assert a["state"][i]["sum"].dtype == mg.float32
            np.testing.assert_allclose(a["state"][i]["sum"].numpy(), b["state"][i]["sum"].numpy(),
                                       rtol=1e-6)
        for p in ours_p:
            p.grad = mg.ones(p.shape)
        for p in theirs_p:
            p.grad = torch.ones(p.shape)
        ours.step()
        theirs.step()
    ga, gb = ours.state_dict()["param_groups"][0], theirs.state_dict()["param_groups"][0]
    assert set(ga) <= set(gb) and {k: ga[k] for k in ga} == {k: gb[k] for k in ga}


def test_defaults_are_pytorchs():
    torch = pytest.importorskip("torch")
    ours = Adagrad([mg.randn(2, requires_grad=True)]).param_groups[0]
    theirs = torch.optim.Adagrad([torch.randn(2, requires_grad=True)]).param_groups[0]
    for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"):
        assert ours[key] == theirs[key], key


def test_accumulator_starts_from_the_constructor_value_in_every_group_as_torch():
    """PyTorch fills every accumulator (also a later group's) with the constructor's value."""
    torch = pytest.importorskip("torch")
    init = [np.array([0.5, -1.0]), np.array([2.0, 1.5]), np.array([-0.3])]
    grads = [np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([3.0])]
    results = []
    for lib, make in ((mg, mg.tensor), (torch, torch.tensor)):
        ps = [make(a.copy(), requires_grad=True) for a in init]
        opt = lib.optim.Adagrad([{"params": ps[:1], "initial_accumulator_value": 5.0},
                                 {"params": ps[1:2]}], lr=0.5, initial_accumulator_value=2.0)
        opt.add_param_group({"params": ps[2:], "initial_accumulator_value": 7.0})
        for p, g in zip(ps, grads):
            p.grad = make(g)
        opt.step()
        results.append([p.detach().numpy().copy() for p in ps])
    s = [2.0 + g * g for g in grads]
    for got, want, p0, g, acc in zip(results[0], results[1], init, grads, s):
        np.testing.assert_allclose(got, want, rtol=1e-15)
        np.testing.assert_allclose(got, p0 - 0.5 * g / (np.sqrt(acc) + 1e-10), rtol=1e-15)


def test_writing_a_parameter_invalidates_graphs_that_saved_it():
    p = mg.randn(3, requires_grad=True)
    opt = Adagrad([p])
    (p * p).sum().backward()
    loss = (p * p).sum()
    opt.step()
    with pytest.raises(RuntimeError):
        loss.backward()


@pytest.mark.parametrize("key", ["lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                                 "eps"])
def test_rejects_negative_hyperparameters_as_torch(key):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.optim.Adagrad([torch.randn(2, requires_grad=True)], **{key: -0.1})
    with pytest.raises(ValueError, match=f"Adagrad: invalid {key} value -0.1"):
        Adagrad([mg.randn(2, requires_grad=True)], **{key: -0.1})

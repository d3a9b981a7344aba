"""optim.Adafactor against torch.optim.Adafactor, step by step (tests/optim/optim_oracle.py):
every option, float32 and float64, checkpoint/resume, torch's state_dict, 0-D and 3-D
parameters, the strict device, and the argument checks."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from optim_oracle import (assert_same_on_strict_device, compare_trajectory,
                          continue_from_torch_state_dict, file_checkpoint)

CASES = [dict(), dict(lr=0.05), dict(weight_decay=0.1), dict(maximize=True),
         dict(eps=(1e-4, 1e-2)), dict(d=1.5, beta2_decay=-0.5), dict(lr=0.3, d=1.0),
         dict(foreach=True, weight_decay=0.01, maximize=True)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items())
                         or "defaults")
def test_matches_torch_step_by_step(kwargs, dtype):
    torch = pytest.importorskip("torch")
    compare_trajectory(torch, lambda lib, ps: (lib.Adafactor(ps, **kwargs), None), dtype)


def test_checkpoint_resume(tmp_path):
    torch = pytest.importorskip("torch")
    build = lambda lib, ps: (lib.Adafactor(ps, lr=0.05, weight_decay=0.01), None)  # noqa: E731
    compare_trajectory(torch, build, np.float64, resume_at=9, checkpoint=file_checkpoint(tmp_path))
    compare_trajectory(torch, build, np.float64, resume_at=9)


def test_continues_from_a_torch_state_dict_and_same_layout():
    torch = pytest.importorskip("torch")
    ours, ours_p = continue_from_torch_state_dict(
        torch, lambda ps: torch.optim.Adafactor(ps, lr=0.05),
        lambda ps: optim.Adafactor(ps, lr=0.05), before=5, after=5)
    assert ours.state[ours_p[0]]["step"] == 10
    p = [mg.randn(2, 3, requires_grad=True), mg.randn(3, requires_grad=True)]
    q = [torch.tensor(t.detach().numpy(), requires_grad=True) for t in p]
    a, b = optim.Adafactor(p), torch.optim.Adafactor(q)
    for _ in range(2):
        for s, t in zip(p, q):
            s.grad, t.grad = mg.ones(s.shape), torch.ones(t.shape)
        a.step(), b.step()
    sa, sb = a.state_dict(), b.state_dict()
    for i in (0, 1):
        assert list(sa["state"][i]) == list(sb["state"][i])
        for key, value in sa["state"][i].items():
            if key != "step":
                assert value.dtype == mg.float32 and tuple(value.shape) == \
                    tuple(sb["state"][i][key].shape)
                np.testing.assert_allclose(value.numpy(), sb["state"][i][key].numpy(), rtol=1e-6)
    assert {k: sa["param_groups"][0][k] for k in sa["param_groups"][0]} == \
        {k: sb["param_groups"][0][k] for k in sa["param_groups"][0]}


@pytest.mark.parametrize("shape", [(), (2, 3, 4), (1, 5), (5, 1)])
def test_other_ranks_match_torch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    init = rng.standard_normal(shape)
    p, q = mg.tensor(init, requires_grad=True), torch.tensor(init, requires_grad=True)
    a, b = optim.Adafactor([p], lr=0.1), torch.optim.Adafactor([q], lr=0.1)
    for t in range(8):
        g = rng.standard_normal(shape)
        p.grad, q.grad = mg.tensor(g), torch.tensor(g)
        a.step(), b.step()
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-11,
                                   atol=1e-13, err_msg=f"step {t}")


def test_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    rng = np.random.default_rng(2)
    host = [mg.tensor(rng.standard_normal(s), requires_grad=True, device="cpu")
            for s in [(3, 4), (4,)]]
    assert_same_on_strict_device(host, lambda ps: optim.Adafactor(ps, weight_decay=0.1), 4,
                                 lambda shape: mg.tensor(rng.standard_normal(shape),
                                                         device="cpu"))


@pytest.mark.parametrize("kwargs,match", [
    (dict(lr=-1.0), "lr"), (dict(beta2_decay=0.5), "beta2_decay should be <= 0"),
    (dict(eps=(-1.0, 1e-3)), "epsilon1"), (dict(eps=(None, -1.0)), "epsilon2"),
    (dict(d=0.5), "clipping threshold d"), (dict(weight_decay=-0.1), "weight_decay")])
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.Adafactor([mg.randn(2, requires_grad=True)], **kwargs)


def test_float32_and_defaults():
    p = mg.randn(3, 4, requires_grad=True)
    opt = optim.Adafactor([p])
    group = opt.param_groups[0]
    assert (group["lr"], group["beta2_decay"], group["eps"], group["d"], group["weight_decay"],
            group["foreach"], group["maximize"]) == (1e-2, -0.8, (None, 1e-3), 1.0, 0.0, None,
                                                     False)
    p.grad = mg.randn(3, 4)
    opt.step()
    assert p.dtype == mg.float32
    assert all(v.dtype == mg.float32 for k, v in opt.state[p].items() if k != "step")
    assert list(itertools.chain(opt.state[p])) == ["step", "row_var", "col_var"]

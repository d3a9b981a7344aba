"""The Optimizer base: construction errors, param groups, zero_grad, in-place float32 updates,
state_dict / load_state_dict."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adam, AdamW, Optimizer
from optim_oracle import assert_same_on_strict_device

OPTIMIZERS = [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2, maximize=True),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True),
    lambda ps: AdamW(ps, lr=0.1, maximize=True),
]
IDS = ["sgd_nesterov", "sgd_dampening", "adam_amsgrad", "adamw"]


def _params(dtype=mg.float32):
    return [mg.randn(3, 2, dtype=dtype, requires_grad=True), mg.randn(2, dtype=dtype,
                                                                       requires_grad=True)]


# --- construction ------------------------------------------------------------------------
@pytest.mark.parametrize("make", [SGD, Adam, AdamW])
def test_bad_params_arguments(make):
    p = mg.randn(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        make(3)
    with pytest.raises(TypeError, match="single Tensor"):
        make(p)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        make({"params": [p]})
    with pytest.raises(ValueError, match="empty parameter list"):
        make([])
    with pytest.raises(ValueError, match="empty parameter list"):
        make(iter([]))
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        make([p, np.zeros(2)])
    with pytest.raises(TypeError, match="set"):
        make([{"params": {p}}])
    with pytest.raises(TypeError, match="floating-point"):
        make([mg.tensor([1, 2])])


def test_non_leaf_and_duplicates_are_rejected():
    p = mg.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_generators_and_module_parameters_are_accepted():
    ps = _params()
    opt = SGD((p for p in ps), lr=0.1)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in ps]
    nn = pytest.importorskip("minigrad.nn")
    model = nn.Linear(3, 2)
    opt = Adam(model.parameters())
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in model.parameters()]


def test_group_hyperparameters_are_validated_per_group():
    a, b = _params()
    with pytest.raises(ValueError, match=r"SGD: invalid lr value -1\.0"):
        SGD([{"params": [a]}, {"params": [b], "lr": -1.0}], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([a], lr="0.1")


def test_add_param_group_fills_defaults_and_trains_the_new_group():
    a, b = _params()
    opt = SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    group = opt.param_groups[1]
    assert group["params"][0] is b and group["lr"] == 0.5 and group["momentum"] == 0.9
    before = b.detach().numpy().copy()
    b.grad = mg.ones(b.shape)
    opt.step()
    np.testing.assert_allclose(b.detach().numpy(), before - 0.5, rtol=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([b])


# --- stepping ----------------------------------------------------------------------------
def test_zero_grad_sets_to_none_or_zeros_in_place():
    ps = _params()
    opt = SGD(ps, lr=0.1)
    for p in ps:
        (p * p).sum().backward()
    kept = ps[0].grad
    opt.zero_grad(set_to_none=False)
    assert ps[0].grad is kept and not kept.numpy().any()
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_params_without_grad_are_skipped(make):
    ps = _params()
    opt = make(ps)
    frozen = ps[1].detach().numpy().copy()
    ps[0].grad = mg.ones(ps[0].shape)
    opt.step()
    np.testing.assert_array_equal(ps[1].detach().numpy(), frozen)
    assert ps[1] not in opt.state
    assert list(opt.state_dict()["state"]) in ([0], [])


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_float32_stays_float32_and_updates_in_place(make):
    ps = _params(mg.float32)
    arrays = [p.array for p in ps]
    opt = make(ps)
    for group in opt.param_groups:  # NumPy float64 scalars must not promote the arrays either
        group["lr"] = np.float64(group["lr"])
    for _ in range(3):
        for p in ps:
            p.grad = mg.randn(p.shape)
        opt.step()
    for p, array in zip(ps, arrays):
        assert p.array is array, "the update must write into the parameter's own array"
        assert p.dtype == mg.float32
    for state in opt.state.values():
        for key, value in state.items():
            if isinstance(value, mg.Tensor):
                assert value.dtype == mg.float32, key


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_same_results_on_a_device_that_refuses_host_arrays(make):
    """The 'strict' test device fails on any NumPy call that bypasses the backend."""
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    host = [mg.tensor(p.detach().numpy(), device="cpu", requires_grad=True)
            for p in _params(mg.float64)]  # on the host whatever the test run's default device
    assert_same_on_strict_device(host, make, 3,
                                 lambda shape: mg.randn(shape, dtype=mg.float64, device="cpu"))


def test_gradient_of_the_wrong_shape_is_a_clear_error():
    p = mg.randn(3, requires_grad=True)
    Adam([p])
    # refused when assigned, as in PyTorch (session 11; the optimizer's own check came later)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(1,\).*tensor of shape \(3,\)"):
        p.grad = mg.ones(1)


def test_step_with_closure_returns_its_loss_with_grad_enabled():
    p = mg.tensor([3.0], requires_grad=True)
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.detach().numpy(), [3.0 - 0.25 * 6.0])


# --- state_dict ---------------------------------------------------------------------------
def _trained(make, steps=3):
    ps = _params(mg.float64)
    opt = make(ps)
    for _ in range(steps):
        for p in ps:
            p.grad = mg.randn(p.shape, dtype=mg.float64)
        opt.step()
    return ps, opt


def test_state_dict_layout():
    ps, opt = _trained(lambda ps: Adam([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5}]))
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert list(sd["state"]) == [0, 1]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert sd["state"][1]["step"] == 3
    assert sd["state"][1]["exp_avg"].shape == ps[1].shape


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_loaded_state_is_a_private_copy(make):
    ps, opt = _trained(make)
    sd = opt.state_dict()
    snapshot = {i: {k: v.numpy().copy() for k, v in s.items() if isinstance(v, mg.Tensor)}
                for i, s in sd["state"].items()}
    clones = [mg.tensor(p.detach().numpy(), requires_grad=True) for p in ps]
    other = make(clones)
    other.load_state_dict(sd)
    for p in clones:
        p.grad = mg.ones(p.shape, dtype=mg.float64)
    other.step()
    for i, s in opt.state_dict()["state"].items():
        for k, v in snapshot[i].items():
            np.testing.assert_array_equal(s[k].numpy(), v)


def test_load_state_dict_casts_buffers_to_the_parameters_dtype():
    _, opt64 = _trained(lambda ps: Adam(ps, lr=0.1))
    ps32 = _params(mg.float32)
    opt32 = Adam(ps32, lr=0.1)
    opt32.load_state_dict(opt64.state_dict())
    for p in ps32:
        assert opt32.state[p]["exp_avg"].dtype == mg.float32
        assert opt32.state[p]["step"] == 3
        p.grad = mg.ones(p.shape)
    opt32.step()
    assert all(p.dtype == mg.float32 for p in ps32)


def test_load_state_dict_restores_group_hyperparameters():
    _, opt = _trained(lambda ps: SGD(ps, lr=0.1, momentum=0.9))
    opt.param_groups[0]["lr"] = 0.0123
    other = SGD(_params(mg.float64), lr=1.0, momentum=0.5)
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.0123 and other.param_groups[0]["momentum"] == 0.9


def test_load_state_dict_mismatches_are_clear_errors():
    ps, opt = _trained(lambda ps: Adam(ps))
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="has 1 parameter groups, this optimizer has 2"):
        Adam([{"params": ps[:1]}, {"params": ps[1:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="has 2 parameters, this optimizer's has 1"):
        Adam(ps[:1]).load_state_dict(sd)
    swapped = [mg.randn(2, requires_grad=True), mg.randn(3, 2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"'exp_avg' has shape \(3, 2\) but its parameter has "
                                         r"shape \(2,\)"):
        Adam(swapped).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        Adam(ps).load_state_dict({"state": {}})
    bad = {"state": {7: {}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match="state for parameter 7"):
        Adam(ps).load_state_dict(bad)
    bad_lr = {"state": {}, "param_groups": [dict(sd["param_groups"][0], lr=-3.0)]}
    with pytest.raises(ValueError, match="invalid lr"):
        Adam(ps).load_state_dict(bad_lr)


def test_repr_lists_each_group():
    text = repr(SGD([{"params": _params()[:1]}, {"params": _params()[1:], "lr": 0.5}], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 1" in text and "lr: 0.5" in text


def test_custom_optimizer_on_the_base_class():
    """A subclass only writes step(); groups, zero_grad and state_dict come from the base."""

    class SignSGD(Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.array -= group["lr"] * p.xp.sign(p.grad.array)
                        self.state[p]["count"] = self.state[p].get("count", 0) + 1

    p = mg.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([p])
    p.grad = mg.tensor([5.0, -0.1])
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -0.9])
    assert opt.state_dict()["state"] == {0: {"count": 1}}

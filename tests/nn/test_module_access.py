"""Module lookups by dotted path, extra state in the state_dict, and hook handles."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim


def _net(lib):
    return lib.Sequential(lib.Conv2d(1, 2, 3), lib.BatchNorm2d(2), lib.Sequential(lib.Flatten(), lib.Linear(8, 3)))


def test_get_parameter_buffer_and_set_submodule():
    net = _net(nn)
    assert net.get_parameter("2.1.weight") is net[2][1].weight
    assert net.get_buffer("1.running_var") is net[1].running_var
    with pytest.raises(AttributeError, match=r"Linear has no parameter 'gain' \(looking up '2.1.gain'\)"):
        net.get_parameter("2.1.gain")
    with pytest.raises(AttributeError, match="BatchNorm2d has no buffer 'weight'"):
        net.get_buffer("1.weight")  # a parameter, not a buffer
    with pytest.raises(AttributeError, match="no submodule '7'"):
        net.get_parameter("7.weight")
    new = nn.Linear(8, 5)
    net.set_submodule("2.1", new)
    assert net[2][1] is new and "2.1.weight" in net.state_dict()
    with pytest.raises(TypeError, match="expected a Module"):
        net.set_submodule("2.1", 3)
    with pytest.raises(ValueError, match="cannot set the module itself"):
        net.set_submodule("", new)


class _Counter(nn.Module):
    """A layer that saves a step count (not a tensor) in its state_dict."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("scale", mg.ones(2))
        self.steps = 0

    def get_extra_state(self):
        return {"steps": self.steps}

    def set_extra_state(self, state):
        self.steps = state["steps"]


def test_extra_state_keys_order_and_round_trip(tmp_path):
    torch = pytest.importorskip("torch")

    class TorchCounter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)
            self.register_buffer("scale", torch.ones(2))

        def get_extra_state(self):
            return {"steps": 0}

        def set_extra_state(self, state):
            pass

    ours = nn.Sequential(_Counter(), nn.Linear(2, 1))
    theirs = torch.nn.Sequential(TorchCounter(), torch.nn.Linear(2, 1))
    assert list(ours.state_dict()) == list(theirs.state_dict())  # '0._extra_state' in torch's place
    ours[0].steps = 41
    state = ours.state_dict()
    assert state["0._extra_state"] == {"steps": 41}
    path = tmp_path / "ckpt.mg"
    mg.save(state, path)
    fresh = nn.Sequential(_Counter(), nn.Linear(2, 1))
    result = fresh.load_state_dict(mg.load(path))
    assert fresh[0].steps == 41 and list(result.missing_keys) == []
    np.testing.assert_array_equal(fresh[0].lin.weight.detach().numpy(), ours[0].lin.weight.detach().numpy())
    partial = {k: v for k, v in state.items() if k != "0._extra_state"}
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0._extra_state"'):
        nn.Sequential(_Counter(), nn.Linear(2, 1)).load_state_dict(partial)
    loose = nn.Sequential(_Counter(), nn.Linear(2, 1))
    assert loose.load_state_dict(partial, strict=False).missing_keys == ["0._extra_state"]
    assert loose[0].steps == 0
    plain = nn.Linear(2, 2)
    assert "_extra_state" not in plain.state_dict()
    with pytest.raises(RuntimeError, match="get_extra_state was called but not overridden"):
        plain.get_extra_state()


def test_tensor_hook_handles():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.numpy().tolist()))
    leaf = x.register_hook(lambda g: g * 2)
    y.sum().backward(retain_graph=True)
    assert seen == [[1.0, 1.0]] and x.grad.numpy().tolist() == [6.0, 6.0]
    handle.remove()
    leaf.remove()
    leaf.remove()  # removing twice is harmless, as in PyTorch
    x.grad = None
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.numpy().tolist() == [3.0, 3.0]
    with x.register_hook(lambda g: g * 0):
        pass
    (x * 1).sum().backward()
    assert x.grad.numpy().tolist() == [4.0, 4.0]  # the hook went at the end of the block


def _opt():
    p = nn.Parameter(mg.tensor([1.0, -2.0]))
    p.grad = mg.tensor([0.5, 0.5])
    return p, optim.SGD([p], lr=0.1)


def test_optimizer_step_hooks():
    p, opt = _opt()
    log = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre", p.detach().numpy().tolist())))
    post = opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", p.detach().numpy().tolist())))
    opt.step()
    assert [name for name, _ in log] == ["pre", "post"] and log[0][1] == [1.0, -2.0]
    np.testing.assert_allclose(log[1][1], [0.95, -2.05], rtol=1e-6)  # float32 parameters
    pre.remove()
    post.remove()
    opt.step()
    assert len(log) == 2
    # A pre-hook may replace the arguments: here it supplies a closure.
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: ((), {"closure": lambda: calls.append(1) or 7.0}))
    assert opt.step() == 7.0 and calls == [1]
    bad = optim.SGD([p], lr=0.1)
    bad.register_step_pre_hook(lambda o, args, kwargs: "nope")
    with pytest.raises(RuntimeError, match="a step pre-hook must return None or a tuple"):
        bad.step()
    with pytest.raises(TypeError, match="a step hook must be callable"):
        bad.register_step_post_hook(None)


def test_global_step_hooks_run_once_for_subclassed_steps():
    seen = []
    handle = optim.register_optimizer_step_post_hook(lambda o, a, k: seen.append(type(o).__name__))
    try:
        p, _ = _opt()
        optim.AdamW([p], lr=0.1).step()  # AdamW's step may call Adam's: hooks still run once
        optim.Adam([p], lr=0.1).step()

        class Halved(optim.SGD):
            def step(self, closure=None):
                for g in self.param_groups:
                    g["lr"] = g["lr"] / 2
                return super().step(closure)

        Halved([p], lr=0.2).step()
    finally:
        handle.remove()
    assert seen == ["AdamW", "Adam", "Halved"]
    optim.SGD([p], lr=0.1).step()
    assert len(seen) == 3

"""Module: ordered registration, tree walking, modes, devices/dtypes, hooks, repr; Parameter."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from devices import TEST_DEVICE, second_device


class Block(nn.Module):
    """A parameter, a buffer, a plain tensor attribute and a child, in a known order."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(mg.ones(3))
        self.register_buffer("running_mean", mg.zeros(3))
        self.register_buffer("count", mg.tensor(0))
        self.cache = mg.zeros(2)  # a plain tensor: not registered anywhere
        self.inner = nn.Linear(3, 2)
        self.shift = nn.Parameter(mg.zeros(3))

    def forward(self, x):
        return self.inner(x * self.scale + self.shift)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        self.block = Block()
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(self.block(self.features(x)))


# --- registration ------------------------------------------------------------------------
def test_parameters_are_registered_in_assignment_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["features.0.weight", "features.0.bias", "block.scale", "block.shift",
                     "block.inner.weight", "block.inner.bias", "head.weight", "head.bias"]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale", "shift"]
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.features.0.weight"


def test_buffers_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["block.running_mean", "block.count"]
    assert len(list(net.buffers())) == 2
    assert [n for n, _ in net.named_children()] == ["features", "block", "head"]
    assert list(net.children()) == [net.features, net.block, net.head]
    assert [n for n, _ in net.named_modules()] == ["", "features", "features.0", "features.1",
                                                   "block", "block.inner", "head"]
    assert list(net.modules())[0] is net
    assert "cache" not in dict(net.named_buffers())
    assert net.get_submodule("features.0") is net.features[0]
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("features.nope")


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len([m for m in seq.modules() if m is shared]) == 1
    tied = nn.Module()
    tied.a = nn.Linear(3, 3)
    tied.b = nn.Linear(3, 3)
    tied.b.weight = tied.a.weight
    assert [n for n, _ in tied.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    assert len(list(tied.named_parameters(remove_duplicate=False))) == 4


def test_attribute_access_and_reassignment():
    block = Block()
    assert isinstance(block.scale, nn.Parameter)
    assert block.running_mean.shape == (3,)
    block.scale = None  # a parameter slot may be emptied
    assert "scale" not in dict(block.named_parameters())
    with pytest.raises(TypeError, match="parameter 'shift'"):
        block.shift = mg.zeros(3)  # a plain tensor cannot replace a parameter
    with pytest.raises(TypeError, match="buffer 'running_mean'"):
        block.running_mean = [1, 2, 3]
    block.running_mean = mg.ones(3)  # a tensor replaces a buffer, which stays registered
    assert dict(block.named_buffers())["running_mean"].tolist() == [1, 1, 1]
    with pytest.raises(TypeError, match="child module 'inner'"):
        block.inner = 3
    # A parameter assigned over a plain attribute moves into the registry.
    block.cache = nn.Parameter(mg.zeros(1))
    assert "cache" in dict(block.named_parameters())
    del block.cache
    assert "cache" not in dict(block.named_parameters())
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        block.missing
    assert "running_mean" in dir(block)


def test_register_functions_validate_names_and_types():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", nn.Parameter(mg.zeros(1)))
    with pytest.raises(KeyError, match="empty"):
        m.register_buffer("", mg.zeros(1))
    with pytest.raises(TypeError, match="minigrad.nn.Parameter or None required"):
        m.register_parameter("w", mg.zeros(1))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("b", np.zeros(1))
    with pytest.raises(TypeError, match="is not a Module"):
        m.add_module("child", "not a module")
    m.plain = 1
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", mg.zeros(1))
    m.register_buffer("tmp", mg.zeros(1), persistent=False)
    assert "tmp" in dict(m.named_buffers()) and "tmp" not in m.state_dict()


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Broken()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required'):
        nn.Module()(mg.zeros(1))


def test_call_passes_keyword_arguments():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    assert Scale()(mg.ones(2), factor=3.0).tolist() == [3.0, 3.0]


# --- modes ---------------------------------------------------------------------------------------
def test_train_and_eval_recurse_and_are_per_module():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    net.block.eval()  # one subtree only
    assert net.training and net.features.training and net.head.training
    assert not net.block.training and not net.block.inner.training
    with pytest.raises(ValueError, match="bool"):
        net.train("yes")


def test_requires_grad_freezes_parameters():
    net = Net()
    net.features.requires_grad_(False)
    frozen = {n for n, p in net.named_parameters() if not p.requires_grad}
    assert frozen == {"features.0.weight", "features.0.bias"}
    net(mg.randn(2, 4)).sum().backward()
    assert net.features[0].weight.grad is None and net.head.weight.grad is not None


def test_zero_grad_sets_to_none_or_zeros():
    net = Net()
    net(mg.randn(5, 4)).sum().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert all(g is not None and bool((g != 0).any()) for g in grads.values())
    net.zero_grad(set_to_none=False)
    for n, p in net.named_parameters():
        assert p.grad is grads[n]  # zeroed in place
        assert not bool((p.grad != 0).any())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_apply_visits_children_before_parent():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Sequential", "Linear", "Block", "Linear", "Net"]

    def fill(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)

    net.apply(fill)
    assert net.head.weight.tolist() == [[0.5, 0.5]]


# --- devices and dtypes --------------------------------------------------------------------
def test_double_converts_parameters_buffers_and_grads_in_place():
    net = Net()
    net(mg.randn(3, 4)).sum().backward()
    params = list(net.parameters())
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]  # identity kept
    for p in net.parameters():
        assert p.dtype == mg.float64 and p.grad.dtype == mg.float64
        assert isinstance(p, nn.Parameter) and p.requires_grad and p.is_leaf
    assert net.block.running_mean.dtype == mg.float64
    assert net.block.count.dtype == mg.int64  # integer buffers keep their dtype
    out = net(mg.randn(3, 4, dtype=mg.float64))
    assert out.dtype == mg.float64
    net.float()
    assert all(p.dtype == mg.float32 for p in net.parameters())
    net.to(mg.float64)
    assert net.head.bias.dtype == mg.float64
    net.to("cpu", mg.float32)
    assert net.head.bias.dtype == mg.float32 and net.head.bias.device == "cpu"
    net.to(mg.zeros(1, dtype=mg.float64))
    assert net.head.bias.dtype == mg.float64


def test_to_rejects_bad_targets():
    net = Net()
    with pytest.raises(TypeError, match="floating point"):
        net.to(mg.int64)
    with pytest.raises(ValueError, match="unknown device"):
        net.to("tpu")


def test_to_moves_everything_to_another_device():
    other = second_device()
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    net(mg.randn(2, 4)).sum().backward()
    net.to(other)
    for name, t in list(net.named_parameters()) + list(net.named_buffers()):
        assert t.device == other, name
    assert all(p.grad.device == other for p in net.parameters())
    x = mg.randn(2, 4, device=other)
    out = net(x)
    assert out.device == other
    out.sum().backward()
    net.to(TEST_DEVICE)
    for k, v in net.state_dict().items():
        assert v.device == TEST_DEVICE
        np.testing.assert_array_equal(v.numpy(), before[k])
    net.cpu()
    for k, v in net.state_dict().items():
        assert v.device == "cpu"
        np.testing.assert_array_equal(v.numpy(), before[k])


# --- hooks -----------------------------------------------------------------------------------
def test_forward_hooks_see_and_may_replace_inputs_and_outputs():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append(("pre", m, args[0].shape)))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(("post", out.shape)))
    x = mg.randn(4, 2)
    y = lin(x)
    assert calls == [("pre", lin, (4, 2)), ("post", (4, 2))]
    pre.remove()
    post.remove()
    lin(x)
    assert len(calls) == 2

    double_input = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    np.testing.assert_allclose(lin(x).detach().numpy(), lin.forward(x * 2).detach().numpy())
    double_input.remove()
    with lin.register_forward_hook(lambda m, args, out: out * 0):
        assert not bool((lin(x) != 0).any())
    np.testing.assert_allclose(lin(x).detach().numpy(), y.detach().numpy())


def test_forward_hook_collects_activations_of_a_submodule():
    net = Net()
    seen = {}
    net.features.register_forward_hook(lambda m, args, out: seen.setdefault("features", out))
    net(mg.randn(6, 4))
    assert seen["features"].shape == (6, 3)
    assert bool((seen["features"] >= 0).all())  # after the ReLU


# --- repr -------------------------------------------------------------------------------------
def test_repr_is_pytorch_like():
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (features): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "    (1): ReLU()\n"
        "  )\n"
        "  (block): Block(\n"
        "    (inner): Linear(in_features=3, out_features=2, bias=True)\n"
        "  )\n"
        "  (head): Linear(in_features=2, out_features=1, bias=True)\n"
        ")")


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    mine = nn.Sequential(nn.Linear(4, 3, bias=False), nn.LeakyReLU(0.2), nn.Dropout(0.1),
                         nn.Flatten(), nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Sigmoid(),
                         nn.Tanh(), nn.Identity(), nn.ModuleList([nn.ReLU()]))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 3, bias=False), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.1),
        torch.nn.Flatten(), torch.nn.Softmax(dim=1), torch.nn.LogSoftmax(dim=-1),
        torch.nn.Sigmoid(), torch.nn.Tanh(), torch.nn.Identity(),
        torch.nn.ModuleList([torch.nn.ReLU()]))
    assert repr(mine) == repr(theirs)


def test_extra_repr_with_several_lines_and_children():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.child = nn.ReLU()

        def extra_repr(self):
            return "alpha=1\nbeta=2"

    assert repr(Custom()) == "Custom(\n  alpha=1\n  beta=2\n  (child): ReLU()\n)"


# --- copying ------------------------------------------------------------------------------------
def test_deepcopy_gives_an_independent_module():
    net = Net()
    clone = copy.deepcopy(net)
    x = mg.randn(3, 4)
    np.testing.assert_array_equal(clone(x).detach().numpy(), net(x).detach().numpy())
    with mg.no_grad():
        clone.head.bias.add_(1.0)
    assert not np.array_equal(clone.head.bias.detach().numpy(), net.head.bias.detach().numpy())
    assert isinstance(clone.head.bias, nn.Parameter) and clone.head.bias.requires_grad


# --- Parameter -----------------------------------------------------------------------------------
def test_parameter_basics():
    data = mg.randn(2, 3)
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and isinstance(p, mg.Tensor)
    assert p.array is data.array  # shares memory, as torch.nn.Parameter does
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(mg.zeros(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    out = p * 2
    assert type(out) is mg.Tensor and out.grad_fn is not None
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.Parameter(mg.tensor([1, 2]))
    assert nn.Parameter(mg.tensor([1, 2]), requires_grad=False).dtype == mg.int64
    assert nn.Parameter([1.0, 2.0]).dtype == mg.float32


def test_replacing_a_parameter_or_child_keeps_its_place_in_the_order():
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(mg.zeros(3, 2))
    assert list(layer.state_dict()) == ["weight", "bias"]  # as in PyTorch
    assert [p.shape for p in layer.parameters()] == [(3, 2), (3,)]
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model[0] = nn.Linear(2, 2, bias=False)
    assert [name for name, _ in model.named_children()] == ["0", "1"]
    assert list(model.state_dict()) == ["0.weight"]

"""Module hooks: full backward hooks and pre-hooks, and the forward-hook options, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def _mlp(lib):
    return lib.Sequential(lib.Linear(4, 5), lib.Tanh(), lib.Linear(5, 3))


def _copy_weights(src, dst, torch):
    with torch.no_grad():
        for (_, p), (_, q) in zip(src.named_parameters(), dst.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))


def _np(g):
    return None if g is None else g.detach().numpy().copy()


def _record(log, name):
    def hook(module, grad_input, grad_output):
        log.append((name, [_np(g) for g in grad_input], [_np(g) for g in grad_output]))
    return hook


def _run(lib, model, x, input_grad):
    inp = lib.tensor(x, requires_grad=input_grad) if lib is mg else \
        __import__("torch").tensor(x, requires_grad=input_grad)
    out = model(inp)
    (out * out).sum().backward()
    return inp


@pytest.mark.parametrize("input_grad", [True, False])
@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_full_backward_hooks_see_the_gradients_pytorch_sees(input_grad):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    m, t = _mlp(nn), _mlp(torch.nn)
    _copy_weights(m, t, torch)
    logs = {}
    for lib, model in (("mg", m), ("torch", t)):
        log = logs.setdefault(lib, [])
        for i, layer in enumerate(model):
            layer.register_full_backward_hook(_record(log, f"layer{i}"))
        model.register_full_backward_hook(_record(log, "model"))
        _run(mg if lib == "mg" else torch, model, x, input_grad)
    assert [e[0] for e in logs["mg"]] == [e[0] for e in logs["torch"]]  # the same order
    for (name, gi, go), (_, tgi, tgo) in zip(logs["mg"], logs["torch"]):
        assert len(gi) == len(tgi) and len(go) == len(tgo), name
        for a, b in zip(gi + go, tgi + tgo):
            assert (a is None) == (b is None), name
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)
    if not input_grad:  # the first layer's input is data: grad_input is (None,)
        firsts = {name: gi for name, gi, _ in logs["mg"] if name in ("layer0", "model")}
        assert firsts == {"layer0": [None], "model": [None]}


def test_hooks_may_replace_gradients_as_in_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    m, t = _mlp(nn), _mlp(torch.nn)
    _copy_weights(m, t, torch)
    for model in (m, t):
        model[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,))
        model[2].register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
        _run(mg if model is m else torch, model, x, True)
    for (name, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    plain = _mlp(nn)
    plain.load_state_dict(m.state_dict())
    _run(mg, plain, x, True)
    assert not np.allclose(plain[0].weight.grad.numpy(), m[0].weight.grad.numpy())  # they acted


def test_hooks_on_a_conv_net_with_a_shared_module_and_tuple_outputs():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 1, 6, 6)).astype(np.float32)
    mg.manual_seed(0)
    conv, act = nn.Conv2d(1, 2, 3), nn.ReLU()
    tconv = torch.nn.Conv2d(1, 2, 3)
    _copy_weights(conv, tconv, torch)
    seen = []
    act.register_full_backward_hook(lambda mod, gi, go: seen.append(_np(gi[0])))
    tact = torch.nn.ReLU()
    tseen = []
    tact.register_full_backward_hook(lambda mod, gi, go: tseen.append(_np(gi[0])))
    for c, a, lib in ((conv, act, mg), (tconv, tact, torch)):
        inp = lib.tensor(x, requires_grad=True)
        (a(c(inp)) + a(c(inp) * 2)).sum().backward()
    assert len(seen) == len(tseen) == 2
    for a, b in zip(sorted(seen, key=lambda v: float(v.sum())), sorted(tseen, key=lambda v: float(v.sum()))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class _Pair(nn.Module):
    def forward(self, x):
        return x * 2, (x * 3, [x.sum()])


def test_nested_outputs_keep_their_structure_and_grad_output_lists_them():
    seen = []
    m = _Pair()
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a, (b, [c]) = m(x)
    (a.sum() + 2 * b.sum() + 5 * c).backward()
    (gi, go), = seen
    assert [g.numpy().tolist() for g in go] == [[1.0, 1.0], [2.0, 2.0], 5.0]
    assert gi[0].numpy().tolist() == [2 + 6 + 5, 2 + 6 + 5]
    np.testing.assert_allclose(x.grad.numpy(), [13.0, 13.0])


def test_no_hooks_no_grad_and_handles():
    m = nn.Linear(2, 2)
    seen = []
    handle = m.register_full_backward_hook(lambda *a: seen.append(1))
    with mg.no_grad():
        m(mg.ones(1, 2))
    m(mg.ones(1, 2)).sum().backward()
    assert seen == [1]
    handle.remove()
    m(mg.ones(1, 2)).sum().backward()
    assert seen == [1]


def test_bad_hook_results_and_the_deprecated_hook():
    m = nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 values for grad_input, expected 1"):
        m(mg.ones(1, 2, requires_grad=True)).sum().backward()
    m2 = nn.Linear(2, 2)
    m2.register_full_backward_pre_hook(lambda mod, go: (mg.ones(3),))
    with pytest.raises(RuntimeError, match=r"grad_output\[0\] of shape \(3,\), expected \(1, 2\)"):
        m2(mg.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="register_full_backward_hook"):
        m.register_backward_hook(lambda *a: None)
    with pytest.raises(TypeError, match="a hook must be callable"):
        m.register_forward_hook(3)


def test_forward_hook_options():
    torch = pytest.importorskip("torch")
    for lib in (nn, torch.nn):
        order = []

        class Scale(lib.Module):
            def forward(self, x, scale=1.0):
                if scale < 0:
                    raise ValueError("negative scale")
                return x * scale

        m = Scale()
        m.register_forward_hook(lambda mod, args, out: order.append("second"))
        m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": kwargs["scale"] * 10}),
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, kwargs, out: order.append(kwargs["scale"]),
                                with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: order.append(("always", out)), always_call=True)
        one = (mg if lib is nn else torch).ones(2)
        out = m(one, scale=2.0)
        assert float(out.sum()) == 40.0
        assert order[:3] == ["first", "second", 20.0] and order[3][0] == "always"
        del order[:]
        with pytest.raises(ValueError, match="negative scale"):
            m(one, scale=-1.0)
        assert order == [("always", None)]

"""Lazy modules (LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*, LazyInstanceNorm*):
materialisation from the first input, becoming the regular class, PyTorch agreement after
it (state_dict keys, forward, gradients), optimizers built before it, state_dict loading
into an unmaterialised module, and the errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim
from minigrad.nn.lazy import UninitializedBuffer, UninitializedParameter, is_lazy

from ._torch_compare import copy_torch_weights

# name -> (make minigrad lazy, make torch lazy, input shape, regular class name)
CASES = {
    "LazyLinear": (lambda: nn.LazyLinear(3), lambda t: t.nn.LazyLinear(3), (4, 5), "Linear"),
    "LazyLinear_nobias_3d": (lambda: nn.LazyLinear(2, bias=False),
                             lambda t: t.nn.LazyLinear(2, bias=False), (2, 3, 4), "Linear"),
    "LazyConv1d": (lambda: nn.LazyConv1d(4, 3, padding=1),
                   lambda t: t.nn.LazyConv1d(4, 3, padding=1), (2, 3, 7), "Conv1d"),
    "LazyConv1d_unbatched": (lambda: nn.LazyConv1d(4, 2), lambda t: t.nn.LazyConv1d(4, 2),
                             (3, 6), "Conv1d"),
    "LazyConv2d": (lambda: nn.LazyConv2d(4, 3, stride=2, groups=2),
                   lambda t: t.nn.LazyConv2d(4, 3, stride=2, groups=2), (2, 6, 7, 7), "Conv2d"),
    "LazyConvTranspose2d": (lambda: nn.LazyConvTranspose2d(4, 3, stride=2, output_padding=1),
                            lambda t: t.nn.LazyConvTranspose2d(4, 3, stride=2, output_padding=1),
                            (2, 3, 4, 4), "ConvTranspose2d"),
    "LazyBatchNorm1d": (lambda: nn.LazyBatchNorm1d(), lambda t: t.nn.LazyBatchNorm1d(),
                        (6, 3), "BatchNorm1d"),
    "LazyBatchNorm2d": (lambda: nn.LazyBatchNorm2d(momentum=None),
                        lambda t: t.nn.LazyBatchNorm2d(momentum=None), (2, 3, 4, 4),
                        "BatchNorm2d"),
    "LazyBatchNorm3d": (lambda: nn.LazyBatchNorm3d(affine=False),
                        lambda t: t.nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 3, 3),
                        "BatchNorm3d"),
    "LazyInstanceNorm1d": (lambda: nn.LazyInstanceNorm1d(), lambda t: t.nn.LazyInstanceNorm1d(),
                           (2, 3, 5), "InstanceNorm1d"),
    "LazyInstanceNorm2d": (lambda: nn.LazyInstanceNorm2d(track_running_stats=False),
                           lambda t: t.nn.LazyInstanceNorm2d(track_running_stats=False),
                           (2, 3, 4, 4), "InstanceNorm2d"),
    "LazyInstanceNorm3d": (lambda: nn.LazyInstanceNorm3d(), lambda t: t.nn.LazyInstanceNorm3d(),
                           (2, 3, 2, 3, 3), "InstanceNorm3d"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_materialises_and_matches_torch(case):
    torch = pytest.importorskip("torch")
    make, make_torch, shape, regular = CASES[case]
    m, tm = make().double(), make_torch(torch).double()
    assert type(m).__name__ == type(tm).__name__
    assert list(m.state_dict()) == list(tm.state_dict())
    assert all(is_lazy(p) for p in m.parameters())
    x = np.random.default_rng(0).standard_normal(shape)
    m(mg.tensor(x)), tm(torch.tensor(x))  # materialise both
    assert type(m).__name__ == regular == type(tm).__name__
    assert isinstance(m, getattr(nn, regular))
    assert not any(is_lazy(t) for t in list(m.parameters()) + list(m.buffers()))
    assert [tuple(p.shape) for p in m.parameters()] == [tuple(p.shape) for p in tm.parameters()]
    for attr in ("in_features", "in_channels", "num_features"):
        if hasattr(tm, attr):
            assert getattr(m, attr) == getattr(tm, attr), attr
    m.train(), tm.train()
    copy_torch_weights(m, tm)  # same values from here on; also checks the keys
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(xm), tm(xt)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    y.backward(mg.tensor(g)), ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    for (name, b), tb in zip(m.named_buffers(), tm.buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-10, err_msg=name)


def test_default_initialisation_and_float32():
    m = nn.LazyLinear(4)
    y = m(mg.randn(3, 6))
    w = m.weight.detach().numpy()
    assert y.dtype == mg.float32 and w.dtype == np.float32
    assert np.all(np.abs(w) <= 1 / np.sqrt(6)) and np.std(w) > 0  # Kaiming-uniform bound
    bn = nn.LazyBatchNorm2d()
    bn(mg.randn(2, 5, 3, 3))
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(5, np.float32))
    assert bn.running_var.dtype == mg.float32 and int(bn.num_batches_tracked.item()) == 1
    assert nn.LazyConv2d(2, 3, dtype=mg.float64)(mg.randn(1, 3, 4, 4, dtype=mg.float64)).dtype \
        == mg.float64


def test_gradcheck_after_materialisation():
    m = nn.LazyConv1d(2, 2, dtype=mg.float64)
    x = mg.randn(2, 3, 5, dtype=mg.float64, requires_grad=True)
    m(x)
    assert mg.gradcheck_module(m, (x,))


def test_optimizer_built_before_materialisation_works_like_torch():
    torch = pytest.importorskip("torch")
    m, tm = nn.LazyLinear(2, dtype=mg.float64), torch.nn.LazyLinear(2).double()
    opt = optim.Adam(m.parameters(), lr=0.1)
    topt = torch.optim.Adam(tm.parameters(), lr=0.1)
    x = np.random.default_rng(2).standard_normal((4, 3))
    m(mg.tensor(x)), tm(torch.tensor(x))
    copy_torch_weights(m, tm)
    for _ in range(3):
        opt.zero_grad(), topt.zero_grad()
        (m(mg.tensor(x)) ** 2).sum().backward()
        (tm(torch.tensor(x)) ** 2).sum().backward()
        opt.step(), topt.step()
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-10)
    assert opt.param_groups[0]["params"][0] is m.weight


def test_load_state_dict_into_unmaterialised_modules():
    src = nn.Sequential(nn.Linear(5, 3), nn.BatchNorm1d(3), nn.Conv1d(1, 2, 2))
    for p in src.parameters():
        p.requires_grad_(False).uniform_(-1, 1).requires_grad_(True)
    dst = nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d(), nn.LazyConv1d(2, 2))
    dst.load_state_dict(src.state_dict())
    assert type(dst[0]).__name__ == "LazyLinear" and not dst[0].has_uninitialized_params()
    assert (dst[0].in_features, dst[1].num_features, dst[2].in_channels) == (5, 3, 1)
    x = mg.randn(4, 5)
    np.testing.assert_allclose(dst[:2](x).detach().numpy(), src[:2](x).detach().numpy())
    assert [type(c).__name__ for c in dst][:2] == ["Linear", "BatchNorm1d"]
    # A checkpoint of an unmaterialised module keeps the target lazy (as PyTorch).
    lazy_src, lazy_dst = nn.LazyLinear(3), nn.LazyLinear(3)
    state = lazy_src.state_dict()
    assert isinstance(state["weight"], UninitializedParameter)
    lazy_dst.load_state_dict(state)
    assert lazy_dst.has_uninitialized_params()
    assert isinstance(nn.LazyBatchNorm1d().running_mean, UninitializedBuffer)


def test_torch_checkpoint_loads_into_lazy_modules():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3)).double()
    m = nn.Sequential(nn.LazyLinear(3, dtype=mg.float64), nn.LazyBatchNorm1d(dtype=mg.float64))
    copy_torch_weights(m, tm)
    x = np.random.default_rng(3).standard_normal((5, 4))
    np.testing.assert_allclose(m.eval()(mg.tensor(x)).detach().numpy(),
                               tm.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_errors():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                                           "to LazyConv2d"):
        nn.LazyConv2d(2, 3)(mg.randn(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(mg.randn(1, 3, 5, 5))
    with pytest.raises(ValueError, match="out_channels"):
        nn.LazyConv2d(3, 3, groups=2)
    with pytest.raises(ValueError, match="LazyLinear: out_features"):
        nn.LazyLinear(-1)
    with pytest.raises(TypeError, match="LazyLinear: expected a Tensor input"):
        nn.LazyLinear(2)([1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.LazyBatchNorm1d()(mg.randn(3))
    with pytest.raises(ValueError, match="uninitialized parameters"):
        nn.utils.weight_norm(nn.LazyLinear(2))
    lazy = nn.LazyLinear(2)
    lazy(mg.randn(1, 3))
    with pytest.raises(ValueError, match="last dimension 3"):
        lazy(mg.randn(1, 4))  # sized now: a different input size is an error

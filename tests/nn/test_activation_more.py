"""GLU, CELU, RReLU, Tanhshrink (ops/activation_more.py, nn/activation_more.py) and Bilinear
(nn/bilinear.py): PyTorch parity forward and backward over their arguments, float64 gradcheck /
gradgradcheck, float32 kept, RReLU's random slopes (range, seeding, eval mean), Bilinear's
init and state_dict, repr and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_with_torch as compare_layer
from tests.nn._torch_compare import compare_fn, rand


def _torch():
    return pytest.importorskip("torch")


def _with_edges(shape, seed=0):
    """Normal values plus exact zeros and large magnitudes (kinks, overflow)."""
    a = rand(shape, seed) * 3
    a.reshape(-1)[:3] = [0.0, 40.0, -40.0]
    return a


@pytest.mark.parametrize("shape,dim", [((3, 4), -1), ((4, 3), 0), ((2, 6, 3), 1), ((2,), 0),
                                       ((2, 3, 4), -3)])
def test_glu_matches_torch(shape, dim) -> None:
    torch = _torch()
    compare_fn(lambda x: F.glu(x, dim), lambda x: torch.nn.functional.glu(x, dim), rand(shape))


# torch's celu backward rounds 1/alpha to float32 (derivatives.yaml: 1.0/alpha.toFloat()), so
# the alphas compared here have a 1/alpha that float32 holds exactly; others are gradchecked.
@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0, 4.0, -0.5])
def test_celu_matches_torch(alpha) -> None:
    torch = _torch()
    compare_fn(lambda x: F.celu(x, alpha), lambda x: torch.nn.functional.celu(x, alpha),
               _with_edges((3, 5)))


def test_tanhshrink_matches_torch() -> None:
    torch = _torch()
    compare_fn(F.tanhshrink, torch.nn.functional.tanhshrink, _with_edges((3, 5)))


@pytest.mark.parametrize("lower,upper", [(1 / 8, 1 / 3), (0.0, 0.5), (0.2, 0.2)])
def test_rrelu_eval_matches_torch(lower, upper) -> None:
    torch = _torch()
    compare_fn(lambda x: F.rrelu(x, lower, upper), lambda x: torch.nn.functional.rrelu(
        x, lower, upper), _with_edges((3, 5)))
    ours, theirs = nn.RReLU(lower, upper).eval(), torch.nn.RReLU(lower, upper).eval()
    compare_fn(ours, theirs, _with_edges((2, 4)))


def test_rrelu_training_slopes() -> None:
    x = mg.tensor(_with_edges((200, 50)), requires_grad=True)
    mg.manual_seed(3)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    a, out, grad = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    pos, neg = a > 0, a < 0
    assert np.array_equal(out[pos], a[pos]) and np.all(grad[pos] == 1)
    slopes = out[neg] / a[neg]
    assert np.allclose(grad[neg], slopes)             # the gradient is each element's own slope
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and np.unique(slopes).size > 100
    assert abs(slopes.mean() - 0.2) < 0.01            # uniform: mean (lower + upper) / 2
    assert 0.1 <= grad[a == 0][0] <= 0.3              # as torch: x = 0 takes the random slope
    mg.manual_seed(3)
    again = F.rrelu(x.detach(), 0.1, 0.3, training=True).numpy()
    assert np.array_equal(again, out)                 # mg.manual_seed repeats the draw
    layer = nn.RReLU(0.1, 0.3)
    assert not np.array_equal(layer(x.detach()).numpy(), layer(x.detach()).numpy())
    layer.eval()
    assert np.array_equal(layer(x.detach()).numpy(), F.rrelu(x.detach(), 0.1, 0.3).numpy())


@pytest.mark.parametrize("fn", [lambda x: F.glu(x, 1), lambda x: F.celu(x, 0.7),
                                lambda x: F.celu(x, -1.3), F.tanhshrink,
                                lambda x: F.rrelu(x, 0.1, 0.4)],
                         ids=["glu", "celu", "celu-negative-alpha", "tanhshrink", "rrelu"])
def test_gradcheck_and_gradgradcheck(fn) -> None:
    a = rand((3, 4)) + 0.05  # no exact zeros (kinks)
    x = mg.tensor(a, requires_grad=True)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


def test_rrelu_training_gradcheck_with_fixed_draw() -> None:
    x = mg.tensor(rand((3, 4)) + 0.05, requires_grad=True)

    def fn(t):
        mg.manual_seed(7)  # the same slopes at every evaluation
        return F.rrelu(t, 0.1, 0.4, training=True)
    assert mg.gradcheck(fn, (x,))


def test_float32_stays_float32() -> None:
    x = mg.randn(4, 6).float().requires_grad_()
    outs = [F.glu(x), F.celu(x, 0.5), F.tanhshrink(x), F.rrelu(x), F.rrelu(x, training=True)]
    sum(o.sum() for o in outs).backward()
    assert all(o.dtype == mg.float32 for o in outs) and x.grad.dtype == mg.float32


def test_activation_layers_repr_and_torch() -> None:
    torch = _torch()
    for ours, theirs in [(nn.GLU(), torch.nn.GLU()), (nn.GLU(0), torch.nn.GLU(0)),
                         (nn.CELU(0.5), torch.nn.CELU(0.5)),
                         (nn.CELU(inplace=True), torch.nn.CELU(inplace=True)),
                         (nn.Tanhshrink(), torch.nn.Tanhshrink()),
                         (nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)),
                         (nn.RReLU(inplace=True), torch.nn.RReLU(inplace=True))]:
        assert repr(ours) == repr(theirs)
    compare_fn(nn.GLU(0), torch.nn.GLU(0), rand((4, 3)))
    compare_fn(nn.CELU(0.5), torch.nn.CELU(0.5), _with_edges((3, 4)))
    compare_fn(nn.Tanhshrink(), torch.nn.Tanhshrink(), rand((3, 4)))


def test_activation_errors() -> None:
    with pytest.raises(RuntimeError, match=r"halving dimension must be even, but dimension 1 is "
                                           r"size 3 \(input of shape \(3, 3\)\)"):
        F.glu(mg.randn(3, 3))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(mg.tensor(1.0))
    with pytest.raises(IndexError, match=r"glu: dim 2 is out of range.*\(3, 4\)"):
        F.glu(mg.randn(3, 4), 2)
    with pytest.raises(RuntimeError, match="celu: alpha cannot be 0"):
        F.celu(mg.randn(3), 0.0)
    with pytest.raises(RuntimeError, match="rrelu: lower bound.*lower=0.5, upper=0.2"):
        F.rrelu(mg.randn(3), 0.5, 0.2, training=True)
    with pytest.raises(NotImplementedError, match=r"rrelu: not implemented for int64"):
        F.rrelu(mg.zeros(3, dtype=mg.int64))
    with pytest.raises(TypeError, match="tanhshrink: expected a Tensor"):
        F.tanhshrink([1.0])
    torch = _torch()
    for call in (lambda: torch.nn.functional.glu(torch.randn(3, 3)),
                 lambda: torch.nn.functional.celu(torch.randn(3), alpha=0.0),
                 lambda: torch.nn.functional.rrelu(torch.randn(3), 0.5, 0.2, training=True)):
        with pytest.raises(RuntimeError):
            call()


# --- Bilinear -------------------------------------------------------------------------------
@pytest.mark.parametrize("lead", [(3,), (2, 3), ()])
@pytest.mark.parametrize("with_bias", [True, False])
def test_f_bilinear_matches_torch(lead, with_bias) -> None:
    torch = _torch()
    arrays = [rand(lead + (4,)), rand(lead + (5,), 1), rand((2, 4, 5), 2)] + \
        ([rand((2,), 3)] if with_bias else [])
    compare_fn(F.bilinear, torch.nn.functional.bilinear, *arrays)


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_layer_matches_torch(bias) -> None:
    torch = _torch()
    ours, theirs = nn.Bilinear(4, 5, 3, bias=bias), torch.nn.Bilinear(4, 5, 3, bias=bias)
    assert repr(ours) == repr(theirs)
    compare_layer(ours, theirs, rand((6, 4)), rand((6, 5), 1))


def test_bilinear_init_state_dict_and_gradcheck() -> None:
    layer = nn.Bilinear(16, 5, 40)
    assert tuple(layer.weight.shape) == (40, 16, 5) and tuple(layer.bias.shape) == (40,)
    assert list(layer.state_dict()) == ["weight", "bias"]
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= 0.25 and np.abs(w).max() > 0.24 and abs(w.mean()) < 0.02
    assert layer.weight.dtype == mg.float32
    small = nn.Bilinear(3, 2, 2).double()
    x1 = mg.tensor(rand((4, 3)), requires_grad=True)
    x2 = mg.tensor(rand((4, 2), 1), requires_grad=True)
    assert mg.gradcheck_module(small, (x1, x2))
    assert mg.gradgradcheck(lambda a, b, w, c: F.bilinear(a, b, w, c),
                            (x1, x2, small.weight, small.bias))


def test_bilinear_float32() -> None:
    layer = nn.Bilinear(3, 4, 2)
    x1, x2 = mg.randn(5, 3).float().requires_grad_(), mg.randn(5, 4).float().requires_grad_()
    y = layer(x1, x2)
    y.sum().backward()
    assert y.dtype == x1.grad.dtype == layer.weight.grad.dtype == mg.float32


def test_bilinear_errors() -> None:
    w = mg.randn(2, 4, 5)
    with pytest.raises(RuntimeError, match=r"input2 size does not match weight size: got 6 but "
                                           r"expected 5"):
        F.bilinear(mg.randn(3, 4), mg.randn(3, 6), w)
    with pytest.raises(RuntimeError, match=r"batch dimensions do not match.*\(3, 4\).*\(2, 5\)"):
        F.bilinear(mg.randn(3, 4), mg.randn(2, 5), w)
    with pytest.raises(RuntimeError, match=r"input dimensions do not match.*\(3, 2, 5\)"):
        F.bilinear(mg.randn(3, 4), mg.randn(3, 2, 5), w)
    with pytest.raises(RuntimeError, match=r"bias size does not match.*\(3,\) but expected \(2,\)"):
        F.bilinear(mg.randn(3, 4), mg.randn(3, 5), w, mg.randn(3))
    with pytest.raises(RuntimeError, match=r"weight must be 3-D.*\(2, 4\)"):
        F.bilinear(mg.randn(3, 4), mg.randn(3, 5), mg.randn(2, 4))
    with pytest.raises(ValueError, match="Bilinear: in1_features must be a non-negative int"):
        nn.Bilinear(-1, 2, 3)
    with pytest.raises(ValueError, match="in1_features must be > 0"):
        nn.Bilinear(0, 2, 3)
    torch = _torch()
    for call in (lambda: torch.nn.functional.bilinear(torch.randn(3, 4), torch.randn(3, 6),
                                                      torch.randn(2, 4, 5)),
                 lambda: torch.nn.functional.bilinear(torch.randn(3, 4), torch.randn(2, 5),
                                                      torch.randn(2, 4, 5))):
        with pytest.raises(RuntimeError):
            call()

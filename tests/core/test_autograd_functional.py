"""autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) and utils.checkpoint against
PyTorch: values, output nesting, create_graph, strict mode and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.autograd import functional as AF
from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential

RNG = np.random.default_rng(0)
A, B = RNG.standard_normal(3), RNG.standard_normal((2, 3))


def two_outputs(x, y):
    return (x.exp() * y).sum(dim=1), (x * x).sum() + y.sin().sum()


def scalar2(x, y):
    return (x.exp() * y).sum() + (x ** 3).sum() + (y * y).prod()


def scalar1(x):
    return (x.exp() * x).sum() + x.sin().prod()


def _same(m, t, path="out"):
    if isinstance(t, tuple):
        assert isinstance(m, tuple) and len(m) == len(t), path
        for i, (mm, tt) in enumerate(zip(m, t)):
            _same(mm, tt, f"{path}[{i}]")
        return
    assert isinstance(m, mg.Tensor), path
    assert tuple(m.shape) == tuple(t.shape), (path, m.shape, tuple(t.shape))
    np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12,
                               err_msg=path)


def _both(torch, *arrays):
    return tuple(mg.tensor(a) for a in arrays), tuple(torch.tensor(a) for a in arrays)


@pytest.mark.parametrize("case", ["tuple_in_tuple_out", "tensor_in_tensor_out",
                                  "tensor_in_tuple_out", "tuple_in_tensor_out", "unused_input",
                                  "scalar_out", "identity"])
def test_jacobian_matches_torch(case):
    torch = pytest.importorskip("torch")
    funcs = {"tuple_in_tuple_out": (two_outputs, (A, B)),
             "tensor_in_tensor_out": (lambda x: x.exp() * x.sum(), A),
             "tensor_in_tuple_out": (lambda x: (x.exp(), x[:2] * 3), A),
             "tuple_in_tensor_out": (lambda x, y: x * y, (A, B)),
             "unused_input": (lambda x, y: x * 2, (A, B)),
             "scalar_out": (lambda x: (x * x).sum(), A),
             "identity": (lambda x: x, B)}
    f, inputs = funcs[case]
    if isinstance(inputs, tuple):
        m_in, t_in = _both(torch, *inputs)
    else:
        m_in, t_in = mg.tensor(inputs), torch.tensor(inputs)
    _same(AF.jacobian(f, m_in), torch.autograd.functional.jacobian(f, t_in))
    _same(AF.jacobian(f, m_in, vectorize=True),
          torch.autograd.functional.jacobian(f, t_in, vectorize=True))


def test_hessian_matches_torch():
    torch = pytest.importorskip("torch")
    m_in, t_in = _both(torch, A, B)
    _same(AF.hessian(scalar2, m_in), torch.autograd.functional.hessian(scalar2, t_in))
    _same(AF.hessian(scalar1, m_in[0]), torch.autograd.functional.hessian(scalar1, t_in[0]))
    h = AF.hessian(scalar1, m_in[0]).numpy()
    np.testing.assert_allclose(h, h.T, rtol=1e-12)


def test_products_match_torch():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    m_in, t_in = _both(torch, A, B)
    mv_out, tv_out = _both(torch, RNG.standard_normal(2), np.array(1.3))
    mv_in, tv_in = _both(torch, RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    _same(AF.vjp(two_outputs, m_in, mv_out), TF.vjp(two_outputs, t_in, tv_out))
    _same(AF.jvp(two_outputs, m_in, mv_in), TF.jvp(two_outputs, t_in, tv_in))
    _same(AF.vhp(scalar2, m_in, mv_in), TF.vhp(scalar2, t_in, tv_in))
    _same(AF.hvp(scalar2, m_in, mv_in), TF.hvp(scalar2, t_in, tv_in))
    # single tensors, and v=None for single-element outputs/inputs
    _same(AF.vjp(scalar1, m_in[0]), TF.vjp(scalar1, t_in[0]))
    x1m, x1t = mg.tensor([0.7], dtype=mg.float64), torch.tensor([0.7], dtype=torch.float64)
    _same(AF.jvp(lambda x: x.exp() * 2, x1m), TF.jvp(lambda x: x.exp() * 2, x1t))
    _same(AF.hvp(lambda x: (x ** 4).sum(), x1m), TF.hvp(lambda x: (x ** 4).sum(), x1t))
    # outputs not depending on an input: zeros (strict=False)
    _same(AF.vjp(lambda x, y: x * 2, m_in, mv_in[0]),
          TF.vjp(lambda x, y: x * 2, t_in, tv_in[0]))


def test_create_graph_gives_differentiable_results():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    x = mg.tensor(A, requires_grad=True)
    tx = torch.tensor(A, requires_grad=True)
    f = lambda z: z.exp() * z.sum()  # noqa: E731
    jac, tjac = AF.jacobian(f, x, create_graph=True), TF.jacobian(f, tx, create_graph=True)
    assert jac.requires_grad
    (jac * jac).sum().backward(), (tjac * tjac).sum().backward()
    _same(x.grad, tx.grad)
    x.grad, tx.grad = None, None
    v = RNG.standard_normal(3)
    _, hv = AF.hvp(scalar1, x, mg.tensor(v), create_graph=True)
    _, thv = TF.hvp(scalar1, tx, torch.tensor(v), create_graph=True)
    hv.sum().backward(), thv.sum().backward()
    _same(x.grad, tx.grad)
    out, res = AF.vjp(scalar1, x)
    assert not out.requires_grad and not res.requires_grad


def test_gradcheck_of_a_jacobian():
    x = mg.tensor(RNG.standard_normal(3), requires_grad=True)
    assert mg.gradcheck(lambda z: AF.jacobian(lambda w: w.tanh() * w.sum(), z,
                                              create_graph=True), (x,))


def test_strict_mode_and_errors():
    x, y = mg.tensor(A), mg.tensor(B)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="does not require gradients"):
        AF.vjp(lambda a: mg.ones(3), x, mg.ones(3), strict=True)
    zero = AF.jacobian(lambda a: mg.ones(2), x)
    assert tuple(zero.shape) == (2, 3) and not np.any(zero.numpy())
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda a: a, [x, 3.0])
    with pytest.raises(RuntimeError, match="can only be None"):
        AF.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="mismatch in shape"):
        AF.vjp(lambda a: a * 2, x, mg.ones(4, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="single element"):
        AF.hessian(lambda a: a * 2, x)
    with pytest.raises(ValueError, match="only supported with `vectorize=True`"):
        AF.jacobian(lambda a: a, x, strategy="forward-mode")
    with pytest.raises(RuntimeError, match="not supported together"):
        AF.jacobian(lambda a: a, x, strict=True, vectorize=True)


def test_float32_stays_float32():
    x = mg.randn(3)
    assert AF.jacobian(lambda a: a.exp(), x).dtype == mg.float32
    assert AF.hessian(lambda a: (a ** 3).sum(), x).dtype == mg.float32
    _, v = AF.jvp(lambda a: a.exp(), x, mg.ones(3))
    assert v.dtype == mg.float32


# --- checkpoint ---------------------------------------------------------------------------------
def _model():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 3)).double()


@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_checkpoint_gives_the_same_gradients(input_requires_grad):
    m = _model()
    x = mg.randn(5, 4, dtype=mg.float64, requires_grad=input_requires_grad)
    mg.manual_seed(1)
    y = m(x)
    (y * y).sum().backward()
    ref = [p.grad.numpy().copy() for p in m.parameters()]
    ref_x = x.grad.numpy().copy() if input_requires_grad else None
    m.zero_grad()
    x.grad = None
    mg.manual_seed(1)  # same dropout mask in forward; the recompute replays it
    y2 = checkpoint(m, x, use_reentrant=False)
    np.testing.assert_array_equal(y2.detach().numpy(), y.detach().numpy())
    (y2 * y2).sum().backward()
    for r, p in zip(ref, m.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), r, rtol=1e-12)
    if input_requires_grad:
        np.testing.assert_allclose(x.grad.numpy(), ref_x, rtol=1e-12)


def test_checkpoint_tuple_outputs_kwargs_sequential_and_no_grad():
    m = _model().eval()
    x = mg.randn(5, 4, dtype=mg.float64, requires_grad=True)
    a, b = checkpoint(lambda t, scale=1.0: (m(t) * scale, t.sum()), x, scale=2.0)
    (a.sum() + b).backward()
    expected = x.grad.numpy().copy()
    x.grad = None
    (m(x).sum() * 2 + x.sum()).backward()
    np.testing.assert_allclose(expected, x.grad.numpy(), rtol=1e-12)
    x.grad = None
    out = checkpoint_sequential(m, 2, x)
    np.testing.assert_allclose(out.detach().numpy(), m(x).detach().numpy(), rtol=1e-12)
    with mg.no_grad():
        assert checkpoint(m, x).grad_fn is None
    with pytest.raises(TypeError, match="checkpoint: the function must return a Tensor"):
        checkpoint(lambda t: 3, x)

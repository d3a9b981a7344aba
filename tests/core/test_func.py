"""minigrad.func (torch.func's API): transforms compared with torch.func on the same functions,
nesting checked against analytic derivatives, and the errors named after the transform."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import func as mf

torch = pytest.importorskip("torch")
tf = torch.func


def _pair(*shape: int, seed: int = 0) -> tuple:
    a = np.random.default_rng(seed).standard_normal(shape)
    return mg.tensor(a), torch.tensor(a)


def _close(ours, theirs) -> None:
    """Same nesting, shapes and values (float64, tight tolerance)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            _close(ours[k], theirs[k])
    else:
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _close(a, b)


# the same functions written for both libraries: lib is mg or torch
def f_scalar(lib, x):
    return (lib.sin(x) * x ** 2).sum()


def f_two(lib, x, y):
    return (lib.exp(x * 0.3) * y).sum() + (x ** 2).sum() * y.sum()


def f_vec(lib, x):
    return lib.tanh(x) * x.sum() + x ** 3


def f_mat(lib, x, w):
    return lib.sin(w @ x)


# --- grad ----------------------------------------------------------------------------------
def test_grad_scalar_function_one_arg() -> None:
    xm, xt = _pair(5)
    g = mf.grad(lambda x: f_scalar(mg, x))(xm)
    _close(g, tf.grad(lambda x: f_scalar(torch, x))(xt))
    assert not g.requires_grad and not xm.requires_grad


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0), -1, (-2,)])
def test_grad_several_args(argnums) -> None:
    (xm, xt), (ym, yt) = _pair(4), _pair(4, seed=1)
    ours = mf.grad(lambda x, y: f_two(mg, x, y), argnums=argnums)(xm, ym)
    _close(ours, tf.grad(lambda x, y: f_two(torch, x, y), argnums=argnums)(xt, yt))


def test_grad_and_value_has_aux_and_pytree_args() -> None:
    (xm, xt), (ym, yt) = _pair(3), _pair(2, 3, seed=2)

    def make(lib):
        def f(p, z):
            out = (p["w"] * z).sum() + lib.cos(p["b"]).sum()
            return out, {"half": out / 2}
        return f
    ours = mf.grad_and_value(make(mg), has_aux=True)({"w": xm, "b": ym}, xm)
    theirs = tf.grad_and_value(make(torch), has_aux=True)({"w": xt, "b": yt}, xt)
    _close(ours, theirs)
    g, aux = mf.grad(make(mg), has_aux=True)({"w": xm, "b": ym}, xm)
    _close((g, aux), tf.grad(make(torch), has_aux=True)({"w": xt, "b": yt}, xt))


def test_grad_unused_input_is_zero_and_constant_output() -> None:
    (xm, xt), (ym, yt) = _pair(3), _pair(3, seed=3)
    _close(mf.grad(lambda x, y: x.sum(), argnums=(0, 1))(xm, ym),
           tf.grad(lambda x, y: x.sum(), argnums=(0, 1))(xt, yt))
    _close(mf.grad(lambda x: mg.tensor(1.0, dtype=mg.float64))(xm),
           tf.grad(lambda x: torch.tensor(1.0, dtype=torch.float64))(xt))


def test_grad_float32_stays_float32() -> None:
    x = mg.randn(4).float()
    assert mf.grad(lambda x: (x ** 2).sum())(x).dtype == mg.float32
    assert mf.hessian(lambda x: (x ** 3).sum())(x).dtype == mg.float32
    assert mf.vmap(mf.grad(lambda x: x.sin().sum()))(mg.randn(2, 3).float()).dtype == mg.float32


# --- nesting: higher derivatives against analytic values ------------------------------------
def test_nested_grad_second_and_third_derivatives() -> None:
    f = lambda x: mg.sin(x) * x ** 3
    for v in (-1.3, 0.2, 2.5):
        x = mg.tensor(v, dtype=mg.float64)
        d1 = 3 * v ** 2 * math.sin(v) + v ** 3 * math.cos(v)
        d2 = 6 * v * math.sin(v) + 6 * v ** 2 * math.cos(v) - v ** 3 * math.sin(v)
        d3 = (6 * math.sin(v) + 18 * v * math.cos(v) - 9 * v ** 2 * math.sin(v)
              - v ** 3 * math.cos(v))
        assert mf.grad(f)(x).item() == pytest.approx(d1, rel=1e-12)
        assert mf.grad(mf.grad(f))(x).item() == pytest.approx(d2, rel=1e-12)
        assert mf.grad(mf.grad(mf.grad(f)))(x).item() == pytest.approx(d3, rel=1e-12)
    assert not mf.grad(mf.grad(f))(x).requires_grad


def test_nested_grad_matches_torch_and_closures() -> None:
    (xm, xt), (ym, yt) = _pair(3), _pair(3, seed=4)
    # the inner gradient depends on the outer variable through a closure
    ours = mf.grad(lambda y: mf.grad(lambda x: (mg.exp(x) * y ** 2).sum())(xm).sum())(ym)
    theirs = tf.grad(lambda y: tf.grad(lambda x: (torch.exp(x) * y ** 2).sum())(xt).sum())(yt)
    _close(ours, theirs)
    ours = mf.grad(lambda x: mf.grad(lambda x: f_scalar(mg, x))(x).pow(2).sum())(xm)
    _close(ours, tf.grad(lambda x: tf.grad(lambda x: f_scalar(torch, x))(x).pow(2).sum())(xt))


def test_grad_respects_outer_autograd() -> None:
    """Inputs or closed-over tensors that require grad keep the result differentiable."""
    w = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    g = mf.grad(lambda x: (w * x ** 2).sum())(x)  # 2 w x
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * x.numpy())
    with mg.no_grad():
        assert not mf.grad(lambda x: (w * x ** 2).sum())(x).requires_grad
    xr = x.clone().requires_grad_()
    mf.grad(lambda x: (x ** 3).sum())(xr).sum().backward()
    np.testing.assert_allclose(xr.grad.numpy(), 6 * x.numpy())


def test_transforms_compose_with_each_other() -> None:
    """grad through jvp and vjp_fn results, grad(vmap(grad)), vmap(hessian), a 4th derivative."""
    xm, xt = _pair(3)
    bm, bt = _pair(4, 3, seed=20)
    om, ot = mg.ones(3, dtype=mg.float64), torch.ones(3, dtype=torch.float64)
    _close(mf.grad(lambda x: mf.jvp(lambda y: y.sin() * y, (x,), (om,))[1].sum())(xm),
           tf.grad(lambda x: tf.jvp(lambda y: y.sin() * y, (x,), (ot,))[1].sum())(xt))
    _close(mf.grad(lambda x: mf.vjp(lambda y: y.exp() * y, x)[1](x)[0].sum())(xm),
           tf.grad(lambda x: tf.vjp(lambda y: y.exp() * y, x)[1](x)[0].sum())(xt))
    _close(mf.grad(lambda w: mf.vmap(mf.grad(lambda x: (x.sin() * w).sum()))(bm).pow(2).sum())(xm),
           tf.grad(lambda w: tf.vmap(tf.grad(lambda x: (x.sin() * w).sum()))(bt).pow(2).sum())(xt))
    _close(mf.vmap(mf.hessian(lambda x: (x.sin() * x.sum()).sum()))(bm),
           tf.vmap(tf.hessian(lambda x: (x.sin() * x.sum()).sum()))(bt))
    d4 = mf.grad(mf.grad(mf.grad(mf.grad(lambda x: x.exp() * x))))(mg.tensor(0.7, dtype=mg.float64))
    assert d4.item() == pytest.approx(math.exp(0.7) * 4.7, rel=1e-12)  # (x + 4) e^x


# --- vjp / jvp -----------------------------------------------------------------------------
def test_vjp_matches_torch() -> None:
    (xm, xt), (wm, wt) = _pair(3), _pair(4, 3, seed=5)
    (cm, ct) = _pair(4, seed=6)
    om, fm = mf.vjp(lambda x, w: f_mat(mg, x, w), xm, wm)
    ot, ft = tf.vjp(lambda x, w: f_mat(torch, x, w), xt, wt)
    _close(om, ot)
    _close(fm(cm), ft(ct))
    _close(fm(cm * 2), ft(ct * 2))  # callable again
    om, fm, am = mf.vjp(lambda x: (x.sin(), {"c": x.cos()}), xm, has_aux=True)
    ot, ft, at = tf.vjp(lambda x: (x.sin(), {"c": x.cos()}), xt, has_aux=True)
    _close((om, am), (ot, at))
    _close(fm(cm[:3]), ft(ct[:3]))


def test_vjp_tuple_output() -> None:
    xm, xt = _pair(3)
    om, fm = mf.vjp(lambda x: (x * 2, (x ** 2).sum()), xm)
    ot, ft = tf.vjp(lambda x: (x * 2, (x ** 2).sum()), xt)
    _close(om, ot)
    _close(fm((mg.ones(3, dtype=mg.float64), mg.tensor(3.0, dtype=mg.float64))),
           ft((torch.ones(3, dtype=torch.float64), torch.tensor(3.0, dtype=torch.float64))))


def test_jvp_matches_torch() -> None:
    (xm, xt), (wm, wt) = _pair(3), _pair(4, 3, seed=7)
    (vm, vt), (um, ut) = _pair(3, seed=8), _pair(4, 3, seed=9)
    _close(mf.jvp(lambda x, w: f_mat(mg, x, w), (xm, wm), (vm, um)),
           tf.jvp(lambda x, w: f_mat(torch, x, w), (xt, wt), (vt, ut)))
    _close(mf.jvp(lambda x: (x.exp(), x.sum()), (xm,), (vm,)),
           tf.jvp(lambda x: (x.exp(), x.sum()), (xt,), (vt,)))
    _close(mf.jvp(lambda x: (x.exp(), x * 0 + 1), (xm,), (vm,), has_aux=True)[:3],
           tf.jvp(lambda x: (x.exp(), x * 0 + 1), (xt,), (vt,), has_aux=True))


# --- Jacobians -----------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacobians_match_torch(which, argnums) -> None:
    (xm, xt), (wm, wt) = _pair(3), _pair(2, 3, seed=10)
    ours = getattr(mf, which)(lambda x, w: f_mat(mg, x, w), argnums=argnums)(xm, wm)
    theirs = getattr(tf, which)(lambda x, w: f_mat(torch, x, w), argnums=argnums)(xt, wt)
    _close(ours, theirs)


@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
def test_jacobian_pytree_output_and_aux(which) -> None:
    xm, xt = _pair(2, 2)

    def f(lib):
        return lambda x: ({"a": f_vec(lib, x), "b": (x ** 2).sum()}, x.sum())
    ours = getattr(mf, which)(f(mg), has_aux=True)(xm)
    theirs = getattr(tf, which)(f(torch), has_aux=True)(xt)
    _close(ours, theirs)
    assert tuple(ours[0]["a"].shape) == (2, 2, 2, 2)


def test_hessian_matches_torch_and_jacobian_of_jacobian() -> None:
    (xm, xt), (ym, yt) = _pair(4), _pair(4, seed=11)
    _close(mf.hessian(lambda x: f_scalar(mg, x))(xm),
           tf.hessian(lambda x: f_scalar(torch, x))(xt))
    _close(mf.hessian(lambda x, y: f_two(mg, x, y), argnums=(0, 1))(xm, ym),
           tf.hessian(lambda x, y: f_two(torch, x, y), argnums=(0, 1))(xt, yt))
    _close(mf.jacrev(mf.jacrev(lambda x: f_vec(mg, x)))(xm),
           tf.jacrev(tf.jacrev(lambda x: f_vec(torch, x)))(xt))


# --- vmap ----------------------------------------------------------------------------------
@pytest.mark.parametrize("in_dims", [0, 1, (0, None), (1, 0), (None, 1), (-1, -2)])
def test_vmap_in_dims(in_dims) -> None:
    a = np.random.default_rng(12).standard_normal((3, 3, 3))
    b = np.random.default_rng(13).standard_normal((3, 3))
    ours = mf.vmap(lambda x, y: (x @ y).sin(), in_dims=in_dims)(mg.tensor(a), mg.tensor(b))
    theirs = tf.vmap(lambda x, y: (x @ y).sin(), in_dims=in_dims)(torch.tensor(a),
                                                                  torch.tensor(b))
    _close(ours, theirs)


@pytest.mark.parametrize("out_dims", [0, 1, -1, (0, 1), (2, -2)])
def test_vmap_out_dims(out_dims) -> None:
    (xm, xt), (cm, ct) = _pair(4, 2, 3), _pair(3, seed=14)
    f = lambda c: (lambda x: (x.exp(), x[0] * c))
    ours = mf.vmap(f(cm), out_dims=out_dims)(xm)
    theirs = tf.vmap(f(ct), out_dims=out_dims)(xt)
    _close(ours, theirs)


def test_vmap_out_dims_none_for_an_unbatched_output() -> None:
    (xm, xt), (cm, ct) = _pair(4, 2), _pair(3, seed=14)
    _close(mf.vmap(lambda x: (x * 2, cm * 3), out_dims=(0, None))(xm),
           tf.vmap(lambda x: (x * 2, ct * 3), out_dims=(0, None))(xt))


def test_vmap_nested_in_dims_kwargs_and_nested_vmap() -> None:
    (xm, xt), (ym, yt) = _pair(2, 5), _pair(5, 3, seed=15)

    def f(p, scale=1.0):
        return (p[0][:, None] * p[1]["w"]).sum(0) * scale
    ours = mf.vmap(f, in_dims=((1, {"w": 0}),))((xm, {"w": ym}), scale=2.0)
    theirs = tf.vmap(f, in_dims=((1, {"w": 0}),))((xt, {"w": yt}), scale=2.0)
    _close(ours, theirs)
    _close(mf.vmap(mf.vmap(lambda a, b: a * b, in_dims=(0, None)), in_dims=(None, 1))(xm, ym),
           tf.vmap(tf.vmap(lambda a, b: a * b, in_dims=(0, None)), in_dims=(None, 1))(xt, yt))
    _close(mf.vmap(lambda x: x.sum(), chunk_size=2)(xm), tf.vmap(lambda x: x.sum(),
                                                                   chunk_size=2)(xt))


def test_vmap_empty_batch() -> None:
    out = mf.vmap(lambda x: x.sum(0), out_dims=1)(mg.zeros(0, 4, 2))
    assert tuple(out.shape) == tuple(tf.vmap(lambda x: x.sum(0), out_dims=1)(
        torch.zeros(0, 4, 2)).shape) == (2, 0)


def test_per_sample_gradients_of_a_linear_model() -> None:
    """The classic use: vmap(grad(loss)) over samples, against torch.func and a loop."""
    rng = np.random.default_rng(16)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    model_m, model_t = mg.nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    params_m = {"weight": mg.tensor(W), "bias": mg.tensor(b)}
    params_t = {"weight": torch.tensor(W), "bias": torch.tensor(b)}

    def loss(lib, model, call):
        def f(params, x, y):
            pred = call(model, params, (x[None],))
            return ((pred - y[None]) ** 2).mean()
        return f
    ours = mf.vmap(mf.grad(loss(mg, model_m, mf.functional_call)), in_dims=(None, 0, 0))(
        params_m, mg.tensor(X), mg.tensor(Y))
    theirs = tf.vmap(tf.grad(loss(torch, model_t, tf.functional_call)), in_dims=(None, 0, 0))(
        params_t, torch.tensor(X), torch.tensor(Y))
    _close(ours, theirs)
    assert tuple(ours["weight"].shape) == (6, 2, 3)
    # and by hand: d/dW mean((Wx + b - y)^2) = 2/2 (Wx + b - y) x^T
    r = X @ W.T + b - Y
    np.testing.assert_allclose(ours["weight"].numpy(), np.einsum("ni,nj->nij", r, X),
                               rtol=1e-12)
    assert model_m.weight.grad is None


def test_grad_of_vmap_and_vmap_of_jacrev() -> None:
    xm, xt = _pair(4, 3)
    _close(mf.grad(lambda x: mf.vmap(lambda r: (r.sin() * r).sum())(x).sum())(xm),
           tf.grad(lambda x: tf.vmap(lambda r: (r.sin() * r).sum())(x).sum())(xt))
    _close(mf.vmap(mf.jacrev(lambda r: f_vec(mg, r)))(xm),
           tf.vmap(tf.jacrev(lambda r: f_vec(torch, r)))(xt))


def test_vmap_randomness() -> None:
    mg.set_default_device("cpu")  # vmap watches the cpu and cuda streams, not "strict"
    x = mg.zeros(4, 3)
    with pytest.raises(RuntimeError, match="vmap: called random operation while in "
                                           "randomness error mode"):
        mf.vmap(lambda r: r + mg.rand(3))(x)
    mg.manual_seed(0)
    same = mf.vmap(lambda r: r + mg.rand(3), randomness="same")(x)
    assert all(np.array_equal(same[0].numpy(), s.numpy()) for s in same)
    after_same = mg.rand(1).item()
    mg.manual_seed(0)
    first = mg.rand(3)
    np.testing.assert_array_equal(same[0].numpy(), first.numpy())
    assert mg.rand(1).item() == after_same  # the stream moved as after one call
    diff = mf.vmap(lambda r: r + mg.rand(3), randomness="different")(x)
    assert not np.array_equal(diff[0].numpy(), diff[1].numpy())
    with pytest.raises(RuntimeError, match="jacfwd: called random operation"):
        mf.jacfwd(lambda r: r * mg.rand(()))(mg.ones(2))
    with pytest.raises(RuntimeError, match="vmap: Only allowed values for randomness"):
        mf.vmap(lambda r: r, randomness="bad")


# --- errors --------------------------------------------------------------------------------
def test_grad_errors() -> None:
    x = mg.randn(3)
    with pytest.raises(RuntimeError, match=r"grad\(f\)\(\*args\): Expected f\(\*args\) to "
                                           r"return a scalar Tensor, got tensor with 1 dims"):
        mf.grad(lambda x: x * 2)(x)
    with pytest.raises(RuntimeError, match=r"grad_and_value\(f\)\(\*args\): Expected f\(\*args\)"
                                           r" to return a Tensor, got <class 'tuple'>"):
        mf.grad_and_value(lambda x: (x.sum(), 1))(x)
    with pytest.raises(RuntimeError, match=r"output of function f should be a tuple"):
        mf.grad(lambda x: x.sum(), has_aux=True)(x)
    with pytest.raises(RuntimeError, match=r"grad\(f\)\(\*args\): Got argnums=1, but only 1 "):
        mf.grad(lambda x: x.sum(), argnums=1)(x)
    with pytest.raises(RuntimeError, match=r"argnums must be int or Tuple\[int, \.\.\.\], got: "
                                           r"<class 'list'>"):
        mf.grad(lambda x: x.sum(), argnums=[0])(x)
    with pytest.raises(RuntimeError, match="argnums must be non-empty"):
        mf.grad(lambda x: x.sum(), argnums=())(x)
    with pytest.raises(RuntimeError, match="argnums elements must be unique"):
        mf.grad(lambda x, y: x.sum(), argnums=(0, -2))(x, x)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        mf.grad(lambda x: x.sum())(mg.arange(3))
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor"):
        mf.grad(lambda x: x.sum())(3.0)
    with pytest.raises(RuntimeError, match=r"jacrev\(f\)\(\*args\): Got argnums=1"):
        mf.jacrev(lambda x: x, argnums=1)(x)
    # torch raises the same types
    for call in (lambda: tf.grad(lambda x: x * 2)(torch.randn(3)),
                 lambda: tf.grad(lambda x: x.sum(), argnums=[0])(torch.randn(3))):
        with pytest.raises(RuntimeError):
            call()


def test_vjp_jvp_errors() -> None:
    x = mg.randn(3)
    _, fn = mf.vjp(lambda x: x * 2, x)
    with pytest.raises(RuntimeError, match=r"vjp: Mismatch in shape: grad_output\[0\] has a "
                                           r"shape of \(4,\) and output\[0\] has a shape of \(3,\)"):
        fn(mg.ones(4))
    with pytest.raises(RuntimeError, match="vjp: Expected pytree structure of cotangents"):
        fn((mg.ones(3),))
    with pytest.raises(RuntimeError, match=r"vjp\(f, \*primals\): expected f\(\*primals\) to "
                                           "return only tensors"):
        mf.vjp(lambda x: 1.0, x)
    with pytest.raises(RuntimeError, match=r"jvp\(f, primals, tangents\): Expected primals to "
                                           "be a tuple"):
        mf.jvp(lambda x: x, x, x)
    with pytest.raises(RuntimeError, match=r"jvp\(f, primals, tangents\): tangent 0 has shape "
                                           r"\(4,\) but its primal has shape \(3,\)"):
        mf.jvp(lambda x: x, (x,), (mg.ones(4),))
    with pytest.raises(RuntimeError, match="Expected primals and tangents to have the same"):
        mf.jvp(lambda x: x, (x,), (x, x))


def test_vmap_errors() -> None:
    x = mg.randn(3)
    with pytest.raises(ValueError, match="vmap: Expected all tensors to have the same size in "
                                         r"the mapped dimension, got sizes \[3, 4\]"):
        mf.vmap(lambda a, b: a * b)(x, mg.randn(4))
    with pytest.raises(ValueError, match=r"vmap\(<lambda>, in_dims=1, \.\.\.\)\(<inputs>\): Got "
                                         r"in_dim=1 for some input, but that input is a Tensor "
                                         r"of dimensionality 1"):
        mf.vmap(lambda a: a, in_dims=1)(x)
    with pytest.raises(ValueError, match="Got in_dim=0 for an input but the input is of type "
                                         "<class 'float'>"):
        mf.vmap(lambda a, s: a * s)(x, 2.0)
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure of "
                                         "`inputs`"):
        mf.vmap(lambda a, b: a * b, in_dims=(0,))(x, x)
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
        mf.vmap(lambda a: a, in_dims=[0])(x)
    with pytest.raises(ValueError, match=r"`<lambda>` must only return Tensors, got type "
                                         "<class 'float'>"):
        mf.vmap(lambda a: 1.0)(x)
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        mf.vmap(lambda a: a, out_dims=None)(x)
    with pytest.raises(ValueError, match="out_dims is not compatible"):
        mf.vmap(lambda a: a, out_dims=(0, 1))(x)
    with pytest.raises(IndexError, match="out_dim 2 is out of range"):
        mf.vmap(lambda a: a, out_dims=2)(x)
    with pytest.raises(ValueError, match="vmap: chunk_size should be None or greater than 0"):
        mf.vmap(lambda a: a, chunk_size=0)
    with pytest.raises(ValueError, match="at least one input must be a Tensor mapped over"):
        mf.vmap(lambda a: a, in_dims=(None,))(x)
    # torch raises the same types for these
    with pytest.raises(ValueError):
        tf.vmap(lambda a, b: a * b)(torch.randn(3), torch.randn(4))
    with pytest.raises(IndexError):
        tf.vmap(lambda a: a, out_dims=2)(torch.randn(3))

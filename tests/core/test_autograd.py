"""Reverse-mode autograd: the Function API, backward's arguments, graph lifetime, higher-order
gradients, autograd.grad, grad modes, detach and hooks."""
from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


# --- the Function API, as a user writes it -----------------------------------------------
class ScaledProduct(Function):
    """out = alpha * x * y, with a Python-number argument and a call log for the tests."""

    calls: list = []

    @staticmethod
    def forward(ctx, x, y, alpha):
        ctx.save_for_backward(x, y)
        ctx.alpha = alpha
        return x.array * y.array * alpha  # forward may return a backend array

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        ScaledProduct.calls.append(ctx.needs_input_grad)
        gx = grad * y * ctx.alpha if ctx.needs_input_grad[0] else None
        gy = grad * x * ctx.alpha if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_user_function_uses_saved_tensors_and_needs_input_grad() -> None:
    ScaledProduct.calls.clear()
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([3.0, 4.0])  # a constant
    out = ScaledProduct.apply(x, y, 0.5)
    assert out.requires_grad and not out.is_leaf
    assert type(out.grad_fn) is ScaledProduct
    assert out.grad_fn.needs_input_grad == (True, False, False)
    assert len(out.grad_fn.saved_tensors) == 2
    out.sum().backward()
    assert ScaledProduct.calls == [(True, False, False)]
    np.testing.assert_allclose(x.grad.numpy(), [1.5, 2.0])
    assert y.grad is None


def test_user_function_passes_gradcheck_and_records_nothing_without_grad() -> None:
    x = mg.randn(3, 2, dtype=mg.float64, requires_grad=True)
    y = mg.randn(3, 2, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda a, b: ScaledProduct.apply(a, b, 1.5), (x, y))
    out = ScaledProduct.apply(x.detach(), y.detach(), 2.0)
    assert not out.requires_grad and out.grad_fn is None
    with mg.no_grad():
        assert ScaledProduct.apply(x, y, 2.0).grad_fn is None


class SplitHalves(Function):
    """Two outputs; backward gets a zero gradient for the one the loss does not use."""

    @staticmethod
    def forward(ctx, x):
        n = x.shape[0] // 2
        return x.array[:n].copy(), x.array[n:].copy()

    @staticmethod
    def backward(ctx, g_first, g_second):
        return mg.cat([g_first, g_second])


def test_function_with_two_outputs_and_one_unused() -> None:
    x = mg.arange(4.0, requires_grad=True)
    first, second = SplitHalves.apply(x)
    assert first.grad_fn is second.grad_fn
    (second * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 3, 3])


def test_function_returning_its_input_does_not_mark_the_input() -> None:
    class Identity(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    x = mg.tensor([1.0, 2.0])  # does not require grad
    y = mg.tensor([0.0], requires_grad=True)
    out = Identity.apply(x, y)
    assert out is not x and x.grad_fn is None and not x.requires_grad and x.is_leaf


def test_backward_returning_a_wrong_shape_is_reported() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\).*\(3,\)"):
        Bad.apply(x).sum().backward()


# --- backward(gradient, retain_graph, create_graph) -------------------------------------------
def test_backward_with_an_explicit_gradient() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(mg.tensor([1.0, 0.5, -1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, -6.0])


def test_backward_with_a_gradient_of_the_wrong_shape_is_refused() -> None:
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(2,\) does not match output shape \(3,\)"):
        (x * 2).backward(mg.ones(2))
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward([1.0, 1.0])


def test_gradients_accumulate_across_backward_calls() -> None:
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 - 4])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


def test_second_backward_through_a_freed_graph_raises_clearly() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    np.testing.assert_allclose(first, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))


def test_shared_subgraph_gets_all_its_gradient_before_running() -> None:
    """a feeds c directly and through b: the order must wait for both."""
    x = mg.tensor(1.5, requires_grad=True)
    a = x * 2
    b = (a * 3).tanh()
    c = a * a + b
    c.backward()
    t = np.tanh(6 * 1.5)
    np.testing.assert_allclose(x.grad.item(), 8 * 1.5 + 6 * (1 - t * t), rtol=1e-6)


def test_a_10000_op_chain_backpropagates_without_recursion() -> None:
    assert sys.getrecursionlimit() < 10000 * 2  # the chain is deeper than Python recursion
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    y = x
    for i in range(10000):
        y = y * 1.0001 if i % 2 else y + 0.001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 5000, rtol=1e-10)
    del y
    gc.collect()  # freeing the chain must not recurse either


def test_create_graph_gives_higher_order_derivatives_of_x_cubed() -> None:
    x = mg.tensor([2.0, -1.0], dtype=mg.float64, requires_grad=True)
    y = (x ** 3).sum()
    (g,) = mg.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([4.0, 1.0]))
    assert g.requires_grad
    (g2,) = mg.autograd.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(g2.detach().numpy(), [12.0, -6.0])
    (g3,) = mg.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(), [6.0, 6.0])


def test_backward_with_create_graph_makes_grad_differentiable() -> None:
    x = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.item() == 27.0
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(18.0)


def test_without_create_graph_the_gradient_is_a_constant() -> None:
    x = mg.tensor(3.0, requires_grad=True)
    (x ** 3).backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None


# --- autograd.grad ------------------------------------------------------------------------
def test_autograd_grad_returns_gradients_without_touching_dot_grad() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, -1.0], requires_grad=True)
    h = x * w
    out = (h * h).sum()
    gx, gh = mg.autograd.grad(out, [x, h])
    np.testing.assert_allclose(gx.numpy(), 2 * (1 * np.array([3.0, -2.0])) * np.array([3.0, -1.0]))
    np.testing.assert_allclose(gh.numpy(), 2 * np.array([3.0, -2.0]))
    assert x.grad is None and w.grad is None


def test_autograd_grad_with_grad_outputs_and_unused_inputs() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    unused = mg.tensor([5.0], requires_grad=True)
    y = x * 2
    gx, gu = mg.autograd.grad(y, (x, unused), grad_outputs=mg.tensor([1.0, 10.0]),
                              allow_unused=True, retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 20.0])
    assert gu is None
    with pytest.raises(RuntimeError, match="input 1 .* was not used.*allow_unused=True"):
        mg.autograd.grad(y, (x, unused), grad_outputs=mg.ones(2))


def test_autograd_grad_refuses_inputs_that_do_not_require_grad() -> None:
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 0 \(shape \(3,\)\) does not require grad"):
        mg.autograd.grad((x * 2).sum(), mg.ones(3))


# --- grad modes ------------------------------------------------------------------------------
def test_no_grad_and_enable_grad_as_context_managers() -> None:
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
        with mg.enable_grad():
            assert mg.is_grad_enabled()
            z = x * 2
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_grad_modes_as_decorators_with_and_without_parentheses() -> None:
    x = mg.ones(2, requires_grad=True)

    @mg.no_grad()
    def evaluate(t):
        return t * 2, mg.is_grad_enabled()

    @mg.no_grad
    def evaluate_bare(t):
        return t * 2

    @mg.enable_grad()
    def train(t):
        return t * 2

    y, enabled = evaluate(x)
    assert not enabled and not y.requires_grad
    assert evaluate.__name__ == "evaluate"
    assert not evaluate_bare(x).requires_grad
    with mg.no_grad():
        assert train(x).requires_grad
    assert mg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception() -> None:
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError("boom")
    assert mg.is_grad_enabled()


def test_set_grad_enabled() -> None:
    mg.set_grad_enabled(False)
    try:
        assert not (mg.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert (mg.ones(1, requires_grad=True) * 2).requires_grad


# --- detach, leaves, requires_grad -------------------------------------------------------------
def test_detach_shares_memory_and_cuts_the_graph() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    with mg.no_grad():
        d.add_(1.0)
    np.testing.assert_array_equal(y.detach().numpy(), [3.0, 5.0])  # same memory
    assert not x.data.requires_grad
    z = (x * d).sum()  # d is a constant here
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 5.0])


def test_detach_in_place_and_leaf_flags() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.grad_fn is not None
    y.detach_()
    assert y.is_leaf and not y.requires_grad
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).requires_grad = False


def test_non_leaf_grad_stays_none_and_ints_do_not_require_grad() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    assert y.grad is None
    assert not (x > 0).requires_grad
    assert not x.argmax().requires_grad


def test_backward_on_a_tensor_without_grad_explains_why() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).sum().backward()


# --- hooks --------------------------------------------------------------------------------------
def test_hook_on_a_leaf_sees_and_can_replace_the_gradient() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_hook_on_a_non_leaf_changes_what_flows_upstream() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    h.register_hook(lambda g: g * 0.5)
    (h * 4).sum().backward()
    np.testing.assert_array_equal(seen[0], [4.0, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])  # 2x * (4 * 0.5)


def test_hook_handle_removes_the_hook() -> None:
    x = mg.tensor([1.0], requires_grad=True)
    remove = x.register_hook(lambda g: g * 100)
    remove()
    (x * 2).sum().backward()
    assert x.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(1).register_hook(lambda g: g)


# --- in-place helpers are for no_grad use ---------------------------------------------------------
def test_in_place_update_of_a_leaf_needs_no_grad() -> None:
    w = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: a leaf tensor that requires grad.*no_grad"):
        w.add_(1.0)
    with mg.no_grad():
        w.add_(mg.tensor([1.0, 2.0]), alpha=-0.5)
        w.mul_(2.0)
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 0.0])


def test_accumulating_into_a_grad_does_not_write_into_shared_memory() -> None:
    x = mg.ones(3, requires_grad=True)
    (x + 0).sum().backward(create_graph=True)  # the gradient is a constant broadcast view
    (x + 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    seed = mg.ones(3)
    y = mg.zeros(3, requires_grad=True)
    (y + 0).backward(seed)
    (y + 0).backward(seed)
    np.testing.assert_array_equal(seed.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0, 2.0])


class DoubleOnce(Function):
    """A backward on raw arrays: fine once, refused under create_graph=True."""

    once_differentiable = True

    @staticmethod
    def forward(ctx, x):
        return x.array * 2

    @staticmethod
    def backward(ctx, grad):
        return grad.array * 2


def test_once_differentiable_functions_refuse_double_backward() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    DoubleOnce.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="DoubleOnce: .*raw arrays.*create_graph=True"):
        mg.autograd.grad(DoubleOnce.apply(x).sum(), x, create_graph=True)


def test_a_leaf_hook_sees_the_total_gradient_once() -> None:
    """As in PyTorch, a leaf used on several paths has its hook run on the summed gradient."""
    x = mg.tensor(1.0, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    x.register_hook(lambda g: g.clamp(max=1.0))
    (x * 2 + x * 3).backward()
    assert seen == [5.0]
    assert x.grad.item() == 1.0
    (g,) = mg.autograd.grad(x * 2 + x * 3, x)  # autograd.grad runs the hooks too
    assert seen == [5.0, 5.0] and g.item() == 1.0


def test_a_leaf_gradient_keeps_the_memory_order_it_arrives_in():
    """As in PyTorch, a dense leaf's .grad has the leaf's strides: a channels-last gradient is
    copied as it is, not transposed into C order (a slow pass)."""
    values = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 4, 5, 3)
    x = mg.tensor(values).permute(0, 3, 1, 2).detach().requires_grad_()
    seed = mg.tensor(values * 0.5).permute(0, 3, 1, 2)
    (x * 1.0).backward(seed)
    assert x.grad.to("cpu").array.strides == x.to("cpu").array.strides
    np.testing.assert_array_equal(x.grad.numpy(), seed.numpy())


# --- retain_grad: a non-leaf's gradient kept in .grad ------------------------------------------
def test_retain_grad_keeps_a_non_leaf_gradient_and_sums_over_calls():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = (y * 3.0).sum()
    z.backward(retain_graph=True)
    np.testing.assert_array_equal(y.grad.numpy(), [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0, 18.0])
    z.backward()
    np.testing.assert_array_equal(y.grad.numpy(), [6.0, 6.0, 6.0])  # summed, as PyTorch


def test_retain_grad_sees_the_total_over_all_consumers():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = x * 2.0
    y.retain_grad()
    (y * y + y).sum().backward()  # d/dy = 2y + 1
    np.testing.assert_array_equal(y.grad.numpy(), [5.0, -7.0])


def test_retain_grad_on_a_leaf_and_on_a_constant():
    x = mg.tensor([1.0], requires_grad=True)
    x.retain_grad()  # a leaf keeps its gradient anyway
    (x * 4.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0])
    with pytest.raises(RuntimeError, match="retain_grad: cannot retain the gradient of a tensor "
                                           "that does not require grad"):
        mg.tensor([1.0]).retain_grad()


def test_retain_grad_does_not_keep_the_tensor_alive():
    import gc
    import weakref
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.retain_grad()
    z = y.sum()
    alive = weakref.ref(y)
    gc.disable()
    try:
        del y, z  # freed by reference counting alone: no cycle through the hook
        assert alive() is None
    finally:
        gc.enable()


# --- set_grad_enabled as a context manager, inference_mode -----------------------------------
def _records() -> bool:
    return (mg.ones(1, requires_grad=True) * 2).requires_grad


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_as_a_context_manager_restores_the_mode(mode) -> None:
    with mg.no_grad():
        with mg.set_grad_enabled(mode):
            assert _records() is mode
        assert not _records()
    with mg.set_grad_enabled(mode):
        assert _records() is mode
    assert _records()


def test_inference_mode_forms() -> None:
    with mg.inference_mode():
        assert not _records()
    with mg.inference_mode(False):
        assert _records()
    assert _records()

    @mg.inference_mode
    def bare():
        return _records()

    @mg.inference_mode()
    def called():
        return _records()

    @mg.inference_mode(False)
    def off():
        return _records()
    assert (bare(), called(), off()) == (False, False, True)
    assert _records()

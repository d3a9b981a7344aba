"""The autograd API as a user writing and gradient-checking layers meets it, next to
PyTorch's behaviour (grad modes, backward/grad arguments, hooks, custom Functions,
autograd.functional). Expected values come from the math or from PyTorch 2.13's documented
behaviour; none of these tests needs torch."""
import threading

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def _vals(t):
    return None if t is None else np.asarray(t.detach().numpy(), dtype=float).tolist()


# --- grad mode: per thread, inference_mode(False), decorators ------------------------------
def test_grad_mode_is_per_thread_a_worker_thread_does_not_switch_recording_off():
    # A thread computing on tensors (a DataLoader worker's transform) used to switch the one
    # global grad mode off around each op's forward, so ops in the main thread went unrecorded.
    stop = threading.Event()

    def worker():
        a = mg.ones(8)
        while not stop.is_set():
            a = (a * 1.0).exp().log()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        x = mg.ones(4, requires_grad=True)
        unrecorded = sum(not (x * 2).requires_grad for _ in range(3000))
    finally:
        stop.set()
        thread.join()
    assert unrecorded == 0


def test_new_thread_starts_with_grad_enabled_whatever_its_parent_does():
    seen = []
    with mg.no_grad():
        t = threading.Thread(target=lambda: seen.append(mg.is_grad_enabled()))
        t.start()
        t.join()
        assert not mg.is_grad_enabled()
    assert seen == [True]


def test_inference_mode_false_turns_recording_on_as_in_torch():
    with mg.no_grad():
        with mg.inference_mode(False):
            assert mg.is_grad_enabled()
            assert not mg.is_inference_mode_enabled()
        assert not mg.is_grad_enabled()
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        with mg.inference_mode(False):
            assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()
        assert mg.is_inference_mode_enabled()
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()


def test_set_grad_enabled_as_decorator():
    @mg.set_grad_enabled(False)
    def inside():
        return mg.is_grad_enabled()

    assert mg.is_grad_enabled()  # making the decorator changes nothing outside
    assert inside() is False
    assert mg.is_grad_enabled()


def test_no_grad_decorates_a_generator_function_for_each_resume():
    @mg.no_grad()
    def gen():
        received = yield mg.is_grad_enabled()
        yield (received, mg.is_grad_enabled())
        return "done"

    it = gen()
    assert next(it) is False
    assert mg.is_grad_enabled()  # the caller's mode between resumes
    assert it.send(5) == (5, False)
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value == "done"


def test_grad_mode_decorated_generator_gets_thrown_exceptions_and_close_in_its_mode():
    log = []

    @mg.enable_grad()
    def gen():
        try:
            yield 1
        except KeyError:
            log.append(("caught", mg.is_grad_enabled()))
            yield 2
        finally:
            log.append(("finally", mg.is_grad_enabled()))

    with mg.no_grad():
        it = gen()
        next(it)
        assert it.throw(KeyError()) == 2
        it.close()
        assert not mg.is_grad_enabled()
    assert log == [("caught", True), ("finally", True)]


def test_anomaly_flags_at_top_level():
    assert not mg.is_anomaly_enabled()
    mg.set_anomaly_enabled(True, check_nan=False)
    try:
        assert mg.is_anomaly_enabled() and not mg.is_anomaly_check_nan_enabled()
    finally:
        mg.set_anomaly_enabled(False)
    assert not mg.is_anomaly_enabled() and mg.is_anomaly_check_nan_enabled()


# --- autograd.grad: duplicate inputs, only the needed part of the graph runs ----------------
def test_grad_with_the_same_input_twice_returns_its_gradient_twice():
    x = mg.tensor([1., 2., 3.], requires_grad=True)
    gx, gx2 = mg.autograd.grad((x * x).sum(), [x, x])
    assert _vals(gx) == _vals(gx2) == [2., 4., 6.]
    h = x * 3
    gh, gh2 = mg.autograd.grad((h * h).sum(), [h, h])
    assert _vals(gh) == _vals(gh2) == [6., 12., 18.]


def test_grad_does_not_call_hooks_off_the_path_to_its_inputs():
    log = []
    x = mg.tensor([1., 2.], requires_grad=True)
    x.register_hook(lambda g: log.append("leaf x"))
    h = x * 2
    h.register_hook(lambda g: log.append("h"))
    w = mg.tensor([3., 4.], requires_grad=True)
    (gw,) = mg.autograd.grad((h * w).sum(), [w])
    assert _vals(gw) == [2., 4.] and log == []
    (gh,) = mg.autograd.grad((h * w).sum(), [h])  # h's hook runs, not the leaf's behind it
    assert _vals(gh) == [3., 4.] and log == ["h"]


def test_grad_leaves_the_part_of_the_graph_it_did_not_need_for_a_later_backward():
    x = mg.tensor([1., 2.], requires_grad=True)
    w = mg.tensor([0., 1.], requires_grad=True)
    y = (x * x).sum() + w.exp().sum()
    mg.autograd.grad(y, [x])
    (gw,) = mg.autograd.grad(y, [w])  # Exp's saved tensor was not freed by the first call
    assert np.allclose(_vals(gw), np.exp([0., 1.]))


def test_grad_materialize_grads_and_only_inputs():
    x = mg.tensor([1., 2.], requires_grad=True)
    w = mg.tensor([5., 6.], requires_grad=True)
    gw, gx = mg.autograd.grad((x * x).sum(), [w, x], materialize_grads=True)
    assert _vals(gw) == [0., 0.] and _vals(gx) == [2., 4.]
    gw, _ = mg.autograd.grad((x * x).sum(), [w, x], materialize_grads=True, create_graph=True)
    assert gw.requires_grad  # as PyTorch's materialized zeros
    with pytest.raises(ValueError, match="allow_unused"):
        mg.autograd.grad((x * x).sum(), [w, x], materialize_grads=True, allow_unused=False)
    (g,) = mg.autograd.grad((x * 2).sum(), x, only_inputs=True)
    assert _vals(g) == [2., 2.]


# --- retain_grad sees what the tensor's hooks leave, in whatever order they came -------------
def test_retain_grad_keeps_the_gradient_after_hooks_registered_later():
    x = mg.tensor([1., 2., 3.], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    assert _vals(h.grad) == [40., 80., 120.]  # PyTorch: the hooked gradient, as x sees it
    assert _vals(x.grad) == [80., 160., 240.]


# --- backward(inputs=...) ----------------------------------------------------------------------
def test_backward_inputs_accumulates_only_into_those_tensors():
    x = mg.tensor([1., 2.], requires_grad=True)
    w = mg.tensor([3., 4.], requires_grad=True)
    log = []
    w.register_hook(lambda g: log.append("w"))
    (x * w).sum().backward(inputs=[x])
    assert _vals(x.grad) == [3., 4.] and w.grad is None and log == []
    (x * w).sum().backward(inputs=x)  # a single tensor too; accumulates
    assert _vals(x.grad) == [6., 8.]


def test_backward_inputs_non_leaf_gets_its_hooked_grad_and_leaf_once_when_listed_twice():
    x = mg.tensor([1., 2.], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: g * 10)
    (h * h).sum().backward(inputs=[h, x, x])
    assert _vals(h.grad) == [60., 120.]
    assert _vals(x.grad) == [180., 360.]


def test_backward_inputs_errors_and_unused_input():
    x = mg.tensor([1., 2.], requires_grad=True)
    w = mg.tensor([1., 2.], requires_grad=True)
    y = (x * 2).sum()
    y.backward(inputs=[w], retain_graph=True)
    assert w.grad is None and x.grad is None
    with pytest.raises(RuntimeError, match="empty"):
        y.backward(inputs=[])
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward(inputs=[x.detach()])


def test_backward_inputs_create_graph_keeps_a_differentiable_grad():
    x = mg.tensor([1., 2.], requires_grad=True)
    (x * x * x).sum().backward(inputs=[x], create_graph=True)
    assert x.grad.requires_grad and _vals(x.grad) == [3., 12.]
    (g2,) = mg.autograd.grad(x.grad.sum(), x)
    assert _vals(g2) == [6., 12.]


# --- custom Functions ----------------------------------------------------------------------------
class _Scale(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x, k=1.0):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, grad):
        # one gradient per input: k is an input only when given (dk = 7 * grad, made up)
        return (grad * ctx.k,) + ((grad * 7,) if len(ctx.needs_input_grad) == 2 else ())


def test_function_apply_keyword_arguments_are_inputs_as_in_torch():
    x = mg.tensor([1., 5.], requires_grad=True)
    y = _Scale.apply(x=x)  # before: x passed by keyword was not recorded (no grad_fn)
    assert y.requires_grad
    y.sum().backward()
    assert _vals(x.grad) == [1., 1.]
    x.grad = None
    w = mg.tensor([2., 2.], requires_grad=True)
    _Scale.apply(x, k=w).sum().backward()
    assert _vals(x.grad) == [2., 2.] and _vals(w.grad) == [7., 7.]


def test_function_setup_context_style():
    class Exp(mg.autograd.Function):
        @staticmethod
        def forward(x, scale=2.0):
            return x.exp() * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, scale = inputs  # defaults filled in
            ctx.scale = scale
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out, None

    x = mg.tensor([0., 1.], dtype=mg.float64, requires_grad=True)
    y = Exp.apply(x)
    assert np.allclose(_vals(y), 2 * np.exp([0., 1.]))
    y.sum().backward()
    assert np.allclose(_vals(x.grad), 2 * np.exp([0., 1.]))
    assert mg.gradcheck(Exp.apply, (x,)) and mg.gradgradcheck(Exp.apply, (x,))


def test_function_saving_its_own_output_is_differentiable_twice():
    class Exp(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.exp()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out

    x = mg.tensor([0., 1.], dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (g2,) = mg.autograd.grad((g * x).sum(), x)  # before: the saved output had no grad_fn
    e = np.exp([0., 1.])
    assert np.allclose(_vals(g2), e + np.array([0., 1.]) * e)
    assert mg.gradgradcheck(Exp.apply, (x,))


def test_function_forward_may_return_non_tensor_values():
    class WithInfo(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 7, None

        @staticmethod
        def backward(ctx, grad, g_int, g_none):
            assert g_int is None and g_none is None
            return grad * 2

    x = mg.tensor([1., 2.], requires_grad=True)
    y, n, nothing = WithInfo.apply(x)
    assert n == 7 and nothing is None
    y.sum().backward()
    assert _vals(x.grad) == [2., 2.]


def test_function_backward_must_return_one_gradient_per_input():
    class TooFew(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            return x * w + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad  # b's gradient forgotten: was silently None

    class TooMany(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, grad

    class TrailingNone(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None  # accepted, as in PyTorch

    x, w, b = (mg.tensor([1., 2.], requires_grad=True) for _ in range(3))
    with pytest.raises(RuntimeError, match="returned 2 gradients, but forward took 3 inputs"):
        TooFew.apply(x, w, b).sum().backward()
    with pytest.raises(RuntimeError, match="returned 2 gradients, but forward took 1 inputs"):
        TooMany.apply(x).sum().backward()
    TrailingNone.apply(x).sum().backward()
    assert _vals(x.grad) == [2., 2.]


def test_function_gradient_of_a_broadcast_shape_is_summed_down():
    class Expanding(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.expand(3, 2) * 2  # PyTorch sums it to the input's shape

    x = mg.tensor([1., 2.], requires_grad=True)
    Expanding.apply(x).sum().backward()
    assert _vals(x.grad) == [6., 6.]


# --- leaf hooks after accumulation, and what .grad accepts ------------------------------------------
def test_post_accumulate_grad_hook_sees_the_summed_grad_and_can_be_removed():
    x = mg.tensor([1., 2.], requires_grad=True)
    log = []
    handle = x.register_post_accumulate_grad_hook(lambda t: log.append((t is x, _vals(t.grad))))
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    mg.autograd.grad((x * x).sum(), x)  # accumulates nothing: no call
    handle.remove()
    (x * 3).sum().backward()
    assert log == [(True, [20., 40.]), (True, [50., 70.])]
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_post_accumulate_grad_hook_as_an_optimizer_step():
    x = mg.tensor([1., 2.], requires_grad=True)

    def step(t):
        with mg.no_grad():
            t.sub_(0.5 * t.grad)
        t.grad = None

    x.register_post_accumulate_grad_hook(step)
    (x * x).sum().backward()
    assert _vals(x) == [0., 0.] and x.grad is None


def test_assigning_a_grad_of_another_shape_dtype_or_type_raises_as_in_torch():
    p = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        p.grad = mg.ones(2)  # before: accepted, then broadcast silently in p -= lr * p.grad
    with pytest.raises(RuntimeError, match="float64"):
        p.grad = mg.ones(3, dtype=mg.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        p.grad = 1.0
    with pytest.raises(RuntimeError, match="its own grad"):
        p.grad = p
    p.grad = mg.ones(3)
    p.grad = None
    assert p.grad is None


# --- autograd.functional ------------------------------------------------------------------------------
def test_functional_jvp_strict_refuses_an_unused_input():
    def f(x, y):
        return x * 2

    x, y = mg.ones(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        mg.autograd.functional.jvp(f, (x, y), (x, y), strict=True)
    _, jv = mg.autograd.functional.jvp(f, (x, y), (x, y))
    assert _vals(jv) == [2., 2., 2.]


def test_functional_integer_input_raises_as_in_torch():
    with pytest.raises(RuntimeError, match="floating"):
        mg.autograd.functional.jacobian(lambda x: x * 2, mg.tensor([1, 2]))


def test_a_tensor_hook_that_changes_the_gradients_shape_or_dtype_is_named_in_the_error():
    x = mg.tensor([1., 2.], requires_grad=True)

    def shrink(g):
        return g[:1]

    h = x * 2
    h.register_hook(shrink)
    with pytest.raises(RuntimeError, match=r"hook 'shrink' has changed the gradient from shape \(2,\)"):
        (h * h).sum().backward()  # before: a ValueError from reshape inside an op's backward

    def widen(g):
        return g.to(mg.float64)

    y = mg.tensor([1., 2.], requires_grad=True)
    y.register_hook(widen)
    with pytest.raises(RuntimeError, match="hook 'widen'.*float64"):
        (y * y).sum().backward()  # before: accepted silently


def test_backward_inputs_on_a_tensor_that_retains_grad_accumulates_once():
    x = mg.tensor([1., 2.], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward(inputs=[h])
    assert _vals(h.grad) == [6., 12.] and x.grad is None


def test_double_backward_through_checkpoint():
    from minigrad.utils.checkpoint import checkpoint
    x = mg.tensor([1., 2.], dtype=mg.float64, requires_grad=True)
    w = mg.tensor([0.5, -1.], dtype=mg.float64, requires_grad=True)
    y = checkpoint(lambda a: a ** 3 * w, x) + x ** 3
    (g,) = mg.autograd.grad(y.sum(), x, create_graph=True)
    assert np.allclose(_vals(g), 3 * np.array([1., 4.]) * (np.array([0.5, -1.]) + 1))
    # before: d/dx sum(g) lost the block's term (6x w); w.grad held dy/dw from the first call
    (g * 1).sum().backward()
    assert np.allclose(_vals(x.grad), 6 * np.array([1., 2.]) * (np.array([0.5, -1.]) + 1))
    assert np.allclose(_vals(w.grad), 3 * np.array([1., 4.]))  # d/dw sum(3 x^2 w) only


def test_checkpoint_under_autograd_grad_leaves_parameter_grads_alone():
    from minigrad.utils.checkpoint import checkpoint
    x = mg.tensor([1., 2.], dtype=mg.float64, requires_grad=True)
    w = mg.tensor([3., 4.], dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad(checkpoint(lambda a: a * a * w, x).sum(), x)
    assert _vals(g) == [6., 16.] and w.grad is None  # before: w.grad = [1, 4]
    checkpoint(lambda a: a * a * w, x).sum().backward(inputs=[x])
    assert _vals(x.grad) == [6., 16.] and w.grad is None
    checkpoint(lambda a: a * a * w, x).sum().backward()
    assert _vals(w.grad) == [1., 4.]


# --- the graph as PyTorch's Node API shows it ---------------------------------------------------
def test_grad_fn_next_functions_and_node_hooks():
    x = mg.tensor([1., 2.], requires_grad=True)
    w = mg.tensor([3., 4.], requires_grad=True)
    y = x * w
    (acc_x, nx), (acc_w, nw) = y.grad_fn.next_functions
    assert acc_x.name == "AccumulateGrad" and acc_x.variable is x and acc_w.variable is w
    assert (nx, nw) == (0, 0)
    assert mg.tensor([1.], requires_grad=True).mul(2).grad_fn.next_functions[1] == (None, 0)
    z = y.exp()
    assert z.grad_fn.next_functions == ((y.grad_fn, 0),)

    log = []
    y.register_hook(lambda g: g * 3)                               # tensor hook first
    y.grad_fn.register_prehook(lambda go: (go[0] * 2,))            # then the node's prehook
    y.grad_fn.register_hook(lambda gi, go: log.append((_vals(gi[0]), _vals(go[0]))))
    handle = y.grad_fn.register_hook(lambda gi, go: (None, gi[1] * 10))
    y.sum().backward()
    assert log == [([18., 24.], [6., 6.])]
    assert x.grad is None and _vals(w.grad) == [60., 120.]
    handle.remove()


def test_node_hook_errors_and_version_counter():
    x = mg.tensor([1., 2.], requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0]))  # the constant 2 has no gradient
    with pytest.raises(RuntimeError, match="cannot replace a None gradient"):
        y.sum().backward()
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (go[0][:1],))
    with pytest.raises(RuntimeError, match="changed the gradient from shape"):
        y.sum().backward()
    v = x._version
    with mg.no_grad():
        x.add_(1)
    assert x._version == v + 1


# --- gradcheck's checks beyond the Jacobian (PyTorch runs them too) -------------------------------
class _LossForgettingGrad(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * x).sum()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x  # should be 2 * x * grad: wrong as soon as the loss is scaled


def test_gradcheck_fails_a_scalar_backward_that_ignores_grad_output():
    x = mg.tensor([1., 2.], dtype=mg.float64, requires_grad=True)
    # before: full mode passed it (its one-hot grad_output of a scalar is 1)
    assert mg.gradcheck(_LossForgettingGrad.apply, (x,), raise_exception=False) is False
    with pytest.raises(mg.GradcheckError, match="not multiplied by grad_output"):
        mg.gradcheck(_LossForgettingGrad.apply, (x,))


def test_gradcheck_fails_a_nondeterministic_backward_unless_nondet_tol_allows_it():
    class Noisy(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2 + mg.rand(*grad.shape, dtype=grad.dtype) * 1e-7 * (grad != 0)

    x = mg.tensor([1., 2.], dtype=mg.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match="not reentrant"):
        mg.gradcheck(Noisy.apply, (x,))
    assert mg.gradcheck(Noisy.apply, (x,), nondet_tol=1e-6)
    assert mg.gradcheck(Noisy.apply, (x,), nondet_tol=1e-6, fast_mode=True)


def test_gradcheck_check_grad_dtypes():
    class WrongDtype(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2).to(mg.float32)

    x = mg.tensor([1., 2.], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(WrongDtype.apply, (x,))  # off by default, as in PyTorch
    with pytest.raises(mg.GradcheckError, match="dtype float32"):
        mg.gradcheck(WrongDtype.apply, (x,), check_grad_dtypes=True)


def test_grad_is_grads_batched_gives_one_vjp_per_row():
    x = mg.tensor([1., 2., 3.], dtype=mg.float64, requires_grad=True)
    y = x * x
    (jac,) = mg.autograd.grad(y, x, mg.eye(3, dtype=mg.float64), is_grads_batched=True)
    assert _vals(jac) == np.diag([2., 4., 6.]).tolist()
    with pytest.raises(RuntimeError, match="second time"):  # the last row freed the graph
        y.sum().backward()
    with pytest.raises(RuntimeError, match="batch"):
        mg.autograd.grad(x * x, x, is_grads_batched=True)  # nothing to batch over


# --- autograd.graph.saved_tensors_hooks ---------------------------------------------------------
def test_saved_tensors_hooks_pack_and_unpack_what_ops_save():
    log = []

    def pack(t):
        log.append("pack")
        return (t * 1).detach().numpy().copy()  # an op inside pack is not packed again

    def unpack(a):
        log.append("unpack")
        return mg.tensor(a)

    x = mg.tensor([1., 2.], dtype=mg.float64, requires_grad=True)
    with mg.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (x.sin() * x).sum()
    n_packed = log.count("pack")
    assert n_packed >= 2 and "unpack" not in log
    y.backward()
    assert np.allclose(_vals(x.grad), np.cos([1., 2.]) * [1., 2.] + np.sin([1., 2.]))
    assert log.count("unpack") == n_packed
    with mg.no_grad(), mg.autograd.graph.saved_tensors_hooks(pack, unpack):
        (x * x).sum()
    assert log.count("pack") == n_packed  # nothing is saved without a graph


def test_saved_tensors_hooks_errors():
    x = mg.tensor([1., 2.], requires_grad=True)
    with mg.autograd.graph.saved_tensors_hooks(lambda t: t, lambda o: 3):
        y = (x * x).sum()
    with pytest.raises(TypeError, match="unpack hook returned a int"):
        y.backward()
    with mg.autograd.graph.disable_saved_tensors_hooks("no hooks in here"):
        with pytest.raises(RuntimeError, match="no hooks in here"):
            with mg.autograd.graph.saved_tensors_hooks(lambda t: t, lambda o: o):
                pass


_PIECEWISE_LINEAR = {
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "hardtanh": lambda x: F.hardtanh(x),
    "relu6": lambda x: F.relu6(x),
    "threshold": lambda x: F.threshold(x, 0.1, 2.0),
    "hardshrink": lambda x: F.hardshrink(x),
    "softshrink": lambda x: F.softshrink(x),
    "max_pool2d": lambda x: F.max_pool2d(x.reshape(1, 1, 2, 3), (2, 1)),
    "adaptive_max_pool2d": lambda x: F.adaptive_max_pool2d(x.reshape(1, 1, 2, 3), 1),
    "prelu": lambda x: F.prelu(x, mg.tensor([0.25], dtype=x.dtype)),
}


@pytest.mark.parametrize("name", sorted(_PIECEWISE_LINEAR))
def test_piecewise_linear_gradient_differentiates_to_zeros(name):
    """Under create_graph=True the gradient of a piecewise-linear op is a function of its input
    (with derivative 0 between kinks), as in PyTorch; before, it did not require grad and a
    second grad raised 'input 0 was not used'."""
    x = mg.tensor([0.5, -1.5, 2.5, -0.25, 3.0, 0.75], dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad(_PIECEWISE_LINEAR[name](x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = mg.autograd.grad((g * g).sum(), x)
    assert _vals(h) == [0.0] * 6


def test_gradient_penalty_through_relu_matches_torch_values():
    """d/dx and d/dw of |d relu(w x) / dx|^2: zero in x, 2 (w^T m) m x^T-like in w (worked out
    by hand: g = w^T [wx > 0] = w[0] here, so d|g|^2/dw[0] = 2 w[0], row 1 gets nothing)."""
    w = mg.tensor([[1., 2., 3.], [0., 1., -1.]], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([0.5, -1., 2.], dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad((w @ x).relu().sum(), x, create_graph=True)
    gx, gw = mg.autograd.grad((g * g).sum(), (x, w))
    assert _vals(gx) == [0.0, 0.0, 0.0]
    assert gw.tolist() == [[2.0, 4.0, 6.0], [0.0, 0.0, 0.0]]


def test_linear_op_gradient_stays_off_the_graph():
    """2 * grad does not depend on x at all: as in PyTorch it does not require grad."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.autograd.grad((x * 2).sum(), x, create_graph=True)
    assert not g.requires_grad

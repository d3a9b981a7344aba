"""Session 11: the autograd API as a user writing and gradient-checking layers meets it, next
to PyTorch's behaviour (grad modes, backward/grad arguments, hooks, custom Functions,
autograd.functional). Expected values come from the math or from PyTorch 2.13's documented
behaviour; none of these tests needs torch."""
import threading

import numpy as np
import pytest

import minigrad as mg


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

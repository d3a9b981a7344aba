"""Training helpers: fit/evaluate/History with a tiny model made of core ops only,
metrics against hand-computed values, and (when nn/optim exist) a real CNN on MNIST."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, TensorDataset
from minigrad.training import History, accuracy, confusion_matrix, evaluate, fit, predict
from devices import TEST_DEVICE


class _Softmax:
    """A linear classifier with the Module surface fit() relies on."""

    def __init__(self, d, k):
        rng = np.random.default_rng(0)
        self.w = mg.tensor(rng.normal(0, 0.1, (d, k)).astype(np.float32), requires_grad=True)
        self.b = mg.tensor(np.zeros(k, np.float32), requires_grad=True)
        self.training = True
        self.grad_enabled_calls = []

    def __call__(self, x):
        self.grad_enabled_calls.append((self.training, mg.is_grad_enabled()))
        return x @ self.w + self.b

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def parameters(self):
        return [self.w, self.b]


class _SGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.param_groups = [{"lr": lr}]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for p in self.params:
            p.array -= self.param_groups[0]["lr"] * p.grad.array


def _xent(logits, y):
    k = logits.shape[1]
    onehot = mg.tensor(np.eye(k, dtype=np.float32)[y.numpy()])
    return -(logits.log_softmax(dim=1) * onehot).sum(dim=1).mean()


def _blobs(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]], np.float32)
    x = (centres[y] + rng.normal(0, 0.6, (n, 2))).astype(np.float32)
    return TensorDataset(mg.tensor(x), mg.tensor(y))


def test_fit_learns_and_records_history(capsys):
    model = _Softmax(2, 3)
    opt = _SGD(model.parameters(), lr=0.3)
    train = DataLoader(_blobs(300, 0), batch_size=32, shuffle=True, seed=0)
    val = DataLoader(_blobs(100, 1), batch_size=50)
    h = fit(model, opt, train, epochs=4, loss_fn=_xent, val_loader=val, progress=False)
    assert isinstance(h, History) and len(h) == 4 and h.epoch == [1, 2, 3, 4]
    assert h.train_loss[-1] < h.train_loss[0] and h.train_acc[-1] > 0.9 and h.val_acc[-1] > 0.9
    assert all(isinstance(v, float) for v in h.train_loss + h.val_loss + h.train_acc + h.val_acc)
    assert h.lr == [0.3] * 4 and all(t > 0 for t in h.time)
    assert capsys.readouterr().err == ""  # progress=False is silent
    d = h.to_dict()
    assert set(d) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time"}
    assert History.from_dict(d).to_dict() == d
    # Validation ran in eval mode without recording graphs; training steps did the opposite.
    assert (False, False) in model.grad_enabled_calls and (True, True) in model.grad_enabled_calls
    assert (True, False) not in model.grad_enabled_calls and (False, True) not in model.grad_enabled_calls
    # Continuing a history numbers epochs on from where it stopped.
    h2 = fit(model, opt, train, epochs=1, loss_fn=_xent, progress=False, history=h)
    assert h2 is h and h.epoch == [1, 2, 3, 4, 5] and math.isnan(h.val_loss[-1])


class _CountingScheduler:
    def __init__(self):
        self.steps = 0

    def step(self):
        self.steps += 1


@pytest.mark.parametrize("interval, expected", [("epoch", 2), ("batch", 2 * 4)])
def test_fit_steps_the_scheduler_per_epoch_or_per_batch(interval, expected):
    model = _Softmax(2, 3)
    sched = _CountingScheduler()
    fit(model, _SGD(model.parameters(), 0.3), DataLoader(_blobs(64, 0), batch_size=16), epochs=2,
        loss_fn=_xent, progress=False, scheduler=sched, scheduler_interval=interval)
    assert sched.steps == expected
    with pytest.raises(ValueError, match="scheduler_interval"):
        fit(model, _SGD(model.parameters(), 0.3), DataLoader(_blobs(16, 0), batch_size=16),
            loss_fn=_xent, progress=False, scheduler=sched, scheduler_interval="step")


def test_fit_progress_bar_shows_live_metrics(capsys):
    pytest.importorskip("tqdm")
    model = _Softmax(2, 3)
    fit(model, _SGD(model.parameters(), 0.3), DataLoader(_blobs(64, 0), batch_size=16), epochs=2,
        loss_fn=_xent, val_loader=DataLoader(_blobs(20, 1), batch_size=20), progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err and "4/4" in err
    assert "loss=" in err and "acc=" in err and "val_acc=" in err  # live postfix, then validation on the same line


def test_evaluate_and_predict_restore_mode():
    model = _Softmax(2, 3)
    loader = DataLoader(_blobs(90, 2), batch_size=40)
    r = evaluate(model, loader, loss_fn=_xent)
    assert set(r) == {"loss", "accuracy"} and r["loss"] > 0 and 0 <= r["accuracy"] <= 1
    assert model.training
    # The mean loss is over samples, not batches (the last batch is smaller).
    x, y = loader.dataset.tensors
    full = float(_xent(model(x), y).item())
    assert r["loss"] == pytest.approx(full, rel=1e-5)
    assert r["accuracy"] == pytest.approx(accuracy(model(x), y))
    pred, tgt = predict(model, loader)
    assert pred.shape == (90,) and tgt.numpy().tolist() == y.numpy().tolist() and model.training


def test_non_classification_loss_gives_nan_accuracy():
    model = _Softmax(2, 1)
    ds = TensorDataset(mg.tensor(np.ones((8, 2), np.float32)), mg.tensor(np.zeros((8, 1), np.float32)))
    h = fit(model, _SGD(model.parameters(), 0.1), DataLoader(ds, batch_size=4), epochs=1,
            loss_fn=lambda out, t: ((out - t) ** 2).mean(), progress=False)
    assert math.isnan(h.train_acc[0]) and h.train_loss[0] > 0


def test_fit_argument_errors():
    model = _Softmax(2, 3)
    with pytest.raises(ValueError, match="epochs must be a non-negative int"):
        fit(model, _SGD(model.parameters(), 0.1), [], epochs=1.5, loss_fn=_xent)
    with pytest.raises(ValueError, match="produced no batches"):
        fit(model, _SGD(model.parameters(), 0.1), [], epochs=1, loss_fn=_xent, progress=False)
    with pytest.raises(ValueError, match=r"each batch must be \(inputs, targets, ...\), got Tensor"):
        fit(model, _SGD(model.parameters(), 0.1), [mg.tensor([1.0])], loss_fn=_xent, progress=False)
    stopped = fit(model, _SGD(model.parameters(), 0.1), DataLoader(_blobs(8, 0), batch_size=8), epochs=5,
                  loss_fn=_xent, progress=False, on_epoch_end=lambda e, h: e == 2)
    assert len(stopped) == 2
    with pytest.raises(ValueError, match="unknown keys"):
        History.from_dict({"epoch": [1], "bogus": [2]})


def test_accuracy_and_confusion_matrix():
    logits = mg.tensor(np.array([[2, 1, 0], [0, 3, 1], [1, 0, 4], [5, 1, 1], [0, 1, 0]], np.float32))
    target = mg.tensor(np.array([0, 1, 1, 2, 1]))
    assert accuracy(logits, target) == pytest.approx(3 / 5)
    cm = confusion_matrix(logits, target)
    assert cm.dtype == np.int64 and cm.shape == (3, 3)
    # rows: true class, columns: predicted class
    assert cm.numpy().tolist() == [[1, 0, 0], [0, 2, 1], [1, 0, 0]]
    labels = mg.tensor(np.array([3, 3, 0]))
    assert confusion_matrix(labels, mg.tensor(np.array([3, 1, 0]))).numpy().tolist() == [
        [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]]
    assert accuracy(labels, mg.tensor(np.array([3, 1, 0]))) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="5 predictions but 4 targets"):
        accuracy(logits, mg.tensor(np.array([0, 1, 1, 2])))
    with pytest.raises(ValueError, match=r"target must be integer class indices of shape \(N,\)"):
        accuracy(logits, mg.tensor(np.zeros(5, np.float32)))
    with pytest.raises(ValueError, match=r"expected logits of shape \(N, K\) or integer labels"):
        accuracy(mg.tensor(np.zeros((5, 2, 2), np.float32)), target)
    with pytest.raises(ValueError, match=r"labels outside \[0, 2\)"):
        confusion_matrix(logits, target, num_classes=2)


# --- end to end: a small CNN on an MNIST subset, public API only ------------------------------


def _data_home():
    for c in (os.environ.get("MINIGRAD_DATA"), Path(__file__).resolve().parents[1].parent / "shared" / "data"):
        if c and (Path(c) / "mnist").is_dir():
            return Path(c)
    return None


def _have_nn_optim() -> bool:
    try:
        import minigrad.nn as nn
        import minigrad.optim as optim
    except ImportError:
        return False
    return all(hasattr(nn, n) for n in ("Conv2d", "MaxPool2d", "Linear", "ReLU", "Flatten", "Sequential")) and \
        hasattr(optim, "Adam") and hasattr(getattr(optim, "lr_scheduler", None), "StepLR") and \
        hasattr(getattr(nn, "functional", None), "cross_entropy")


@pytest.mark.skipif(not _have_nn_optim(), reason="minigrad.nn (Conv2d, MaxPool2d, Linear) / optim.Adam not available yet")
def test_small_cnn_reaches_95_percent_on_mnist_subset():
    home = _data_home()
    if home is None:
        pytest.skip("no MNIST data found (set MINIGRAD_DATA or provide ../shared/data)")
    import minigrad.nn as nn
    import minigrad.optim as optim
    from minigrad.data import MNIST, Subset
    from minigrad.data import transforms as T

    start = time.perf_counter()
    mg.manual_seed(0)
    train = Subset(MNIST(root=home, train=True, download=False), np.arange(12000))
    test = Subset(MNIST(root=home, train=False, download=False), np.arange(2000))
    norm = T.Normalize((0.1307,), (0.3081,))
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 10))
    opt = optim.Adam(model.parameters(), lr=4e-3)
    # Three short epochs with a falling learning rate: 96.1-96.4% on seeds 0-2, 20-40 s on 2 busy cores.
    # MNIST lives on the host; the loaders move each batch to the device the model was made on.
    h = fit(model, opt, DataLoader(train, batch_size=64, shuffle=True, seed=0, transform=norm,
                                   device=TEST_DEVICE), epochs=3,
            val_loader=DataLoader(test, batch_size=500, transform=norm, device=TEST_DEVICE),
            progress=False, scheduler=optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.3))
    elapsed = time.perf_counter() - start
    assert h.val_acc[-1] >= 0.95, h
    assert h.train_loss[-1] < h.train_loss[0] and h.lr == pytest.approx([4e-3, 1.2e-3, 3.6e-4])
    assert elapsed < 60, f"took {elapsed:.1f}s"

"""The usual epoch loop, written once: ``fit``, ``evaluate``, metrics and a history.

Users may still write their own loop (it is ten lines, see ``fit``); these
helpers exist so tutorials can focus on the model, and so every run records
the per-epoch train/validation loss and accuracy that show under- and
over-fitting (``History``, which the plotting helpers draw).

tqdm is imported when a progress bar is actually shown, never at import.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional


def _backend(device: str):
    from .backend import get_backend

    return get_backend(device)


def _tensor(array: Any, device: str):
    import minigrad as mg

    return mg.tensor(array, device=device)


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "array") and hasattr(x, "device")


@dataclass
class History:
    """Per-epoch metrics as plain lists (NaN where a value was not measured)."""

    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    time: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.epoch)

    def to_dict(self) -> dict[str, list]:
        """Plain lists of Python numbers: what ``mg.save`` and plotting take."""
        return {k: list(v) for k, v in vars(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        """Rebuild a history saved with ``to_dict`` (unknown keys are an error)."""
        known = set(cls.__dataclass_fields__)
        extra = set(d) - known
        if extra:
            raise ValueError(f"History.from_dict: unknown keys {sorted(extra)}; expected a subset of {sorted(known)}")
        return cls(**{k: list(v) for k, v in d.items()})

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(empty)"
        last = {k: v[-1] for k, v in vars(self).items() if v}
        body = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in last.items())
        return f"History({len(self)} epochs; last: {body})"


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def _predictions(output: Any) -> Any:
    """Class indices from logits (N x K) or pass through integer labels (N,)."""
    if not _is_tensor(output):
        raise TypeError(f"expected a Tensor of logits or labels, got {type(output).__name__}")
    xp = _backend(output.device).xp
    a = output.array
    if a.ndim == 2:
        return xp.argmax(a, axis=1)
    if a.ndim == 1 and a.dtype.kind in "iu":
        return a
    raise ValueError(
        f"expected logits of shape (N, K) or integer labels of shape (N,), got {a.dtype} {tuple(a.shape)}"
    )


def _check_targets(pred: Any, target: Any, who: str) -> Any:
    if not _is_tensor(target):
        raise TypeError(f"{who}: target must be a Tensor, got {type(target).__name__}")
    t = target.array
    if t.ndim != 1 or t.dtype.kind not in "iu":
        raise ValueError(f"{who}: target must be integer class indices of shape (N,), got {t.dtype} {tuple(t.shape)}")
    if t.shape[0] != pred.shape[0]:
        raise ValueError(f"{who}: {pred.shape[0]} predictions but {t.shape[0]} targets")
    return t


def _count_correct(output: Any, target: Any) -> Optional[int]:
    """Correct predictions in a batch, or None when the task is not classification."""
    if not (_is_tensor(output) and _is_tensor(target)):
        return None
    o, t = output.array, target.array
    if o.ndim != 2 or t.ndim != 1 or t.dtype.kind not in "iu" or o.shape[0] != t.shape[0]:
        return None
    if output.device != target.device:
        raise RuntimeError(f"accuracy: output is on {output.device} but target is on {target.device}")
    return int((_backend(output.device).xp.argmax(o, axis=1) == t).sum())


def accuracy(output: Any, target: Any) -> float:
    """Fraction of samples whose predicted class (argmax of logits, or given labels) is right."""
    pred = _predictions(output)
    t = _check_targets(pred, target, "accuracy")
    if output.device != target.device:
        raise RuntimeError(f"accuracy: output is on {output.device} but target is on {target.device}")
    if t.shape[0] == 0:
        raise ValueError("accuracy: empty batch")
    return float((pred == t).sum()) / t.shape[0]


def confusion_matrix(output: Any, target: Any, num_classes: Optional[int] = None):
    """``K x K`` int64 counts, row = true class, column = predicted class (sklearn's layout);
    shows which classes a model confuses, which accuracy alone hides."""
    pred = _predictions(output)
    t = _check_targets(pred, target, "confusion_matrix")
    if output.device != target.device:
        raise RuntimeError(f"confusion_matrix: output is on {output.device} but target is on {target.device}")
    xp = _backend(target.device).xp
    if num_classes is None:
        if output.array.ndim == 2:
            num_classes = int(output.array.shape[1])
        else:
            num_classes = int(max(int(t.max()) if t.size else -1, int(pred.max()) if pred.size else -1)) + 1
    k = int(num_classes)
    if k < 1:
        raise ValueError(f"confusion_matrix: num_classes must be >= 1, got {num_classes}")
    if t.size and (int(t.min()) < 0 or int(t.max()) >= k or int(pred.min()) < 0 or int(pred.max()) >= k):
        raise ValueError(f"confusion_matrix: labels outside [0, {k}) (num_classes={k})")
    flat = t.astype(xp.int64) * k + pred.astype(xp.int64)
    counts = xp.bincount(flat, minlength=k * k).reshape(k, k).astype(xp.int64)
    return _tensor(counts, target.device)


# ---------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------


def _default_loss() -> Callable:
    try:
        from .nn import functional as F
    except ImportError as e:  # pragma: no cover - only before nn exists
        raise RuntimeError("fit/evaluate: no loss_fn given and minigrad.nn is unavailable; pass loss_fn=") from e
    return F.cross_entropy


def _move(batch: Any, device: Optional[str]) -> tuple:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError(
            f"fit/evaluate: each batch must be (inputs, targets, ...), got {type(batch).__name__}"
            + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        )
    x, y = batch[0], batch[1]
    if device is not None:
        x = x.to(device) if _is_tensor(x) and x.device != device else x
        y = y.to(device) if _is_tensor(y) and y.device != device else y
    return x, y


def _bar(total: Optional[int], desc: str, enabled: bool):
    # Updated by hand rather than wrapping the loader: tqdm closes a wrapping bar
    # when the loop ends, and fit still wants to add validation figures to it.
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True)


def _safe_len(loader: Any) -> Optional[int]:
    try:
        return len(loader)
    except TypeError:
        return None


def _run_epoch(model, loader, loss_fn, device, optimizer, desc: str, progress: bool,
               keep_bar: bool = False, batch_scheduler: Any = None):
    """One pass over ``loader``; trains when an optimizer is given.

    Returns (mean loss, accuracy, bar); the bar is left open when ``keep_bar`` so
    that ``fit`` can add the validation figures to the same line.
    """
    bar = _bar(_safe_len(loader), desc, progress)
    total_loss, correct, seen, classified = 0.0, 0, 0, True
    post: dict[str, str] = {}
    try:
        for batch in loader:
            x, y = _move(batch, device)
            if optimizer is not None:
                optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            if optimizer is not None:
                loss.backward()
                optimizer.step()
                if batch_scheduler is not None:
                    batch_scheduler.step()
            n = int(y.shape[0]) if _is_tensor(y) else len(y)
            total_loss += float(loss.item()) * n
            seen += n
            c = _count_correct(out, y)
            if c is None:
                classified = False
            else:
                correct += c
            if bar is not None:
                post = {"loss": f"{total_loss / seen:.4f}"}
                if classified:
                    post["acc"] = f"{correct / seen:.4f}"
                bar.set_postfix(post, refresh=False)
                bar.update(1)
    except BaseException:
        if bar is not None:
            bar.close()
        raise
    if bar is not None:
        bar.set_postfix(post, refresh=True)
        if not keep_bar:
            bar.close()
            bar = None
    if seen == 0:
        if bar is not None:
            bar.close()
        raise ValueError(f"{desc}: the loader produced no batches")
    return total_loss / seen, (correct / seen if classified else math.nan), bar


def evaluate(
    model: Any,
    loader: Iterable,
    loss_fn: Optional[Callable] = None,
    device: Optional[str] = None,
    progress: bool = False,
) -> dict[str, float]:
    """Mean loss and accuracy over ``loader`` in eval mode without building graphs;
    the model's train/eval mode is restored afterwards."""
    import minigrad as mg

    loss_fn = loss_fn or _default_loss()
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with mg.no_grad():
            loss, acc, _ = _run_epoch(model, loader, loss_fn, device, None, "eval", progress)
    finally:
        if was_training:
            model.train()
    return {"loss": loss, "accuracy": acc}


def fit(
    model: Any,
    optimizer: Any,
    train_loader: Iterable,
    epochs: int = 1,
    loss_fn: Optional[Callable] = None,
    val_loader: Optional[Iterable] = None,
    progress: bool = True,
    device: Optional[str] = None,
    scheduler: Any = None,
    scheduler_interval: str = "epoch",
    history: Optional[History] = None,
    on_epoch_end: Optional[Callable[[int, History], Optional[bool]]] = None,
) -> History:
    """Train for ``epochs`` with a progress bar per epoch; returns the ``History``.

    Each step is the textbook one: ``zero_grad``, forward, ``loss_fn(output,
    target)`` (default: cross-entropy), ``backward``, ``step``. ``scheduler``
    steps once per epoch, or after every batch with ``scheduler_interval="batch"``
    (for per-step schedules such as OneCycleLR). Pass ``history`` to continue a previous run's record;
    ``on_epoch_end(epoch, history)`` can log or checkpoint, and stops training
    early by returning True.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'batch', got "
                         f"{scheduler_interval!r}")
    batch_scheduler = scheduler if scheduler_interval == "batch" else None
    loss_fn = loss_fn or _default_loss()
    history = history if history is not None else History()
    start_epoch = history.epoch[-1] if history.epoch else 0
    for e in range(start_epoch + 1, start_epoch + epochs + 1):
        t0 = time.perf_counter()
        model.train()
        desc = f"epoch {e}/{start_epoch + epochs}"
        train_loss, train_acc, bar = _run_epoch(
            model, train_loader, loss_fn, device, optimizer, desc, progress, keep_bar=True,
            batch_scheduler=batch_scheduler)
        try:
            if val_loader is not None:
                val = evaluate(model, val_loader, loss_fn, device, progress=False)
                val_loss, val_acc = val["loss"], val["accuracy"]
            else:
                val_loss = val_acc = math.nan
            if bar is not None:  # the epoch's one line ends with the validation figures
                post = {"loss": f"{train_loss:.4f}"}
                if not math.isnan(train_acc):
                    post["acc"] = f"{train_acc:.4f}"
                if not math.isnan(val_loss):
                    post["val_loss"] = f"{val_loss:.4f}"
                if not math.isnan(val_acc):
                    post["val_acc"] = f"{val_acc:.4f}"
                bar.set_postfix(post, refresh=True)
        finally:
            if bar is not None:
                bar.close()
        groups = getattr(optimizer, "param_groups", None)
        lr = float(groups[0]["lr"]) if groups and "lr" in groups[0] else math.nan
        if scheduler is not None and batch_scheduler is None:
            scheduler.step()
        history.epoch.append(e)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        history.val_loss.append(val_loss)
        history.val_acc.append(val_acc)
        history.lr.append(lr)
        history.time.append(time.perf_counter() - t0)
        if on_epoch_end is not None and on_epoch_end(e, history):
            break
    return history


def predict(model: Any, loader: Iterable, device: Optional[str] = None) -> tuple:
    """Predicted classes and targets over a whole loader (for ``confusion_matrix``)."""
    import minigrad as mg

    preds, targets = [], []
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with mg.no_grad():
            for batch in loader:
                x, y = _move(batch, device)
                preds.append(_predictions(model(x)))
                targets.append(y.array)
    finally:
        if was_training:
            model.train()
    if not preds:
        raise ValueError("predict: the loader produced no batches")
    dev = device or y.device
    xp = _backend(dev).xp
    return _tensor(xp.concatenate(preds), dev), _tensor(xp.concatenate(targets), dev)

"""Plots that need no model: training curves, confusion matrix, misclassified images, filters."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg

pytest.importorskip("matplotlib")

from minigrad import viz  # noqa: E402

from _viz_helpers import assert_png, image_axes  # noqa: E402


# --- plot_history -------------------------------------------------------------------------
def test_history_from_dict_draws_both_curves(tmp_path):
    h = {"train_loss": [2.0, 1.2, 0.8, 0.5], "val_loss": [2.1, 1.4, 1.1, 1.3],
         "train_acc": [0.3, 0.6, 0.8, 0.9], "val_acc": [0.3, 0.55, 0.7, 0.68]}
    fig = viz.plot_history(h, path=tmp_path / "h.png")
    assert_png(tmp_path / "h.png")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), h["train_loss"])
    np.testing.assert_allclose(loss_ax.lines[1].get_ydata(), h["val_loss"])
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), h["val_acc"])
    np.testing.assert_allclose(loss_ax.lines[0].get_xdata(), [1, 2, 3, 4])
    # the best validation epoch is marked: lowest loss (epoch 3), highest accuracy (epoch 3)
    np.testing.assert_allclose(loss_ax.collections[0].get_offsets(), [[3, 1.1]])
    np.testing.assert_allclose(acc_ax.collections[0].get_offsets(), [[3, 0.7]])


def test_history_loss_only_and_per_epoch_records():
    fig = viz.plot_history({"train_loss": [1.0, 0.5]})
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1
    rows = [{"train_loss": 1.0, "val_loss": 1.5}, {"train_loss": 0.7, "val_loss": 1.2}]
    fig = viz.plot_history(rows)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [1.5, 1.2])
    with pytest.raises(ValueError, match="found none of train_loss"):
        viz.plot_history({"lr": [0.1]})
    with pytest.raises(TypeError, match="plot_history"):
        viz.plot_history(42)


def test_history_from_training_helpers():
    training = pytest.importorskip("minigrad.training")
    h = training.History(epoch=[3, 4, 5], train_loss=[1.0, 0.6, 0.4], train_acc=[0.5, 0.7, 0.8],
                         val_loss=[1.1, 0.9, 0.95], val_acc=[0.45, 0.6, 0.62],
                         lr=[0.1] * 3, time=[1.0] * 3)
    fig = viz.plot_history(h)
    assert len(fig.axes) == 2
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [1.1, 0.9, 0.95])
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [0.5, 0.7, 0.8])
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), [3, 4, 5])  # resumed run
    np.testing.assert_allclose(fig.axes[0].collections[0].get_offsets(), [[4, 0.9]])
    nan_val = training.History(epoch=[1, 2], train_loss=[1.0, 0.5], train_acc=[0.5, 0.6],
                               val_loss=[math.nan, math.nan], val_acc=[math.nan, math.nan],
                               lr=[0.1, 0.1], time=[1.0, 1.0])
    viz.plot_history(nan_val)  # unmeasured validation is NaN: drawn as gaps, no crash


# --- confusion matrix and mistakes --------------------------------------------------------
def test_confusion_matrix_from_labels(tmp_path):
    y_true = [0, 0, 1, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 2, 2, 0, 2]
    fig = viz.plot_confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"],
                                    path=tmp_path / "cm.png")
    assert_png(tmp_path / "cm.png")
    (ax,) = image_axes(fig)
    expected = np.zeros((3, 3))
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 9 and cells[0] == "1" and cells[8] == "3"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert "66.7%" in ax.get_title()


def test_confusion_matrix_given_counts_logits_and_normalized():
    cm = mg.tensor([[5, 1], [0, 4]])
    fig = viz.plot_confusion_matrix(cm, normalize=True)
    (ax,) = image_axes(fig)
    np.testing.assert_allclose(ax.images[0].get_array(), [[5 / 6, 1 / 6], [0.0, 1.0]])
    logits = mg.tensor([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0]])
    fig = viz.plot_confusion_matrix(mg.tensor([0, 1, 1]), logits)
    np.testing.assert_array_equal(image_axes(fig)[0].images[0].get_array(), [[1, 0], [1, 1]])
    with pytest.raises(ValueError, match="square matrix"):
        viz.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="same shape|shape"):
        viz.plot_confusion_matrix([0, 1], [0, 1, 1])


def test_misclassified_grid(tmp_path):
    images = mg.rand(10, 1, 8, 8)
    y_true = mg.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    y_pred = mg.tensor([0, 1, 7, 3, 4, 5, 6, 1, 8, 4])
    fig = viz.plot_misclassified(images, y_true, y_pred, path=tmp_path / "wrong.png")
    assert_png(tmp_path / "wrong.png")
    axes = image_axes(fig)
    assert [ax.get_title() for ax in axes] == ["true 2\npred 7", "true 7\npred 1",
                                                "true 9\npred 4"]
    np.testing.assert_allclose(axes[1].images[0].get_array(), images[7, 0].numpy())
    fig = viz.plot_misclassified(images, y_true, y_pred, max_images=2)
    assert len(image_axes(fig)) == 2
    assert len(image_axes(viz.plot_misclassified(images, y_true, y_true))) == 0
    with pytest.raises(ValueError, match="same length"):
        viz.plot_misclassified(images[:3], y_true, y_pred)


# --- filters ------------------------------------------------------------------------------
class _ConvLike:
    """Anything with a 4-D .weight is drawn like a Conv2d."""

    def __init__(self, weight):
        self.weight = weight


def test_filters_single_input_channel(tmp_path):
    w = mg.randn(6, 1, 3, 3)
    fig = viz.plot_filters(_ConvLike(w), path=tmp_path / "f.png")
    assert_png(tmp_path / "f.png")
    axes = image_axes(fig)
    assert len(axes) == 6
    np.testing.assert_allclose(axes[4].images[0].get_array(), w[4, 0].numpy())
    lim = float(w.abs().max())
    assert axes[0].images[0].get_clim() == pytest.approx((-lim, lim))


def test_filters_several_input_channels():
    w = mg.randn(3, 2, 5, 5)
    axes = image_axes(viz.plot_filters(w))
    assert len(axes) == 6  # out x in
    assert axes[0].get_subplotspec().get_geometry()[:2] == (3, 2)
    np.testing.assert_allclose(axes[3].images[0].get_array(), w[1, 1].numpy())
    axes = image_axes(viz.plot_filters(w, average_inputs=True))
    assert len(axes) == 3
    np.testing.assert_allclose(axes[2].images[0].get_array(), w[2].numpy().mean(axis=0),
                               rtol=1e-6)
    assert len(image_axes(viz.plot_filters(np.zeros((32, 16, 3, 3))))) == 32  # auto-averaged
    with pytest.raises(ValueError, match=r"plot_filters: expected a weight of shape"):
        viz.plot_filters(mg.randn(4, 3))


def test_saving_is_atomic(tmp_path, monkeypatch):
    from minigrad.viz._figure import save_figure

    target = tmp_path / "sub" / "h.png"
    fig = viz.plot_history({"train_loss": [1.0, 0.5]}, path=target)
    good = target.read_bytes()
    assert target.stat().st_mode & 0o044  # readable like any other file, not mkstemp's 0600

    def broken(fh, **kwargs):
        fh.write(b"half a png")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, target)
    assert target.read_bytes() == good  # the old picture survives
    assert [p.name for p in target.parent.iterdir()] == ["h.png"]  # no temporary left over

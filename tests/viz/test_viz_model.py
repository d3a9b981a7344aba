"""Pictures of a model at work: feature maps, saliency, activation maximization."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

pytest.importorskip("matplotlib")

from minigrad import viz  # noqa: E402

from _viz_helpers import assert_png, image_axes, tiny_cnn  # noqa: E402


# --- capture_activations / plot_feature_maps ---------------------------------------------------
def test_captured_activations_are_the_layer_outputs():
    model = tiny_cnn()
    x = mg.randn(1, 12, 12)
    acts = viz.capture_activations(model, x)
    assert list(acts) == ["0", "1", "2", "3", "4", "5", "6"]  # every leaf, in the order run
    h = x.reshape(1, 1, 12, 12)
    for i, layer in enumerate(model):
        h = layer(h)
        assert acts[str(i)].shape == h.shape
        np.testing.assert_allclose(acts[str(i)].numpy(), h.detach().numpy(), rtol=1e-6)
        assert acts[str(i)].dtype == mg.float32 and not acts[str(i)].requires_grad
    assert acts["0"].shape == (1, 3, 10, 10) and acts["2"].shape == (1, 3, 5, 5)
    only = viz.capture_activations(model, x, layers=["3", model[0]])
    assert set(only) == {"0", "3"}
    batch = viz.capture_activations(model, mg.randn(4, 1, 12, 12), layers="6")
    assert batch["6"].shape == (4, 5)
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        viz.capture_activations(model, x, layers="conv9")
    # the hooks are gone afterwards
    assert all(not m._forward_hooks for m in model.modules())


def test_plot_feature_maps_one_tile_per_channel(tmp_path):
    model = tiny_cnn()
    x = mg.randn(1, 1, 12, 12)
    fig = viz.plot_feature_maps(model, x, path=tmp_path / "fm.png")
    assert_png(tmp_path / "fm.png")
    # the 4-D outputs: conv 3, relu 3, pool 3, conv 4, relu 4 channels
    assert len(image_axes(fig)) == 3 + 3 + 3 + 4 + 4
    titles = [sf._suptitle.get_text() for sf in fig.subfigs]
    assert titles[0].startswith("0 (") and titles[0].endswith("1×3×10×10")
    assert titles[2].endswith("1×3×5×5")
    acts = viz.capture_activations(model, x, layers="3")
    fig = viz.plot_feature_maps(model, x, layers=["3"])
    axes = image_axes(fig)
    assert len(axes) == 4
    np.testing.assert_allclose(axes[2].images[0].get_array(), acts["3"][0, 2].numpy())
    assert len(image_axes(viz.plot_feature_maps(model, x, layers=["3"], max_channels=2))) == 2
    assert len(image_axes(viz.plot_feature_maps(model, x, layers=["6"]))) == 1  # a vector strip
    with pytest.raises(ValueError, match="one image"):
        viz.plot_feature_maps(model, mg.randn(2, 1, 12, 12))


def test_viz_restores_training_mode_and_leaves_grads_alone():
    model = tiny_cnn()
    model.train()
    x = mg.randn(1, 1, 12, 12)
    viz.capture_activations(model, x)
    viz.saliency(model, x)
    viz.maximize_activation(model, "0", 0, steps=2, input_shape=(1, 12, 12))
    assert model.training and all(m.training for m in model.modules())
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    viz.saliency(model, x)
    assert not model.training


# --- saliency ------------------------------------------------------------------------------------
def test_saliency_is_the_input_gradient_by_finite_differences():
    model = tiny_cnn(channels=(3, 4), classes=3, size=10, dtype=mg.float64)
    x = mg.randn(1, 10, 10, dtype=mg.float64)
    target = 1
    s = viz.saliency(model, x, target=target)
    assert s.shape == x.shape and s.dtype == mg.float64
    base = x.numpy()
    fd = np.zeros_like(base)
    eps = 1e-6
    with mg.no_grad():
        for idx in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            hi = model(mg.tensor(plus).reshape(1, 1, 10, 10))[0, target].item()
            lo = model(mg.tensor(minus).reshape(1, 1, 10, 10))[0, target].item()
            fd[idx] = (hi - lo) / (2 * eps)
    assert np.abs(fd).max() > 1e-3  # the check is not vacuous
    np.testing.assert_allclose(s.numpy(), fd, rtol=1e-5, atol=1e-8)


def test_saliency_defaults_to_top_class_and_keeps_shape_and_dtype():
    model = tiny_cnn()
    x = mg.randn(1, 1, 12, 12)
    with mg.no_grad():
        top = int(model(x).argmax(dim=1).item())
    s = viz.saliency(model, x)
    assert s.shape == (1, 1, 12, 12) and s.dtype == mg.float32
    np.testing.assert_array_equal(s.numpy(), viz.saliency(model, x, target=top).numpy())
    assert not np.array_equal(s.numpy(), viz.saliency(model, x, target=(top + 1) % 5).numpy())
    assert viz.saliency(model, x.numpy()[0]).shape == (1, 12, 12)
    with pytest.raises(ValueError, match="target 7 out of range for 5 classes"):
        viz.saliency(model, x, target=7)


def test_plot_saliency(tmp_path):
    model = tiny_cnn()
    x = mg.randn(1, 12, 12)
    fig = viz.plot_saliency(model, x, target=2, class_names=list("abcde"),
                            path=tmp_path / "s.png")
    assert_png(tmp_path / "s.png")
    inp, heat, overlay = image_axes(fig)
    expected = np.abs(viz.saliency(model, x, target=2).numpy()).max(axis=0)
    np.testing.assert_allclose(heat.images[0].get_array(), expected)
    assert "score(c)" in heat.get_title()
    assert len(overlay.images) == 2


# --- activation maximization ---------------------------------------------------------------------
@pytest.mark.parametrize("layer,channel", [("0", 1), ("4", 2), ("6", 3)])
def test_maximize_activation_increases_the_activation(layer, channel):
    model = tiny_cnn()
    image, history = viz.maximize_activation(model, layer, channel, steps=40, lr=0.1,
                                             input_shape=(1, 12, 12))
    assert image.shape == (1, 12, 12) and image.dtype == mg.float32
    assert len(history) == 41
    # measured independently: the returned image excites the channel more than the start did
    acts = viz.capture_activations(model, image, layers=layer)[layer][0, channel]
    final = float(acts.mean().item())
    assert final == pytest.approx(history[-1], rel=1e-5, abs=1e-6)
    assert final > history[0] + 0.1
    assert np.mean(history[-10:]) > np.mean(history[:10])


def test_maximize_activation_revives_a_dead_start():
    model = tiny_cnn()
    with mg.no_grad():
        model[3].bias.array[2] = -1.0  # faint noise cannot switch channel 2 on after the ReLU
    image, history = viz.maximize_activation(model, "4", 2, steps=40, lr=0.1,
                                             input_shape=(1, 12, 12))
    assert history[0] == 0.0 and history[1] == 0.0  # dead: no gradient to climb at first
    assert history[-1] > 0.0  # the noise kicks found inputs where it fires; it stays alive


def test_maximize_activation_errors_name_the_layer():
    model = tiny_cnn()
    with pytest.raises(ValueError, match=r"channel 9 out of range for layer '0' with 3 channels"):
        viz.maximize_activation(model, "0", 9, steps=1, input_shape=(1, 12, 12))
    with pytest.raises(ValueError, match="not a submodule"):
        viz.maximize_activation(model, tiny_cnn()[0], 0, steps=1, input_shape=(1, 12, 12))


def test_plot_maximize_activation_grid(tmp_path):
    model = tiny_cnn()
    fig = viz.plot_maximize_activation(model, model[3], steps=5, input_shape=(1, 12, 12),
                                       path=tmp_path / "max.png")
    assert_png(tmp_path / "max.png")
    axes = image_axes(fig)
    assert [ax.get_title() for ax in axes] == ["ch 0", "ch 1", "ch 2", "ch 3"]
    assert axes[0].images[0].get_array().shape == (12, 12)
    fig = viz.plot_maximize_activation(model, "0", channels=[2], steps=3,
                                       input_shape=(1, 12, 12))
    assert len(image_axes(fig)) == 1


def test_a_first_layer_unit_wants_to_see_its_own_kernel():
    model = tiny_cnn()
    conv = model[0]
    image, history = viz.maximize_activation(model, conv, 2, steps=30, lr=0.1,
                                             input_shape=(1, 12, 12), position=(4, 6),
                                             l2=0.0, blur_every=0, jitter=0)
    assert history == sorted(history)  # plain ascent on a linear unit climbs every step
    patch = image.numpy()[0, 4:7, 6:9]
    kernel = conv.weight.detach().numpy()[2, 0]
    assert np.corrcoef(patch.ravel(), kernel.ravel())[0, 1] > 0.99
    with pytest.raises(ValueError, match=r"position \(20, 0\) outside the 10x10 map"):
        viz.maximize_activation(model, conv, 0, steps=1, input_shape=(1, 12, 12),
                                position=(20, 0))


def test_capture_activations_of_an_mlp_takes_the_batch_as_given():
    import minigrad.nn as nn

    mlp = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 2))
    x = mg.randn(3, 6)
    acts = viz.capture_activations(mlp, x)
    assert [tuple(a.shape) for a in acts.values()] == [(3, 4), (3, 4), (3, 2)]
    with mg.no_grad():
        np.testing.assert_allclose(acts["2"].numpy(), mlp(x).numpy(), rtol=1e-6)

"""Activation maximization: the input a filter would most like to see.

Start from faint noise and climb the gradient of one channel's mean
activation with respect to the *input* (the weights stay fixed). Left alone,
the ascent finds high-frequency noise that excites the filter but means
nothing to us, so three light regularisers keep the image natural: an L2
decay pulling pixels toward zero, a small blur every few steps, and a random
jitter (shift) of the image at each step so no single pixel alignment wins.
"""
from __future__ import annotations

import os
from typing import Any, NamedTuple, Sequence

from ..autograd import grad as autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..creation import randint, randn
from ..tensor import Tensor
from ._figure import new_figure, save_figure, tile_axes, to_host
from ._model import eval_mode, hooked, model_dtype_device, resolve_layers


class MaximizedActivation(NamedTuple):
    """What ``maximize_activation`` found: the image (C, H, W) and the activation per step."""

    image: Tensor
    history: list


def _channel_activation(out: Any, channel: int, op: str, name: str,
                        position: Any = None) -> Tensor:
    """One channel's activation for the single input: its mean, or the unit at ``position``."""
    if not isinstance(out, Tensor) or out.ndim not in (2, 4):
        shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(f"{op}: layer {name!r} must output (1, C, H, W) or (1, features), "
                         f"got {shape}")
    if not 0 <= channel < out.shape[1]:
        raise ValueError(f"{op}: channel {channel} out of range for layer {name!r} with "
                         f"{out.shape[1]} channels (output shape {tuple(out.shape)})")
    if out.ndim == 2:
        return out[0, channel]
    if position is None:
        return out[0, channel].mean()
    h, w = out.shape[2:]
    i, j = (h // 2, w // 2) if position == "center" else position
    if not (0 <= i < h and 0 <= j < w):
        raise ValueError(f"{op}: position {position} outside the {h}x{w} map of layer {name!r}")
    return out[0, channel, i, j]


def _blur(a: Any, xp: Any) -> Any:
    """A 3x3 binomial blur ([1, 2, 1] / 4 along each axis), edges repeated."""
    p = xp.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
    p = (p[:, :, :-2, :] + 2 * p[:, :, 1:-1, :] + p[:, :, 2:, :]) / 4
    return (p[:, :, :, :-2] + 2 * p[:, :, :, 1:-1] + p[:, :, :, 2:]) / 4


def maximize_activation(model: Any, layer: Any, channel: int, steps: int = 100,
                        lr: float = 0.1, *, input_shape: Sequence[int] = (1, 28, 28),
                        position: Any = None, l2: float = 1e-2, blur_every: int = 4,
                        jitter: int = 1, init_std: float = 0.1) -> MaximizedActivation:
    """Gradient ascent on the input, from noise, to maximise ``channel`` of ``layer``.

    ``layer`` is a name from ``model.named_modules()`` or the module itself. For a
    (1, C, H, W) output the objective is the channel's mean over all positions, or with
    ``position="center"`` / ``(i, j)`` the single unit there, whose receptive field then
    shows the pattern the filter looks for (a channel mean of a purely linear conv is
    maximised by a flat image, so pick its ReLU or a position). Each step
    moves the image by ``lr`` times the gradient divided by its mean magnitude (so ``lr``
    is a step size in pixel units, whatever the scale of the layer), then applies the
    regularisers (``l2`` decay per step, a blur every ``blur_every`` steps (0: never),
    a random shift of up to ``jitter`` pixels). ``history`` holds the activation
    before each step and, last, the activation of the returned image. When the channel
    is dead for the current image (zero gradient, as after a ReLU), the image is kicked
    with fresh, progressively stronger noise instead of the gradient step.
    """
    op = "maximize_activation"
    if steps < 0:
        raise ValueError(f"{op}: steps must be >= 0, got {steps}")
    ((name, module),) = resolve_layers(model, [layer], op)
    dtype, device = model_dtype_device(model)
    x = randn((1, *input_shape), dtype=dtype, device=device) * init_std
    xp = x.xp
    captured: dict[str, Any] = {}

    def record(_name: str, _module: Any, out: Any) -> None:
        captured["out"] = out

    def activation(image: Tensor) -> Tensor:
        captured.clear()
        model(image)
        if "out" not in captured:
            raise RuntimeError(f"{op}: layer {name!r} did not run in the model's forward")
        return _channel_activation(captured["out"], int(channel), op, name, position)

    history: list[float] = []
    kicks = 0
    with eval_mode(model), hooked([(name, module)], record):
        for step in range(steps):
            shift = tuple(randint(-jitter, jitter + 1, (2,)).tolist()) if jitter else (0, 0)
            moved = Tensor._make(xp.roll(x.array, shift, axis=(2, 3)), device).requires_grad_()
            with enable_grad():
                act = activation(moved)
                (g,) = autograd_grad(act, moved)
            history.append(float(act.item()))
            g_arr = xp.roll(g.array, (-shift[0], -shift[1]), axis=(2, 3))
            scale = float(xp.abs(g_arr).mean())
            with no_grad():
                if scale == 0.0:
                    # A dead unit (e.g. after ReLU) has no gradient to climb: kick the image
                    # with stronger noise each time until the channel responds.
                    kicks += 1
                    noise = randn(x.shape, dtype=dtype, device=device)
                    x.array = x.array + noise.array * (init_std * 1.5 ** min(kicks, 20))
                    continue
                x.array = x.array + (lr / scale) * g_arr
                if l2:
                    x.array = x.array * (1.0 - l2)
                if blur_every and (step + 1) % blur_every == 0:
                    x.array = _blur(x.array, xp)
        with no_grad():
            history.append(float(activation(x).item()))
    return MaximizedActivation(x[0], history)


def plot_maximize_activation(model: Any, layer: Any, channels: Sequence[int] | None = None,
                             steps: int = 100, lr: float = 0.1, *, ncols: int = 8,
                             cmap: str = "gray", path: str | os.PathLike | None = None,
                             **kwargs: Any) -> Any:
    """A grid of the images that most excite each of ``channels`` (None: all) of ``layer``."""
    op = "plot_maximize_activation"
    ((name, module),) = resolve_layers(model, [layer], op)
    if channels is None:
        shape = kwargs.get("input_shape", (1, 28, 28))
        dtype, device = model_dtype_device(model)
        seen: dict[str, Any] = {}
        with no_grad(), eval_mode(model), hooked([(name, module)],
                                                 lambda n, m, out: seen.setdefault("out", out)):
            model(randn((1, *shape), dtype=dtype, device=device))
        if "out" not in seen or not isinstance(seen["out"], Tensor) or seen["out"].ndim < 2:
            raise ValueError(f"{op}: could not find the channels of layer {name!r}")
        channels = range(seen["out"].shape[1])
    channels = list(channels)
    results = [maximize_activation(model, name, c, steps, lr, **kwargs) for c in channels]
    cols = min(ncols, max(len(channels), 1))
    rows = -(-len(channels) // cols)
    fig = new_figure(op, (1.4 * cols + 0.3, 1.55 * rows + 0.6))
    fig.suptitle(f"inputs that maximise {name} ({type(module).__name__})", fontsize=10)
    for ax, c, res in zip(tile_axes(fig, len(channels), cols), channels, results):
        img = to_host(res.image)
        ax.imshow(img[0] if img.shape[0] == 1 else img.mean(axis=0), cmap=cmap)
        ax.set_title(f"ch {c}", fontsize=8)
    save_figure(fig, path)
    return fig

"""One image flowing through a CNN, layer by layer, as a single self-contained HTML page.

In the spirit of CNN Explainer: the input, every channel each layer produces
(with the conv kernels that produced them), and the class probabilities at
the end, with a sentence on what each kind of layer does. The page is one
file: images are inline PNG ``data:`` URIs and the styling is inline CSS, so
it opens from disk with no server and no network, and can be mailed around.
It needs no matplotlib (PNGs are written with zlib).
"""
from __future__ import annotations

import html
import os
from typing import Any, Sequence

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ..atomic import atomic_write
from ._figure import to_host
from ._model import as_batch, eval_mode, hooked, resolve_layers
from ._png import colorize, data_uri, grey

_TILE_PX = 84  # displayed width of one feature map, whatever its resolution


def _describe(module: Any, out_shape: tuple) -> str:
    """One sentence on what this kind of layer does to what it receives."""
    kind = type(module).__name__
    get = lambda attr, default=None: getattr(module, attr, default)  # noqa: E731
    if isinstance(get("weight"), Tensor) and get("weight").ndim == 4:
        o, i, kh, kw = get("weight").shape
        return (f"{o} filters, each {kh}×{kw} over all {i} input channel(s), slide across "
                "the input; each map below shows where its filter's pattern appears (blue: "
                "matches, red: the opposite). The small tile above a map is its filter, "
                "averaged over input channels.")
    if kind in ("ReLU", "LeakyReLU"):
        return ("Negative values become zero (LeakyReLU: are scaled down), so only the evidence "
                "for a pattern is passed on; the maps keep their size.")
    if kind == "MaxPool2d":
        k = get("kernel_size")
        return (f"Each {k}×{k} window keeps only its strongest response: the maps shrink and "
                "small shifts of the input stop mattering.")
    if kind in ("AvgPool2d", "AdaptiveAvgPool2d"):
        return "Each window is replaced by its average: a smaller, smoother map."
    if kind in ("BatchNorm2d", "BatchNorm1d"):
        return "Each channel is shifted and scaled with statistics learned during training."
    if kind == "Flatten":
        return "The maps are laid out as one long vector for the fully connected layers."
    if kind == "Linear":
        return ("Every output is a weighted sum of all the inputs plus a bias: the layer "
                "combines the detected parts into evidence for each class.")
    if kind == "Dropout":
        return "Dropout is off in evaluation mode, so this layer passes its input through."
    if kind in ("Softmax", "LogSoftmax"):
        return "Scores become (log-)probabilities that sum to one."
    return f"Produces an output of shape {out_shape}."


def _shape_text(shape: Sequence[int]) -> str:
    return " × ".join(str(int(s)) for s in shape)


def _img(uri: str, width: int, title: str = "", cls: str = "") -> str:
    return (f'<img src="{uri}" width="{width}" alt="{html.escape(title)}" '
            f'title="{html.escape(title)}" class="{cls}">')


def _input_html(x: Any) -> str:
    a = x[0]
    if a.shape[0] == 3:
        lo, hi = float(a.min()), float(a.max())
        rgb = ((a - lo) / (hi - lo) if hi > lo else a * 0).transpose(1, 2, 0)
        pixels = (rgb * 255 + 0.5).astype("uint8")
    else:
        pixels = grey(a.mean(axis=0))
    width = max(160, pixels.shape[1])
    return _img(data_uri(pixels), width, "input image")


def _maps_html(module: Any, out: Any, max_channels: int | None) -> str:
    a = out[0]
    n = a.shape[0] if max_channels is None else min(a.shape[0], max_channels)
    lim = float(abs(a).max()) or 1.0
    weight = getattr(module, "weight", None)
    kernels = None
    if isinstance(weight, Tensor) and weight.ndim == 4:  # a convolution's (out, in, kH, kW)
        k = to_host(weight).mean(axis=1)
        kernels, klim = k, float(abs(k).max()) or 1.0
    scale = max(1, round(_TILE_PX / a.shape[2]))
    tiles = []
    for c in range(n):
        kernel = ""
        if kernels is not None and c < len(kernels):
            kernel = _img(data_uri(colorize(kernels[c], klim)), 28, f"filter {c}", "kernel")
        fmap = _img(data_uri(colorize(a[c], lim)), a.shape[2] * scale,
                    f"channel {c}: min {a[c].min():.3g}, max {a[c].max():.3g}")
        tiles.append(f'<figure class="tile">{kernel}{fmap}<figcaption>ch {c}'
                     f"</figcaption></figure>")
    more = "" if n == a.shape[0] else f"<p class='note'>showing {n} of {a.shape[0]} channels</p>"
    return f'<div class="tiles">{"".join(tiles)}</div>{more}'


def _vector_html(out: Any) -> str:
    v = out.reshape(out.shape[0], -1)[0]
    height = 14
    strip = colorize(v.reshape(1, -1).repeat(height, axis=0))
    width = min(900, max(120, 3 * v.size))
    values = ""
    if v.size <= 20:
        values = "<p class='values'>" + " ".join(f"{x:.3g}" for x in v) + "</p>"
    return (_img(data_uri(strip), width, f"{v.size} values: min {v.min():.3g}, max {v.max():.3g}",
                 "strip") + values)


def _probabilities_html(probs: Any, class_names: Sequence[str] | None) -> str:
    best = int(probs.argmax())
    rows = []
    for k, p in enumerate(probs):
        name = html.escape(str(class_names[k]) if class_names is not None else str(k))
        cls = "bar best" if k == best else "bar"
        rows.append(f'<div class="row"><span class="label">{name}</span>'
                    f'<span class="track"><span class="{cls}" style="width:{100 * p:.2f}%">'
                    f'</span></span><span class="pct">{100 * p:.1f}%</span></div>')
    return f'<div class="bars">{"".join(rows)}</div>'


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;
color:#222;background:#fafafa;padding:0 16px}
h1{font-size:1.5em;margin-bottom:4px} .sub{color:#666;margin-top:0}
.stage{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:14px 0;
position:relative}
.stage:not(:first-of-type)::before{content:"\\2193";position:absolute;top:-20px;left:24px;
color:#999;font-size:16px}
.stage h2{font-size:1.05em;margin:0 0 4px 0} .kind{color:#6a51a3} .shape{color:#666;
font-weight:normal} .what{color:#444;font-size:.9em;margin:2px 0 10px 0}
img{image-rendering:pixelated;image-rendering:crisp-edges;border:1px solid #ccc}
.tiles{display:flex;flex-wrap:wrap;gap:8px} .tile{margin:0;text-align:center}
.tile img{display:block;margin:0 auto} .tile img.kernel{margin-bottom:3px}
figcaption{font-size:.7em;color:#777} .note,.values{font-size:.8em;color:#666}
.bars{max-width:620px} .row{display:flex;align-items:center;margin:3px 0;font-size:.9em}
.label{width:110px;text-align:right;padding-right:8px;overflow:hidden;white-space:nowrap}
.track{flex:1;background:#eee;height:16px;border-radius:3px;overflow:hidden}
.bar{display:block;height:100%;background:#9ecae1} .bar.best{background:#3182bd}
.pct{width:60px;text-align:right;font-variant-numeric:tabular-nums}
.pred{font-size:1.2em} footer{color:#999;font-size:.8em;margin-top:24px}
"""


def explain_html(model: Any, image: Any, path: str | os.PathLike,
                 class_names: Sequence[str] | None = None, *, max_channels: int | None = 64,
                 title: str | None = None) -> str:
    """Write a self-contained HTML page tracing ``image`` through ``model``; returns the path.

    Shows every leaf layer in the order it ran: (1, C, H, W) outputs as one tile per
    channel (conv layers with their kernels), vectors as a colour strip, and the softmax
    of the final (1, classes) output as a bar chart. The model runs in eval mode.
    """
    op = "explain_html"
    x = as_batch(model, image, op)
    layers = resolve_layers(model, None, op)
    calls: list[tuple[str, Any, Any]] = []

    def record(name: str, module: Any, out: Any) -> None:
        calls.append((name, module, out))

    with no_grad(), eval_mode(model), hooked(layers, record):
        output = model(x)
    if not isinstance(output, Tensor):
        raise TypeError(f"{op}: expected the model to return a Tensor, got "
                        f"{type(output).__name__}")

    stages = [f'<section class="stage"><h2>input <span class="shape">'
              f'{_shape_text(x.shape[1:])}</span></h2>'
              f'<p class="what">The image as the network receives it (after any '
              f"normalisation), drawn from darkest to brightest value.</p>"
              f"{_input_html(to_host(x))}</section>"]
    counts: dict[str, int] = {}
    for name, module, out in calls:
        if not isinstance(out, Tensor):
            continue
        counts[name] = counts.get(name, 0) + 1
        label = name if counts[name] == 1 else f"{name} (call {counts[name]})"
        a = to_host(out)
        body = _maps_html(module, a, max_channels) if a.ndim == 4 else _vector_html(a)
        stages.append(
            f'<section class="stage"><h2>{html.escape(label)} <span class="kind">'
            f"{html.escape(type(module).__name__)}</span> <span class=\"shape\">→ "
            f"{_shape_text(a.shape[1:])}</span></h2>"
            f'<p class="what">{html.escape(_describe(module, tuple(a.shape[1:])))}</p>'
            f"{body}</section>")

    headline = ""
    if output.ndim == 2 and output.shape[0] == 1:
        probs = to_host(output.detach().float().softmax(dim=1))[0]
        if class_names is not None and len(class_names) != probs.size:
            raise ValueError(f"{op}: {len(class_names)} class names for a model with "
                             f"{probs.size} outputs")
        best = int(probs.argmax())
        best_name = html.escape(str(class_names[best]) if class_names is not None else str(best))
        headline = (f'<p class="pred">Prediction: <b>{best_name}</b> with probability '
                    f"{100 * probs[best]:.1f}%</p>")
        stages.append('<section class="stage"><h2>class probabilities <span class="shape">'
                      "softmax of the last layer's scores</span></h2>"
                      '<p class="what">Softmax turns the scores into probabilities that sum to '
                      "one; the darkest bar is the prediction.</p>"
                      f"{_probabilities_html(probs, class_names)}</section>")

    heading = html.escape(title or f"Inside {type(model).__name__}: one image, layer by layer")
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{heading}</title><style>{_CSS}</style></head><body>"
            f"<h1>{heading}</h1><p class=\"sub\">Each box is one layer, in the order the "
            "forward pass ran it; hover over an image for its values.</p>"
            f"{headline}{''.join(stages)}"
            "<footer>Written by minigrad.viz.explain_html: one file, no scripts, no network."
            "</footer></body></html>\n")

    atomic_write(path, lambda fh: fh.write(page.encode("utf-8")))
    return os.fspath(path)

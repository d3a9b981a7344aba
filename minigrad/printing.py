"""How a Tensor prints: PyTorch's format, and ``set_printoptions`` to change it.

A student compares printed values with a tutorial's, so tensors print as PyTorch's do:
four decimals by default, whole floats as ``1.``, scientific notation when the values span
many orders of magnitude, long tensors summarised with ``...``, and the dtype named only
when it is not the default (float32, int64, bool), so that a float64 tensor stands out.
"""
from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator, Optional

import numpy as np  # host-side formatting of an array already copied to the host

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}
_options: dict[str, Any] = dict(_PROFILES["default"], sci_mode=None)
_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))


def set_printoptions(precision: Optional[int] = None, threshold: Optional[float] = None,
                     edgeitems: Optional[int] = None, linewidth: Optional[int] = None,
                     profile: Optional[str] = None, sci_mode: Optional[bool] = None) -> None:
    """PyTorch's ``set_printoptions``: digits after the point, how many elements before a
    tensor is summarised, how many shown at each end, line width, a ``profile`` ('default',
    'short', 'full') and ``sci_mode`` (True, False, or None: decide from the values)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        _options.update(_PROFILES[profile])
    for name, value, low in (("precision", precision, 0), ("threshold", threshold, 0),
                             ("edgeitems", edgeitems, 1), ("linewidth", linewidth, 1)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or \
                (name != "threshold" and not float(value).is_integer()):
            raise ValueError(f"set_printoptions: {name} must be an integer >= {low}, got {value!r}")
        _options[name] = value if name == "threshold" else int(value)
    if sci_mode not in (None, True, False):
        raise ValueError(f"set_printoptions: sci_mode must be True, False or None, got {sci_mode!r}")
    _options["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """The current options, as a dict (PyTorch's ``get_printoptions``)."""
    return dict(_options)


@contextlib.contextmanager
def printoptions(**options: Any) -> Iterator[None]:
    """``with printoptions(precision=2): print(t)``: the options for one block only."""
    saved = dict(_options)
    set_printoptions(**options)
    try:
        yield
    finally:
        _options.clear()
        _options.update(saved)


def format_tensor(array: Any, extras: list) -> str:
    """``tensor(<values>[, size=...][, dtype=...][, extras])`` for a host array."""
    dtype, indent = array.dtype, len("tensor(")
    suffixes = []
    if array.size == 0:
        body = "[]"
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype != _DEFAULT_DTYPES[0]:  # nothing shows an empty tensor's type otherwise
            suffixes.append(f"dtype=minigrad.{dtype.name}")
    else:
        summarize = array.size > _options["threshold"]
        shown = _summarized(array) if summarize else array
        text, width = _element_format(shown)
        body = _nested(array, indent, summarize, text, width)
        if dtype not in _DEFAULT_DTYPES:
            suffixes.append(f"dtype=minigrad.{dtype.name}")
    return _with_suffixes("tensor(" + body, suffixes + extras, indent)


def _summarized(array: Any) -> Any:
    """The elements a summarised print shows: ``edgeitems`` from each end of every long dim."""
    edge = _options["edgeitems"]
    for axis, n in enumerate(array.shape):
        if n > 2 * edge:
            array = np.concatenate([np.take(array, range(edge), axis),
                                    np.take(array, range(n - edge, n), axis)], axis)
    return array


def _nested(array: Any, indent: int, summarize: bool, text: Any, width: int) -> str:
    """Brackets within brackets, one line per row, ``...`` where rows are left out."""
    if array.ndim == 0:
        return text(array.item()).rjust(width)
    edge = _options["edgeitems"]
    long = summarize and array.shape[0] > 2 * edge
    if array.ndim == 1:
        values = array[:edge].tolist() + [None] + array[-edge:].tolist() if long else array.tolist()
        items = [" ..." if v is None else text(v).rjust(width) for v in values]
        per_line = max(1, (_options["linewidth"] - indent) // (width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(edge)) + [None] + list(range(len(array) - edge, len(array))) if long \
        else range(len(array))
    parts = ["..." if i is None else _nested(array[i], indent + 1, summarize, text, width)
             for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(body: str, suffixes: list, indent: int) -> str:
    """``, dtype=...`` after the values, on a new line where the last one would be too long."""
    parts, line = [body], len(body) - body.rfind("\n") + 1
    for suffix in suffixes:
        if line + len(suffix) + 2 > _options["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line += len(suffix) + 2
    return "".join(parts) + ")"


def _element_format(shown: Any) -> tuple:
    """(text of one element, the common width), in PyTorch's style. As PyTorch does, a float's
    mode (whole numbers, fixed or scientific) and the width come from the nonzero finite
    values shown; a ``sci_mode`` option overrides the choice of scientific notation."""
    if shown.dtype.kind != "f":
        if shown.dtype.kind == "b":
            return str, max(len(str(v)) for v in (True, False) if (shown == v).any())
        return str, max(len(str(shown.min().item())), len(str(shown.max().item())))
    values = shown.astype(np.float64, copy=False).reshape(-1)
    nonzero = values[np.isfinite(values) & (values != 0)]
    precision = _options["precision"]
    whole, sci, width = True, False, 1
    if nonzero.size:
        magnitudes = np.abs(nonzero)
        whole = bool(np.all(nonzero == np.ceil(nonzero)))
        sci = _options["sci_mode"]
        if sci is None:
            sci = bool(magnitudes.max() / magnitudes.min() > 1000 or magnitudes.max() > 1e8
                       or magnitudes.min() < 1e-4)
        # The longest text comes from an extreme: the most negative, the largest, or the
        # smallest magnitude (a 3-digit exponent).
        extremes = (nonzero.min(), nonzero.max(), nonzero[np.argmin(magnitudes)])
        width = max(len(_text(float(v), sci, whole, precision)) for v in extremes)
    return (lambda x: _text(float(x), sci, whole, precision)), width


def _text(x: float, sci: bool, whole: bool, precision: int) -> str:
    if sci:
        return f"{x:.{precision}e}"
    if whole:
        return f"{x:.0f}" if math.isnan(x) or math.isinf(x) else f"{x:.0f}."
    return f"{x:.{precision}f}"

"""The autograd graph behind a tensor, as Graphviz DOT text.

Seeing the graph that ``backward`` will walk makes the chain rule concrete:
every box is one ``Function`` node (its class names the op), every edge
carries a tensor of the shape written on it, and the leaves at the top are
the inputs and parameters whose ``.grad`` will be filled. The DOT text needs
nothing installed; turning it into a picture needs Graphviz's ``dot``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any, Mapping

from ..autograd.engine import topological_order
from ..tensor import Tensor
from ..atomic import temp_path_beside


def _quote(text: str) -> str:
    """A DOT string literal; newlines become centred line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(shape: Any) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def _dtype(dtype: Any) -> str:
    return getattr(dtype, "name", str(dtype))


def to_dot(tensor: Tensor, params: Mapping[str, Tensor] | None = None,
           show_dtype: bool = True) -> str:
    """The graph ``tensor.backward()`` would traverse, as DOT text naming every op and shape.

    ``params`` (e.g. ``dict(model.named_parameters())``) names the leaves it contains;
    other leaves are labelled by shape. Edges point the way data flows, leaves to output.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    names = {id(t): name for name, t in (params or {}).items()}

    lines = ["digraph autograd {",
             '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']

    def tensor_label(t: Tensor, fallback: str) -> str:
        text = names.get(id(t), fallback) + "\n" + _shape(t.shape)
        return text + (" " + _dtype(t.dtype) if show_dtype else "")

    out_id = "output"
    lines.append(f"  {out_id} [label={_quote(tensor_label(tensor, 'output'))}, shape=box, "
                 'style=filled, fillcolor="#c7e9c0"];')
    if tensor.grad_fn is None:
        lines.append("}")
        return "\n".join(lines) + "\n"

    node_ids: dict[Any, str] = {}
    order = topological_order([tensor.grad_fn])
    for i, node in enumerate(order):
        node_ids[node] = f"op{i}"
        label = type(node).__name__ + "\n" + ", ".join(_shape(shape)
                                                      for shape, _ in node.output_meta)
        lines.append(f"  op{i} [label={_quote(label)}, shape=box, style=\"rounded,filled\", "
                     'fillcolor="#dadaeb"];')
    lines.append(f"  {node_ids[tensor.grad_fn]} -> {out_id} "
                 f"[label={_quote(_shape(tensor.shape))}];")

    leaf_ids: dict[int, str] = {}
    for node in order:
        for edge in node.parents:
            if edge is None:
                continue  # an input that needs no gradient: backward never goes there
            parent, where = edge
            if parent is None:
                leaf = where
                if id(leaf) not in leaf_ids:
                    leaf_ids[id(leaf)] = f"leaf{len(leaf_ids)}"
                    fill = "#fdd0a2" if id(leaf) in names else "#deebf7"
                    lines.append(f"  {leaf_ids[id(leaf)]} [label="
                                 f"{_quote(tensor_label(leaf, 'leaf'))}, shape=ellipse, "
                                 f'style=filled, fillcolor="{fill}"];')
                lines.append(f"  {leaf_ids[id(leaf)]} -> {node_ids[node]} "
                             f"[label={_quote(_shape(leaf.shape))}];")
            else:
                shape, dtype = parent.output_meta[where]
                text = _shape(shape)
                if parent.n_outputs > 1:
                    text = f"[{where}] " + text
                lines.append(f"  {node_ids[parent]} -> {node_ids[node]} "
                             f"[label={_quote(text)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_dot(dot: str, path: str | os.PathLike, format: str | None = None) -> str:  # noqa: A002
    """Draw DOT text to ``path`` (PNG, SVG or PDF, from the suffix) with Graphviz's ``dot``.

    Returns the path written. Raises RuntimeError when ``dot`` is not installed,
    since there is no pure-Python layout engine to fall back on.
    """
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".") or "png").lower()
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"render_dot: format must be png, svg or pdf, got {fmt!r}")
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("render_dot: the Graphviz 'dot' program is not on PATH; install "
                           "Graphviz (e.g. apt-get install graphviz) or paste the text from "
                           "to_dot() into any Graphviz viewer")
    target, tmp = temp_path_beside(path)
    try:
        result = subprocess.run([exe, f"-T{fmt}", "-o", tmp], input=dot.encode("utf-8"),
                                capture_output=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"render_dot: dot exited with status {result.returncode}: "
                               f"{result.stderr.decode('utf-8', 'replace').strip()}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path

"""to_dot / render_dot: the autograd graph as Graphviz text (needs no matplotlib)."""
from __future__ import annotations

import re
import shutil

import pytest

import minigrad as mg
from minigrad.viz import render_dot, to_dot


def _small_graph():
    x = mg.randn(2, 3, requires_grad=True)
    w = mg.randn(3, 4, requires_grad=True)
    b = mg.randn(4, requires_grad=True)
    h = (x @ w + b).relu()
    y = h.reshape(8).exp().sum()
    return y, {"x": x, "w": w, "b": b}


def _walk(tensor):
    """Every Function node reachable from ``tensor``, found independently of to_dot."""
    seen, stack = [], [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.append(node)
        stack.extend(edge[0] for edge in node.parents if edge is not None)
    return seen


def test_dot_names_every_op_with_shapes():
    y, params = _small_graph()
    dot = to_dot(y, params=params)
    nodes = _walk(y)
    names = sorted(type(n).__name__ for n in nodes)
    assert names == sorted(["MatMul", "Add", "ReLU", "Reshape", "Exp", "Sum"])
    op_labels = re.findall(r'op\d+ \[label="(\w+)\\n', dot)
    assert sorted(op_labels) == names
    # every op's output shape and every leaf's name and shape appear
    assert 'label="MatMul\\n(2, 4)"' in dot
    assert 'label="Reshape\\n(8)"' in dot
    for name, t in params.items():
        assert f'label="{name}\\n{tuple(t.shape)} float32"'.replace(",)", ")") in dot
    # one edge per recorded parent plus the edge into the output node
    n_edges = sum(1 for n in nodes for e in n.parents if e is not None) + 1
    assert dot.count(" -> ") == n_edges
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")


def test_dot_leaf_without_graph_and_shared_leaf():
    x = mg.randn(3, requires_grad=True)
    assert "op0" not in to_dot(x)
    y = (x * x).sum()  # x feeds Mul twice: one leaf node, two edges
    dot = to_dot(y)
    assert dot.count("leaf0 [") == 1 and dot.count("leaf0 -> ") == 2
    with pytest.raises(TypeError, match="to_dot"):
        to_dot([1, 2, 3])


def test_dot_quotes_names_safely():
    x = mg.randn(2, requires_grad=True)
    dot = to_dot((x * 2).sum(), params={'odd "name"\\': x})
    assert 'odd \\"name\\"\\\\' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_render_dot_svg_and_png(tmp_path):
    y, params = _small_graph()
    svg = tmp_path / "g.svg"
    assert render_dot(to_dot(y, params), svg) == str(svg)
    text = svg.read_text()
    for op in ("MatMul", "Add", "ReLU", "Reshape", "Exp", "Sum"):
        assert op in text
    png = tmp_path / "g.png"
    render_dot(to_dot(y, params), png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(RuntimeError, match="render_dot: dot exited"):
        render_dot("digraph { this is not dot", tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_render_dot_without_graphviz_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz 'dot' program is not on PATH"):
        render_dot("digraph {}", tmp_path / "g.png")
    with pytest.raises(ValueError, match="format must be png, svg or pdf"):
        render_dot("digraph {}", tmp_path / "g.jpg")

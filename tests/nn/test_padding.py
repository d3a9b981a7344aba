"""F.pad in every mode (ops/padding.py) and the padding layers (nn/padding.py): PyTorch parity
forward and backward over ranks, pad lengths and negative (cropping) widths, float64
gradcheck / gradgradcheck, float32 kept, repr, and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand

# (input shape, pad) pairs that every non-constant mode accepts (2, 4 or 6 numbers for an
# unbatched or batched input).
NON_CONSTANT = [((3, 5), (2, 1)), ((2, 3, 5), (0, 4)), ((2, 3, 5), (3, 2)),
                ((3, 4, 5), (1, 2, 3, 0)), ((2, 3, 4, 5), (2, 2, 1, 3)),
                ((2, 3, 4, 5), (0, 1, 3, 0)), ((2, 3, 4, 5), (-1, 2, 1, -2)),
                ((2, 3, 4, 5), (-1, -1, 2, 2)), ((2, 2, 3, 4), (1, 2, 0, 1, 2, 1)),
                ((2, 2, 3, 4, 5), (1, 2, 2, 1, 2, 0)), ((1, 2, 3, 4, 5), (-2, 1, 0, 2, -1, 1))]
CONSTANT = [((5,), (2, 1)), ((3, 5), (1, 1, 2, 0)), ((2, 3, 4), (-1, 2)),
            ((2, 3, 4), (1, -2, -1, 0, 2, 1)), ((2, 3, 4, 5), (-2, -3, 0, 1)),
            ((2, 3, 4), (0, 0)), ((2, 3, 4), (-4, 1))]


def _ok(mode: str, shape: tuple, pad: tuple) -> bool:
    """Cases outside a mode's rules (reflect: pad < size; torch's circular mishandles crops)."""
    sizes = shape[len(shape) - len(pad) // 2:][::-1]
    pairs = [pad[2 * i:2 * i + 2] for i in range(len(pad) // 2)]
    if mode == "reflect":
        return all(max(p) < n for p, n in zip(pairs, sizes))
    if mode == "circular":
        return all(min(p) >= 0 and max(p) <= n for p, n in zip(pairs, sizes))
    return True


@pytest.mark.parametrize("mode,shape,pad", [(m, shape, pad) for m in
                                            ("reflect", "replicate", "circular")
                                            for shape, pad in NON_CONSTANT if _ok(m, shape, pad)])
def test_non_constant_modes_match_torch(mode, shape, pad) -> None:
    compare_fn(lambda x: F.pad(x, pad, mode=mode),
               lambda x: __import__("torch").nn.functional.pad(x, pad, mode=mode), rand(shape))


@pytest.mark.parametrize("shape,pad", CONSTANT)
@pytest.mark.parametrize("value", [None, 0.5])
def test_constant_mode_with_crops_matches_torch(shape, pad, value) -> None:
    compare_fn(lambda x: F.pad(x, pad, value=value),
               lambda x: __import__("torch").nn.functional.pad(x, pad, value=value), rand(shape))


def test_reflect_and_replicate_index_rules_by_hand() -> None:
    x = mg.arange(4.0).reshape(1, 1, 4)
    assert F.pad(x, (3, 2), mode="reflect").tolist() == [[[3, 2, 1, 0, 1, 2, 3, 2, 1]]]
    assert F.pad(x, (2, 1), mode="replicate").tolist() == [[[0, 0, 0, 1, 2, 3, 3]]]
    assert F.pad(x, (4, 2), mode="circular").tolist() == [[[0, 1, 2, 3, 0, 1, 2, 3, 0, 1]]]
    # crops: torch's circular misbehaves here, so the rule is checked by hand
    assert F.pad(x, (-1, 2), mode="circular").tolist() == [[[1, 2, 3, 0, 1]]]
    assert F.pad(x, (3, -2), mode="reflect").tolist() == [[[3, 2, 1, 0, 1]]]


def test_gradient_of_every_copy_adds_up() -> None:
    x = mg.arange(3.0, dtype=mg.float64).reshape(1, 3).requires_grad_()
    F.pad(x, (2, 2), mode="replicate").sum().backward()
    assert x.grad.tolist() == [[3.0, 1.0, 3.0]]


@pytest.mark.parametrize("mode,pad", [("reflect", (2, 1, 1, 2)), ("replicate", (-1, 2, 3, 0)),
                                      ("circular", (1, 3, 2, 0)), ("constant", (1, -1, 2, 0))])
def test_gradcheck_and_gradgradcheck(mode, pad) -> None:
    x = mg.tensor(rand((2, 3, 4)), requires_grad=True)
    assert mg.gradcheck(lambda t: F.pad(t, pad, mode=mode), (x,))
    assert mg.gradgradcheck(lambda t: F.pad(t, pad, mode=mode) ** 2, (x,))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_float32_stays_float32(mode) -> None:
    x = mg.randn(2, 3, 4).float().requires_grad_()
    y = F.pad(x, (1, 2), mode=mode)
    y.sum().backward()
    assert y.dtype == mg.float32 and x.grad.dtype == mg.float32


def test_zero_padding_returns_a_new_tensor() -> None:
    x = mg.randn(2, 3)
    y = F.pad(x, (0, 0), mode="reflect")
    assert y is not x and np.array_equal(y.numpy(), x.numpy())


def test_errors_match_torch_types() -> None:
    x = mg.randn(1, 2, 3)
    with pytest.raises(RuntimeError, match=r"reflect padding \(3, 3\).*size 3.*\(1, 2, 3\)"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="wraps around more than once"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(RuntimeError, match="doesn't take a value"):
        F.pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(RuntimeError, match=r"crop more than.*\(1, 2, 3\)"):
        F.pad(x, (-2, -2))
    with pytest.raises(NotImplementedError, match=r"length 2.*1-D input of shape \(3,\)"):
        F.pad(mg.randn(3), (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match=r"length 4.*2-D"):
        F.pad(mg.randn(2, 3), (1, 1, 1, 1), mode="replicate")
    with pytest.raises(NotImplementedError, match="'foo'"):
        F.pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(RuntimeError, match=r"at most twice.*\(1, 2, 3\)"):
        F.pad(x, (1, 1) * 4)
    with pytest.raises(RuntimeError, match="leaves 0 elements"):
        F.pad(mg.randn(2, 4), (-2, -2), mode="replicate")
    with pytest.raises(RuntimeError, match=r"non-empty.*\(2, 0\)"):
        F.pad(mg.randn(2, 0), (1, 1), mode="replicate")
    with pytest.raises(TypeError, match="pad: expected a Tensor"):
        F.pad(np.zeros((2, 3)), (1, 1))


def test_torch_raises_the_same_types() -> None:
    torch = pytest.importorskip("torch")
    x = torch.randn(1, 2, 3)
    for call, exc in [(lambda: torch.nn.functional.pad(x, (3, 3), mode="reflect"), RuntimeError),
                      (lambda: torch.nn.functional.pad(x, (4, 0), mode="circular"), RuntimeError),
                      (lambda: torch.nn.functional.pad(torch.randn(3), (1, 1), mode="reflect"),
                       NotImplementedError),
                      (lambda: torch.nn.functional.pad(x, (1, 1, 1)), RuntimeError),
                      (lambda: torch.nn.functional.pad(x, (1, 1), mode="foo"),
                       NotImplementedError)]:
        with pytest.raises(exc):
            call()


# --- the layers ---------------------------------------------------------------------------
LAYERS = [("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
          ("ZeroPad3d", (1,), (2, 3, 4, 5)), ("ConstantPad1d", ((1, 3), 2.5), (3, 5)),
          ("ConstantPad2d", (2, -1.0), (2, 3, 4, 5)), ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 0.5),
                                                        (1, 2, 3, 4, 5)),
          ("ReflectionPad1d", ((3, 1),), (2, 3, 5)), ("ReflectionPad2d", (2,), (3, 4, 5)),
          ("ReflectionPad3d", ((1, 2, 0, 1, 2, 1),), (1, 2, 3, 4, 5)),
          ("ReplicationPad1d", (4,), (3, 5)), ("ReplicationPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)),
          ("ReplicationPad3d", (2,), (2, 3, 4, 5)), ("CircularPad1d", ((2, 5),), (2, 3, 5)),
          ("CircularPad2d", (3,), (2, 3, 4, 5)), ("CircularPad3d", ((1, 2, 3, 0, 1, 1),),
                                                   (1, 2, 3, 4, 5))]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_match_torch(name, args, shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    compare_fn(ours, theirs, rand(shape))


def test_layer_gradcheck_and_float32() -> None:
    layer = nn.ReflectionPad2d((1, 2, 2, 0))
    x = mg.tensor(rand((2, 2, 3, 4)), requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))
    y = layer(x.detach().float())
    assert y.dtype == mg.float32


def test_layer_errors() -> None:
    with pytest.raises(ValueError, match=r"ReflectionPad2d: padding must be an int or a tuple of "
                                         r"4 ints, got \(1, 2, 3\)"):
        nn.ReflectionPad2d((1, 2, 3))
    with pytest.raises(ValueError, match=r"CircularPad2d: expected 3D or 4D input \(got 2D"):
        nn.CircularPad2d(1)(mg.randn(3, 3))
    with pytest.raises(NotImplementedError, match="reflect"):
        nn.ReflectionPad2d(1)(mg.randn(2, 3))


def test_source_positions_split_into_runs_of_slices() -> None:
    """Each mode's gather is done with one slice per run of consecutive source positions."""
    from minigrad.ops.padding import index_runs, source_index
    assert index_runs(source_index(4, 3, 2, "reflect")) == [(3, -1, 4), (1, 1, 3), (2, -1, 2)]
    assert index_runs(source_index(4, 2, 1, "replicate")) == [(0, 0, 3), (1, 1, 3), (3, 1, 1)]
    assert index_runs(source_index(4, 4, 2, "circular")) == [(0, 1, 4), (0, 1, 4), (0, 1, 2)]
    assert index_runs([]) == []


def test_circular_crop_to_nothing_and_wrap_of_a_whole_size() -> None:
    x = mg.arange(8.0, dtype=mg.float64).reshape(1, 2, 4).requires_grad_()
    empty = F.pad(x, (-2, -2), mode="circular")
    assert tuple(empty.shape) == (1, 2, 0)
    empty.sum().backward()
    assert x.grad.tolist() == [[[0.0] * 4] * 2]
    assert mg.gradcheck(lambda t: F.pad(t, (4, 4), mode="circular"), (x.detach().requires_grad_(),))
    assert F.pad(x, (4, 4), mode="circular")[0, 0].tolist() == [0, 1, 2, 3] * 3

"""Bad calls to the convolutions and poolings raise an error that PyTorch-style code catches
(``except RuntimeError``, as torch raises) and that minigrad-style code still catches (the
ValueError minigrad raised before): minigrad/errors.py's classes are both. Each case raised a
plain ValueError before; the oracle runs the same call on torch and takes the type it raises."""
from __future__ import annotations

import pytest

import minigrad as mg


def F(lib):  # noqa: N802  (F as in ``import torch.nn.functional as F``)
    return lib.nn.functional


def z(lib, *shape):
    return lib.zeros(*shape)


# (id, the op its message names, the call on torch or minigrad)
CASES = [
    ("conv_channels", "conv2d", lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 2, 3, 3))),
    ("conv_weight_ndim", "conv2d", lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3))),
    ("conv_input_ndim", "conv2d", lambda L: F(L).conv2d(z(L, 3, 5), z(L, 4, 3, 3, 3))),
    ("conv_kernel_big", "conv2d", lambda L: F(L).conv2d(z(L, 1, 3, 2, 2), z(L, 4, 3, 3, 3))),
    ("conv_groups", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 4, 5, 5), z(L, 3, 2, 3, 3), groups=2)),
    ("conv_groups0", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 4, 5, 5), z(L, 4, 4, 3, 3), groups=0)),
    ("conv_stride0", "conv2d", lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3, 3), stride=0)),
    ("conv_dilation0", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3, 3), dilation=0)),
    ("conv_negative_padding", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3, 3), padding=-1)),
    ("conv_same_strided", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3, 3), stride=2, padding="same")),
    ("conv_padding_word", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3, 3), padding="full")),
    ("conv_bias_shape", "conv2d",
     lambda L: F(L).conv2d(z(L, 1, 3, 5, 5), z(L, 4, 3, 3, 3), z(L, 3))),
    ("Conv2d_channels", "Conv2d", lambda L: L.nn.Conv2d(3, 4, 3)(z(L, 1, 2, 5, 5))),
    ("Conv2d_ndim", "Conv2d", lambda L: L.nn.Conv2d(3, 4, 3)(z(L, 5, 5))),
    ("max_pool_kernel0", "max_pool2d", lambda L: F(L).max_pool2d(z(L, 1, 1, 4, 4), 0)),
    ("max_pool_padding", "max_pool2d",
     lambda L: F(L).max_pool2d(z(L, 1, 1, 4, 4), 2, padding=2)),
    ("max_pool_too_small", "max_pool2d", lambda L: F(L).max_pool2d(z(L, 1, 1, 1, 1), 2)),
    ("max_pool_ndim", "max_pool2d", lambda L: F(L).max_pool2d(z(L, 4), 2)),
    ("max_pool_stride0", "max_pool2d",
     lambda L: F(L).max_pool2d(z(L, 1, 1, 4, 4), 2, stride=0)),
    ("avg_pool_kernel0", "avg_pool2d", lambda L: F(L).avg_pool2d(z(L, 1, 1, 4, 4), 0)),
    ("avg_pool_too_small", "avg_pool2d", lambda L: F(L).avg_pool2d(z(L, 1, 1, 1, 1), 2)),
    ("avg_pool_divisor0", "avg_pool2d",
     lambda L: F(L).avg_pool2d(z(L, 1, 1, 4, 4), 2, divisor_override=0)),
    ("adaptive_avg_negative", "adaptive_avg_pool2d",
     lambda L: F(L).adaptive_avg_pool2d(z(L, 1, 1, 4, 4), -1)),
    ("adaptive_avg_ndim", "adaptive_avg_pool2d", lambda L: F(L).adaptive_avg_pool2d(z(L, 4), 2)),
    ("adaptive_max_negative", "adaptive_max_pool2d",
     lambda L: F(L).adaptive_max_pool2d(z(L, 1, 1, 4, 4), -1)),
    ("max_pool1d_too_small", "max_pool1d", lambda L: F(L).max_pool1d(z(L, 1, 1, 1), 2)),
    ("avg_pool1d_too_small", "avg_pool1d", lambda L: F(L).avg_pool1d(z(L, 1, 1, 1), 2)),
    ("MaxPool2d_too_small", "MaxPool2d", lambda L: L.nn.MaxPool2d(3)(z(L, 1, 1, 2, 2))),
]


def _raised(call, lib) -> Exception:
    with pytest.raises(Exception) as info:
        call(lib)
    return info.value


@pytest.mark.parametrize("name, op, call", CASES, ids=[c[0] for c in CASES])
def test_error_type_is_torchs_and_still_a_value_error(name, op, call):
    torch = pytest.importorskip("torch")
    theirs, ours = _raised(call, torch), _raised(call, mg)
    assert isinstance(ours, type(theirs)), f"torch: {type(theirs).__name__}, minigrad: {ours!r}"
    assert isinstance(ours, ValueError), ours  # what minigrad code caught before
    assert op in str(ours), ours


def test_a_conv_shape_error_is_caught_both_ways():
    for kind in (ValueError, RuntimeError):
        with pytest.raises(kind, match="expected 2 input channels, got 3"):
            F(mg).conv2d(mg.zeros(1, 3, 5, 5), mg.zeros(4, 2, 3, 3))
        with pytest.raises(kind, match="too small"):
            F(mg).max_pool2d(mg.zeros(1, 1, 1, 1), 2)

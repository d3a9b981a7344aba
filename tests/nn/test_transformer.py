"""nn.TransformerEncoderLayer / DecoderLayer, the Encoder / Decoder stacks and nn.Transformer:
against PyTorch (forward and every input and parameter gradient, float64), gradcheck, masks,
dropout, dtypes, layout and errors.

PyTorch's modules are compared in training mode with dropout=0: in eval mode PyTorch may take
its fused inference fast path, whose numerics differ slightly from the plain computation."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

RTOL, ATOL = 1e-7, 1e-10


def _rand(rng, *shape):
    return rng.standard_normal(shape)


def _np(t):
    return t.detach().numpy()


def _pair(name, *args, torch_extra=None, **kw):
    """The same module in both libraries, float64, torch's weights copied into minigrad (with
    random LayerNorm weights and biases, so that their gradients are exercised)."""
    torch = pytest.importorskip("torch")
    t = getattr(torch.nn, name)(*args, dtype=torch.float64, **kw, **(torch_extra or {}))
    m = getattr(nn, name)(*args, dtype=mg.float64, **kw)
    with torch.no_grad():
        for p in t.parameters():
            if p.ndim == 1:
                p.normal_()
    m.load_state_dict({n: mg.tensor(a.detach().numpy()) for n, a in t.state_dict().items()},
                      strict=True)
    return m, t


def _compare(m, t, inputs, masks=None, **kw):
    """Forward in training mode; output, input gradients and every parameter's gradient."""
    torch = pytest.importorskip("torch")
    masks = masks or {}
    m.train()
    t.train()
    xs_mg = [mg.tensor(a, requires_grad=True) for a in inputs]
    xs_t = [torch.tensor(a, requires_grad=True) for a in inputs]
    mk_mg = {n: mg.tensor(a) for n, a in masks.items()}
    mk_t = {n: torch.tensor(a) for n, a in masks.items()}
    out_mg = m(*xs_mg, **mk_mg, **kw)
    out_t = t(*xs_t, **mk_t, **kw)
    assert tuple(out_mg.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(_np(out_mg), out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(99).standard_normal(tuple(out_t.shape))
    out_mg.backward(mg.tensor(g))
    out_t.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(xs_mg, xs_t)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient of input {i}")
    params_t = dict(t.named_parameters())
    params_mg = dict(m.named_parameters())
    assert list(params_mg) == list(params_t)
    for name, p in params_t.items():
        np.testing.assert_allclose(params_mg[name].grad.numpy(), p.grad.numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"gradient of parameter {name}")
    return out_mg


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


# --- encoder layer ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_torch(batch_first, norm_first, activation):
    rng = np.random.default_rng(0)
    m, t = _pair("TransformerEncoderLayer", 6, 2, 10, dropout=0.0, activation=activation,
                 batch_first=batch_first, norm_first=norm_first, layer_norm_eps=1e-3)
    _compare(m, t, [_rand(rng, 3, 4, 6)])


@pytest.mark.parametrize("masks", ["bool_mask", "float_mask", "bool_kpm", "float_both",
                                   "causal"])
def test_encoder_layer_masks_match_torch(masks):
    rng = np.random.default_rng(1)
    m, t = _pair("TransformerEncoderLayer", 6, 3, 8, dropout=0.0, batch_first=True)
    S = 5
    bool_mask = rng.random((S, S)) > 0.5
    np.fill_diagonal(bool_mask, False)
    kpm = np.array([[False] * 5, [False, False, False, True, True]])
    chosen, kw = {
        "bool_mask": ({"src_mask": bool_mask}, {}),
        "float_mask": ({"src_mask": _rand(rng, S, S)}, {}),
        "bool_kpm": ({"src_key_padding_mask": kpm}, {}),
        "float_both": ({"src_mask": _rand(rng, 2 * 3, S, S),
                        "src_key_padding_mask": np.where(kpm, -np.inf, 0.0)}, {}),
        "causal": ({"src_mask": _causal(S)}, {"is_causal": True}),
    }[masks]
    _compare(m, t, [_rand(rng, 2, S, 6)], chosen, **kw)


def test_encoder_layer_callable_activation_bias_false_and_unbatched_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    t = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=torch.nn.GELU("tanh"),
                                         bias=False, dtype=torch.float64)
    m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=nn.GELU("tanh"),
                                   bias=False, dtype=mg.float64)
    m.load_state_dict({n: mg.tensor(a.detach().numpy()) for n, a in t.state_dict().items()})
    assert repr(m) == repr(t)  # the activation module is a registered child, as in torch
    _compare(m, t, [_rand(rng, 5, 4)])  # unbatched (S, E)
    # A plain function works too.
    t = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=torch.nn.functional.silu,
                                         dtype=torch.float64)
    m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=F.silu, dtype=mg.float64)
    m.load_state_dict({n: mg.tensor(a.detach().numpy()) for n, a in t.state_dict().items()})
    assert repr(m) == repr(t)
    _compare(m, t, [_rand(rng, 5, 3, 4)])


def test_encoder_layer_gradcheck():
    rng = np.random.default_rng(3)
    m = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True, dtype=mg.float64)
    for p in m.parameters():  # shift the zero-initialised biases away from ReLU's kink
        p.data.copy_(mg.tensor(0.5 * rng.standard_normal(p.shape)))
    src = mg.tensor(_rand(rng, 3, 1, 4), requires_grad=True)
    assert mg.gradcheck_module(m, (src,))
    kpm = mg.tensor(np.array([[False, False, True]]))
    assert mg.gradcheck(lambda x: m(x, src_key_padding_mask=kpm), (src,))


def test_encoder_layer_float32_stays_float32():
    m = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation="gelu")
    x = mg.randn(5, 3, 8, requires_grad=True)
    out = m(x, src_mask=mg.tensor(_causal(5).astype(np.float32)), is_causal=True)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    assert all(p.grad.dtype == mg.float32 for p in m.parameters())


def test_encoder_layer_dropout_train_vs_eval():
    """Training: random (repeatable under a seed) and different from dropout-free; eval: the
    same as a dropout=0 layer with the same weights."""
    rng = np.random.default_rng(4)
    m = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, dtype=mg.float64)
    ref = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=mg.float64)
    ref.load_state_dict(m.state_dict())
    x = mg.tensor(_rand(rng, 6, 4, 8))
    mg.manual_seed(11)
    a = _np(m(x))
    mg.manual_seed(11)
    b = _np(m(x))
    mg.manual_seed(12)
    c = _np(m(x))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3
    assert np.abs(a - _np(ref(x))).max() > 1e-3
    m.eval()
    np.testing.assert_allclose(_np(m(x)), _np(ref(x)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kw", [{}, {"bias": False, "norm_first": True},
                                {"activation": "gelu", "batch_first": True}])
def test_layers_state_dict_and_repr_as_torch(kw):
    torch = pytest.importorskip("torch")
    for name in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        t = getattr(torch.nn, name)(8, 2, 16, **kw)
        m = getattr(nn, name)(8, 2, 16, **kw)
        assert list(m.state_dict()) == list(t.state_dict())
        assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in t.named_parameters()]
        assert repr(m) == repr(t)


# --- encoder stack ---------------------------------------------------------------------------
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack_matches_torch(with_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    layer_t = torch.nn.TransformerEncoderLayer(6, 2, 8, dropout=0.0, dtype=torch.float64)
    layer_m = nn.TransformerEncoderLayer(6, 2, 8, dropout=0.0, dtype=mg.float64)
    norm_t = torch.nn.LayerNorm(6, dtype=torch.float64) if with_norm else None
    norm_m = nn.LayerNorm(6, dtype=mg.float64) if with_norm else None
    t = torch.nn.TransformerEncoder(layer_t, 2, norm=norm_t, enable_nested_tensor=False)
    m = nn.TransformerEncoder(layer_m, 2, norm=norm_m)
    with torch.no_grad():
        for p in t.parameters():
            p.add_(0.1 * torch.randn_like(p))  # the two layers now differ
    m.load_state_dict({n: mg.tensor(a.detach().numpy()) for n, a in t.state_dict().items()})
    kpm = np.array([[False, False, False, True], [False, False, False, False],
                    [False, True, True, True]])
    _compare(m, t, [_rand(rng, 4, 3, 6)],
             {"mask": _causal(4), "src_key_padding_mask": np.where(kpm, -np.inf, 0.0)})
    _compare(m, t, [_rand(rng, 4, 3, 6)], {"mask": _causal(4)})  # is_causal detected


def test_encoder_stack_deep_copies_the_layer():
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    enc = nn.TransformerEncoder(layer, 3)
    assert len(enc.layers) == 3 and enc.num_layers == 3
    ids = {id(p) for p in layer.parameters()}
    for lay in enc.layers:
        assert lay is not layer
        assert not ids & {id(p) for p in lay.parameters()}
        for (n, p), (_, q) in zip(lay.named_parameters(), layer.named_parameters()):
            np.testing.assert_array_equal(_np(p), _np(q), err_msg=n)
    with mg.no_grad():
        enc.layers[0].linear1.weight.fill_(0.0)
    assert np.abs(_np(enc.layers[1].linear1.weight)).max() > 0
    assert np.abs(_np(layer.linear1.weight)).max() > 0
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_stacks_state_dict_and_repr_as_torch():
    torch = pytest.importorskip("torch")
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8), 2,
                                    norm=torch.nn.LayerNorm(4), enable_nested_tensor=False)
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2, norm=nn.LayerNorm(4))
    assert list(m.state_dict()) == list(t.state_dict())
    assert repr(m) == repr(t)  # ModuleList prints "(0-1): 2 x TransformerEncoderLayer(...)"
    t = torch.nn.Transformer(4, 2, 1, 2, 8)
    m = nn.Transformer(4, 2, 1, 2, 8)
    assert list(m.state_dict()) == list(t.state_dict())
    assert repr(m) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]


# --- decoder -----------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, batch_first):
    rng = np.random.default_rng(6)
    m, t = _pair("TransformerDecoderLayer", 6, 2, 10, dropout=0.0, norm_first=norm_first,
                 batch_first=batch_first, activation="gelu")
    T, S, N = 4, 5, 2
    shape = (lambda n: (N, n, 6)) if batch_first else (lambda n: (n, N, 6))
    mem_kpm = np.array([[False] * 5, [False, False, True, True, True]])
    masks = {"tgt_mask": _causal(T), "memory_key_padding_mask": mem_kpm,
             "tgt_key_padding_mask": np.array([[0.0] * 4, [0.0, 0.0, 0.0, -np.inf]]),
             "memory_mask": rng.random((T, S)) > 0.8}
    masks["memory_mask"][:, 0] = False
    _compare(m, t, [_rand(rng, *shape(T)), _rand(rng, *shape(S))], masks, tgt_is_causal=True)


def test_decoder_stack_and_unbatched_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    t = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, dtype=torch.float64), 2,
        norm=torch.nn.LayerNorm(4, dtype=torch.float64))
    m = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, dtype=mg.float64),
                              2, norm=nn.LayerNorm(4, dtype=mg.float64))
    with torch.no_grad():
        for p in t.parameters():
            p.add_(0.1 * torch.randn_like(p))
    m.load_state_dict({n: mg.tensor(a.detach().numpy()) for n, a in t.state_dict().items()})
    _compare(m, t, [_rand(rng, 3, 2, 4), _rand(rng, 5, 2, 4)], {"tgt_mask": _causal(3)})
    _compare(m, t, [_rand(rng, 3, 4), _rand(rng, 5, 4)],
             {"memory_key_padding_mask": np.array([False, True, False, False, True])})


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    m, t = _pair("Transformer", 6, 2, 2, 1, 8, dropout=0.0, batch_first=True, norm_first=True)
    src_kpm = np.array([[False] * 5, [False, False, False, True, True]])
    masks = {"tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(
        3, dtype=torch.float64).numpy(), "src_key_padding_mask": src_kpm,
        "memory_key_padding_mask": src_kpm}
    _compare(m, t, [_rand(rng, 2, 5, 6), _rand(rng, 2, 3, 6)], masks)


def test_transformer_init_and_causal_mask():
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    m = nn.Transformer(16, 2, 1, 1, 32)
    w = _np(m.encoder.layers[0].linear1.weight)  # (32, 16): Xavier bound sqrt(6/48)
    assert np.abs(w).max() <= np.sqrt(6 / 48) and np.abs(w).max() > 0.9 * np.sqrt(6 / 48)
    assert np.all(_np(m.decoder.layers[0].self_attn.in_proj_bias) == 0)
    for sz in (1, 4):
        ours = nn.Transformer.generate_square_subsequent_mask(sz)
        ref = torch.nn.Transformer.generate_square_subsequent_mask(sz)
        assert ours.dtype == mg.float32
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    mask64 = nn.Transformer.generate_square_subsequent_mask(3, dtype=mg.float64)
    assert mask64.dtype == mg.float64


def test_transformer_float32_and_dropout_determinism():
    m = nn.Transformer(8, 2, 1, 1, 16, dropout=0.2)
    src, tgt = mg.randn(5, 2, 8), mg.randn(3, 2, 8, requires_grad=True)
    mg.manual_seed(1)
    a = m(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(3))
    mg.manual_seed(1)
    b = m(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(3))
    np.testing.assert_array_equal(_np(a), _np(b))
    assert a.dtype == mg.float32
    a.sum().backward()
    assert tgt.grad.dtype == mg.float32
    assert all(p.grad.dtype == mg.float32 for p in m.parameters())


def test_transformer_errors():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.TransformerEncoderLayer(6, 4)
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: expected src.*got \(3, 2, 5\)"):
        layer(mg.randn(3, 2, 5))
    with pytest.raises(ValueError, match=r"2-D attn_mask is \(4, 4\), but should be \(3, 3\)"):
        layer(mg.randn(3, 2, 4), src_mask=mg.zeros(4, 4))
    with pytest.raises(ValueError, match="num_layers must be a non-negative int"):
        nn.TransformerEncoder(layer, -1)
    with pytest.raises(TypeError, match="TransformerEncoder: expected a layer Module"):
        nn.TransformerEncoder("layer", 2)
    dec = nn.TransformerDecoderLayer(4, 2, 8)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: expected memory.*\(5, 2, 3\)"):
        dec(mg.randn(3, 2, 4), mg.randn(5, 2, 3))
    m = nn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        m(mg.randn(5, 2, 4), mg.randn(3, 3, 4))
    with pytest.raises(RuntimeError, match="feature number of src and tgt"):
        m(mg.randn(5, 2, 4), mg.randn(3, 2, 5))


def test_encoder_deepcopy_of_module_keeps_function_activation():
    layer = nn.TransformerEncoderLayer(4, 2, 8, activation="gelu")
    clone = copy.deepcopy(layer)
    assert clone.activation is layer.activation  # a function, shared like torch's F.gelu
    x = mg.randn(3, 2, 4)
    layer.eval()
    clone.eval()
    np.testing.assert_array_equal(_np(layer(x)), _np(clone(x)))


def test_is_causal_is_detected_from_the_mask_as_torch():
    """The stacks pass is_causal=True to their layers when the mask is the causal one."""
    from minigrad.nn.transformer import _detect_is_causal_mask
    causal = nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(causal, None, 4)
    assert _detect_is_causal_mask(mg.tensor(np.triu(np.ones((4, 4), bool), 1)), None, 4)
    assert not _detect_is_causal_mask(causal, None, 5)
    assert not _detect_is_causal_mask(mg.zeros(4, 4), None, 4)
    assert not _detect_is_causal_mask(None, None, 4)
    assert not _detect_is_causal_mask(causal, False, 4)
    assert _detect_is_causal_mask(None, True, 4)

"""F.scaled_dot_product_attention and nn.MultiheadAttention: against PyTorch (forward, every
input and parameter gradient, float64), gradcheck, masks, dropout, dtypes, layout and errors.

PyTorch's MultiheadAttention is compared in training mode with dropout=0: in eval mode it may
take a fused fast path whose numerics differ slightly from the plain computation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from harness import OpSpec, OpSuite

RTOL, ATOL = 1e-7, 1e-10


# --- the op harness: gradcheck (also non-contiguous), gradgradcheck, NumPy, float32, hypothesis,
# torch -------------------------------------------------------------------------------------------
def _sdpa_ref(q, k, v, bias=None, causal=False, scale=None):
    scores = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if bias is not None:
        scores = scores + bias
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape[-2:], bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ v


def _sdpa_shapes(with_bias=False):
    """(q, k, v[, bias]) shapes: batch dims broadcast, L, S, E and Ev drawn independently."""
    def build(batch, L, S, E, Ev):
        qb, kb, vb = batch.input_shapes
        shapes = (qb + (L, E), kb + (S, E), vb + (S, Ev))
        return shapes + ((L, S),) if with_bias else shapes
    side = st.integers(1, 4)
    return lambda: st.builds(build, hnp.mutually_broadcastable_shapes(
        num_shapes=3, min_dims=0, max_dims=2, min_side=1, max_side=3), side, side, side, side)


class TestScaledDotProductAttentionOp(OpSuite):
    OPS = [
        OpSpec("sdpa", lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v),
               _sdpa_ref, [((3, 4), (5, 4), (5, 2)), ((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                           ((2, 1, 3, 2), (3, 4, 2), (1, 4, 3))],
               hyp_shapes=_sdpa_shapes()),
        OpSpec("sdpa-float-mask",
               lambda m, q, k, v, b: m.nn.functional.scaled_dot_product_attention(
                   q, k, v, attn_mask=b),
               lambda q, k, v, b: _sdpa_ref(q, k, v, b),
               [((3, 4), (5, 4), (5, 2), (3, 5)), ((2, 3, 4), (2, 5, 4), (2, 5, 3), (1, 5)),
                ((2, 3, 2), (2, 4, 2), (2, 4, 2), (2, 3, 4))],
               hyp_shapes=_sdpa_shapes(with_bias=True)),
        OpSpec("sdpa-causal-scale",
               lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(
                   q, k, v, is_causal=True, scale=0.7),
               lambda q, k, v: _sdpa_ref(q, k, v, causal=True, scale=0.7),
               [((4, 3), (4, 3), (4, 2)), ((2, 3, 2), (2, 5, 2), (2, 5, 3))],
               hyp_shapes=_sdpa_shapes()),
    ]


def _rand(rng, *shape):
    return rng.standard_normal(shape)


def _np(t):
    return t.detach().numpy()


# --- scaled_dot_product_attention ------------------------------------------------------------
def _sdpa_both(q, k, v, mask=None, mask_grad=False, **kw):
    """Run minigrad's and PyTorch's attention on the same float64 data; compare output and the
    gradients of q, k, v (and a float mask) for a random upstream gradient."""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    ins = [q, k, v] + ([mask] if mask_grad else [])
    xs_mg = [mg.tensor(a, requires_grad=True) for a in ins]
    xs_t = [torch.tensor(a, requires_grad=True) for a in ins]
    m_mg = xs_mg[3] if mask_grad else (None if mask is None else mg.tensor(mask))
    m_t = xs_t[3] if mask_grad else (None if mask is None else torch.tensor(mask))
    out_mg = F.scaled_dot_product_attention(*xs_mg[:3], attn_mask=m_mg, **kw)
    out_t = tf.scaled_dot_product_attention(*xs_t[:3], attn_mask=m_t, **kw)
    assert tuple(out_mg.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(_np(out_mg), out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    out_mg.backward(mg.tensor(g))
    out_t.backward(torch.tensor(g))
    for name, a, b in zip("qkvm", xs_mg, xs_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient of {name}")
    return out_mg


@pytest.mark.parametrize("case", ["plain", "causal", "causal_long_keys", "scale", "bool2d",
                                  "bool4d", "float", "value_dim", "unbatched", "broadcast"])
def test_sdpa_matches_torch(case):
    rng = np.random.default_rng(0)
    q, k, v = _rand(rng, 2, 3, 4, 5), _rand(rng, 2, 3, 6, 5), _rand(rng, 2, 3, 6, 5)
    kw, mask, mask_grad = {}, None, False
    if case == "causal":
        q, k, v = q, _rand(rng, 2, 3, 4, 5), _rand(rng, 2, 3, 4, 5)
        kw["is_causal"] = True
    elif case == "causal_long_keys":  # L=4 < S=6: top-left aligned causal mask
        kw["is_causal"] = True
        q, k, v = q[0], k[0], v[0]  # 3-D: PyTorch's reference (math) path
    elif case == "scale":
        kw["scale"] = 0.3
    elif case == "bool2d":
        mask = rng.random((4, 6)) > 0.3
        mask[:, 0] = True
    elif case == "bool4d":
        mask = rng.random((2, 1, 4, 6)) > 0.3
        mask[..., 0] = True
    elif case == "float":
        mask, mask_grad = _rand(rng, 3, 4, 6), True
    elif case == "value_dim":
        v = _rand(rng, 2, 3, 6, 7)
    elif case == "unbatched":
        q, k, v = q[0, 0], k[0, 0], v[0, 0]
    elif case == "broadcast":  # key/value batch dims broadcast against the query's
        k, v = k[:1], v[:1, :1]
    _sdpa_both(q, k, v, mask, mask_grad, **kw)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_row_gives_zeros_as_torch(kind):
    """PyTorch 2.13 (CPU) returns zeros, with zero gradients, for a query that may attend to
    no key; so does minigrad (no NaN)."""
    rng = np.random.default_rng(2)
    q, k, v = _rand(rng, 2, 3, 4), _rand(rng, 2, 5, 4), _rand(rng, 2, 5, 4)
    allowed = np.ones((3, 5), bool)
    allowed[1] = False
    allowed[2, 1:] = False
    mask = allowed if kind == "bool" else np.where(allowed, 0.0, -np.inf)
    out = _sdpa_both(q, k, v, mask)
    assert np.all(_np(out)[:, 1] == 0.0)
    assert np.all(np.isfinite(_np(out)))


def test_sdpa_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(3)
    q, k, v = (mg.tensor(_rand(rng, 2, 3, 2), requires_grad=True) for _ in range(3))
    mask = mg.tensor(np.array([[True, False, True], [True, True, False], [False, False, False]]))
    bias = mg.tensor(_rand(rng, 3, 3), requires_grad=True)
    assert mg.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mask),
                        (q, k, v))
    assert mg.gradcheck(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
                        (q, k, v, bias))
    assert mg.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
                        (q, k, v))
    assert mg.gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c), (q, k, v))


def test_sdpa_float32_stays_float32():
    rng = np.random.default_rng(4)
    q, k, v = (mg.tensor(_rand(rng, 2, 3, 4).astype(np.float32), requires_grad=True)
               for _ in range(3))
    bias = mg.tensor(_rand(rng, 3, 3).astype(np.float32))
    for kw in ({}, {"attn_mask": bias}, {"is_causal": True}, {"dropout_p": 0.5}, {"scale": 0.5},
               {"attn_mask": mg.tensor(np.tril(np.ones((3, 3), bool)))}):
        out = F.scaled_dot_product_attention(q, k, v, **kw)
        assert out.dtype == mg.float32, kw
        out.sum().backward()
        assert q.grad.dtype == k.grad.dtype == v.grad.dtype == mg.float32, kw


def test_sdpa_dropout_scales_kept_weights_and_follows_the_seed():
    """With uniform attention over S keys and v = 1, each output is (#kept / S) / (1 - p):
    only those values occur, the mean is 1, and a seed repeats the draw."""
    S, p = 8, 0.25
    q = mg.zeros(64, 16, 4, dtype=mg.float64)
    k = mg.tensor(np.random.default_rng(5).standard_normal((64, S, 4)))
    v = mg.ones(64, S, 1, dtype=mg.float64)
    mg.manual_seed(7)
    a = _np(F.scaled_dot_product_attention(q, k, v, dropout_p=p))
    mg.manual_seed(7)
    b = _np(F.scaled_dot_product_attention(q, k, v, dropout_p=p))
    np.testing.assert_array_equal(a, b)
    kept = a * S * (1 - p)
    np.testing.assert_allclose(kept, np.round(kept), atol=1e-12)
    assert 0 <= kept.min() and kept.max() <= S and len(np.unique(np.round(kept))) > 3
    # 1024 rows of 8 Bernoulli(0.75) draws: the mean's standard error is about 0.005.
    assert abs(a.mean() - 1.0) < 0.03
    no_drop = _np(F.scaled_dot_product_attention(q, k, v))
    np.testing.assert_allclose(no_drop, 1.0, rtol=1e-12)


def test_sdpa_errors():
    x = mg.randn(2, 3, 4)
    with pytest.raises(NotImplementedError, match="enable_gqa"):
        F.scaled_dot_product_attention(x, x, x, enable_gqa=True)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.ones(3, 3, dtype=mg.bool),
                                       is_causal=True)
    with pytest.raises(ValueError, match=r"embedding size.*\(2, 3, 4\).*\(2, 3, 5\)"):
        F.scaled_dot_product_attention(x, mg.randn(2, 3, 5), x)
    with pytest.raises(ValueError, match="sequence length"):
        F.scaled_dot_product_attention(x, x, mg.randn(2, 2, 4))
    with pytest.raises(ValueError, match="at least 2-D"):
        F.scaled_dot_product_attention(mg.randn(4), x, x)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 3\)"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.zeros(4, 3))
    with pytest.raises(TypeError, match="attn_mask must be bool"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.zeros(3, 3, dtype=mg.int64))
    with pytest.raises(TypeError, match="attn_mask must be bool"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.zeros(3, 3, dtype=mg.float64))
    with pytest.raises(TypeError, match="one floating dtype"):
        F.scaled_dot_product_attention(x, x.double(), x)
    with pytest.raises(ValueError, match="dropout probability"):
        F.scaled_dot_product_attention(x, x, x, dropout_p=1.5)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        F.scaled_dot_product_attention(x, mg.randn(3, 3, 4), mg.randn(3, 3, 4))


# --- MultiheadAttention ------------------------------------------------------------------------
def _mha_pair(embed_dim=6, num_heads=2, **kw):
    torch = pytest.importorskip("torch")
    t = torch.nn.MultiheadAttention(embed_dim, num_heads, dtype=torch.float64, **kw)
    m = nn.MultiheadAttention(embed_dim, num_heads, dtype=mg.float64, **kw)
    with torch.no_grad():  # non-zero biases, so their gradients are exercised
        for p in t.parameters():
            if p.ndim == 1:
                p.normal_()
    m.load_state_dict({n: mg.tensor(a.detach().numpy()) for n, a in t.state_dict().items()},
                      strict=True)
    return m, t


def _mha_compare(m, t, inputs, masks=None, self_attention=False, **kw):
    """Outputs, weights and the gradients of every input and parameter agree (train mode)."""
    torch = pytest.importorskip("torch")
    masks = masks or {}
    m.train()
    t.train()
    xs_mg = [mg.tensor(a, requires_grad=True) for a in inputs]
    xs_t = [torch.tensor(a, requires_grad=True) for a in inputs]
    if self_attention:
        xs_mg, xs_t = xs_mg * 3, xs_t * 3
    mk_mg = {n: mg.tensor(a) for n, a in masks.items()}
    mk_t = {n: torch.tensor(a) for n, a in masks.items()}
    out_mg, w_mg = m(*xs_mg, **mk_mg, **kw)
    out_t, w_t = t(*xs_t, **mk_t, **kw)
    assert tuple(out_mg.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(_np(out_mg), out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    assert (w_mg is None) == (w_t is None)
    rng = np.random.default_rng(9)
    g = rng.standard_normal(tuple(out_t.shape))
    loss_mg = (out_mg * mg.tensor(g)).sum()
    loss_t = (out_t * torch.tensor(g)).sum()
    if w_t is not None:
        assert tuple(w_mg.shape) == tuple(w_t.shape)
        np.testing.assert_allclose(_np(w_mg), w_t.detach().numpy(), rtol=RTOL, atol=ATOL)
        gw = rng.standard_normal(tuple(w_t.shape))
        loss_mg = loss_mg + (w_mg * mg.tensor(gw)).sum()
        loss_t = loss_t + (w_t * torch.tensor(gw)).sum()
    loss_mg.backward()
    loss_t.backward()
    for i, (a, b) in enumerate(zip(xs_mg, xs_t)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient of input {i}")
    params_t = dict(t.named_parameters())
    params_mg = dict(m.named_parameters())
    assert list(params_mg) == list(params_t)
    for name, p in params_t.items():
        np.testing.assert_allclose(params_mg[name].grad.numpy(), p.grad.numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"gradient of parameter {name}")
    return out_mg, w_mg


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch_cross_attention(batch_first, need_weights, average):
    rng = np.random.default_rng(10)
    L, S, N, E = 4, 5, 3, 6
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    m, t = _mha_pair(E, 2, batch_first=batch_first)
    _mha_compare(m, t, [_rand(rng, *shape(L)), _rand(rng, *shape(S)), _rand(rng, *shape(S))],
                 need_weights=need_weights, average_attn_weights=average)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("masks", ["bool_attn", "float_attn3d", "bool_kpm", "float_kpm",
                                   "bool_both", "float_both"])
def test_mha_masks_match_torch(masks, need_weights):
    rng = np.random.default_rng(11)
    L, N, E, H = 4, 2, 6, 3
    m, t = _mha_pair(E, H)
    bool_attn = rng.random((L, L)) > 0.4
    np.fill_diagonal(bool_attn, False)  # True = masked out; keep every row alive
    kpm = np.zeros((N, L), bool)
    kpm[0, 2:] = True
    chosen = {
        "bool_attn": {"attn_mask": bool_attn},
        "float_attn3d": {"attn_mask": _rand(rng, N * H, L, L)},
        "bool_kpm": {"key_padding_mask": kpm},
        "float_kpm": {"key_padding_mask": np.where(kpm, -np.inf, 0.5 * _rand(rng, N, L))},
        "bool_both": {"attn_mask": bool_attn, "key_padding_mask": kpm},
        "float_both": {"attn_mask": np.where(bool_attn, -np.inf, 0.0),
                       "key_padding_mask": np.where(kpm, -1e9, 0.0)},
    }[masks]
    _mha_compare(m, t, [_rand(rng, L, N, E)], chosen, self_attention=True,
                 need_weights=need_weights)


@pytest.mark.parametrize("bias", [True, False])
def test_mha_kdim_vdim_and_bias_match_torch(bias):
    rng = np.random.default_rng(12)
    m, t = _mha_pair(4, 2, kdim=3, vdim=5, bias=bias, batch_first=True)
    assert m.in_proj_weight is None and not m._qkv_same_embed_dim
    kpm = np.array([[False, False, True], [False, True, True]])
    _mha_compare(m, t, [_rand(rng, 2, 4, 4), _rand(rng, 2, 3, 3), _rand(rng, 2, 3, 5)],
                 {"key_padding_mask": kpm})


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched_matches_torch(need_weights):
    rng = np.random.default_rng(13)
    m, t = _mha_pair(6, 2)
    masks = {"key_padding_mask": np.array([0.0, 0.0, -np.inf, 0.0, -np.inf]),
             "attn_mask": _rand(rng, 2, 3, 5)}  # (num_heads, L, S) for unbatched input
    out, w = _mha_compare(m, t, [_rand(rng, 3, 6), _rand(rng, 5, 6), _rand(rng, 5, 6)], masks,
                          need_weights=need_weights)
    assert tuple(out.shape) == (3, 6)
    assert w is None or tuple(w.shape) == (3, 5)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_is_causal_hint_matches_torch(need_weights):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    m, t = _mha_pair(6, 2)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    _mha_compare(m, t, [_rand(rng, 4, 2, 6)], {"attn_mask": causal.numpy()},
                 self_attention=True, need_weights=need_weights, is_causal=True)


@pytest.mark.parametrize("extra", [{"add_bias_kv": True}, {"add_zero_attn": True},
                                   {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3}])
@pytest.mark.parametrize("masks", ["none", "bool_both", "float_attn3d"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_bias_kv_and_zero_attn_match_torch(extra, masks, need_weights):
    """add_bias_kv appends a learned key and value, add_zero_attn a zero one per head; masks
    gain a column of 0 (attendable) for each, and weights cover them (S + 1 or S + 2)."""
    rng = np.random.default_rng(17)
    L, S, N, E, H = 3, 4, 2, 6, 2
    m, t = _mha_pair(E, H, batch_first=True, **extra)
    attn = rng.random((L, S)) > 0.5
    attn[:, 0] = False
    kpm = np.zeros((N, S), bool)
    kpm[1, 2:] = True
    chosen = {"none": {}, "bool_both": {"attn_mask": attn, "key_padding_mask": kpm},
              "float_attn3d": {"attn_mask": _rand(rng, N * H, L, S)}}[masks]
    kdim = extra.get("kdim", E)
    _, w = _mha_compare(m, t, [_rand(rng, N, L, E), _rand(rng, N, S, kdim), _rand(rng, N, S, E)],
                        chosen, need_weights=need_weights)
    if need_weights:
        assert w.shape == (N, L, S + len([k for k in extra if k.startswith("add")]))


def test_mha_bias_kv_init_and_unbatched():
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    m = nn.MultiheadAttention(16, 2, add_bias_kv=True, add_zero_attn=True)
    assert m.bias_k.shape == (1, 1, 16) and m.bias_v.shape == (1, 1, 16)
    std = math.sqrt(2.0 / (1 * 16 + 1 * 16))  # xavier_normal_ of a (1, 1, 16) tensor
    assert 0.3 * std < _np(m.bias_k).std() < 2.0 * std
    m2, t = _mha_pair(6, 3, add_bias_kv=True, add_zero_attn=True)
    rng = np.random.default_rng(18)
    out, w = _mha_compare(m2, t, [_rand(rng, 3, 6), _rand(rng, 4, 6), _rand(rng, 4, 6)],
                          {"key_padding_mask": np.array([False, False, True, False])})
    assert out.shape == (3, 6) and w.shape == (3, 6)
    assert torch is not None


def test_mha_fully_masked_row_as_torch():
    """PyTorch gives NaN for a fully masked query when it returns weights (plain softmax) and
    zeros (before out_proj) when it does not (its attention kernel); minigrad follows both."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(15)
    m, t = _mha_pair(4, 2)
    x = _rand(rng, 3, 2, 4)
    kpm = np.array([[False, False, False], [True, True, True]])
    for need_weights in (True, False):
        out, _ = m(mg.tensor(x), mg.tensor(x), mg.tensor(x), key_padding_mask=mg.tensor(kpm),
                   need_weights=need_weights)
        ref, _ = t(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm),
                   need_weights=need_weights)
        np.testing.assert_allclose(_np(out), ref.detach().numpy(), rtol=RTOL, atol=ATOL)
        assert np.isnan(_np(out)[:, 1]).all() == need_weights
        if not need_weights:  # zeros through out_proj leave its bias
            np.testing.assert_allclose(_np(out)[:, 1], np.broadcast_to(_np(m.out_proj.bias),
                                                                       (3, 4)), rtol=1e-12)


def test_mha_gradcheck():
    rng = np.random.default_rng(16)

    class Wrapped(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, dtype=mg.float64)
            for p in self.attn.parameters():
                if p.ndim == 1:
                    p.data.copy_(mg.tensor(rng.standard_normal(p.shape)))

        def forward(self, q, k, v):
            kpm = mg.tensor(np.array([[False, True, False]]))
            out, w = self.attn(q, k, v, key_padding_mask=kpm, average_attn_weights=False)
            return out.sum() + (w * w).sum()

    q = mg.tensor(_rand(rng, 2, 1, 4), requires_grad=True)
    k = mg.tensor(_rand(rng, 3, 1, 3), requires_grad=True)
    v = mg.tensor(_rand(rng, 3, 1, 2), requires_grad=True)
    assert mg.gradcheck_module(Wrapped(), (q, k, v))


def test_mha_float32_stays_float32():
    m = nn.MultiheadAttention(6, 3, dropout=0.2, kdim=4)
    x, kv = mg.randn(5, 2, 6, requires_grad=True), mg.randn(3, 2, 4)
    mask = mg.tensor(np.triu(np.ones((5, 3), bool), 1))
    for need_weights in (True, False):
        out, w = m(x, kv, mg.randn(3, 2, 6), attn_mask=mask, need_weights=need_weights,
                   key_padding_mask=mg.zeros(2, 3))
        assert out.dtype == mg.float32
        assert w is None or w.dtype == mg.float32
        out.sum().backward()
        assert x.grad.dtype == mg.float32
        assert all(p.grad.dtype == mg.float32 for p in m.parameters())


def test_mha_init_as_torch():
    """Xavier-uniform projections, zero biases, Linear's default for out_proj.weight."""
    mg.manual_seed(0)
    E = 32
    m = nn.MultiheadAttention(E, 4)
    bound = math.sqrt(6.0 / (E + 3 * E))
    w = _np(m.in_proj_weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.all(_np(m.in_proj_bias) == 0) and np.all(_np(m.out_proj.bias) == 0)
    ow = _np(m.out_proj.weight)
    assert np.abs(ow).max() <= 1 / math.sqrt(E) and np.abs(ow).max() > 0.9 / math.sqrt(E)
    m2 = nn.MultiheadAttention(E, 4, kdim=8, vdim=16)
    for name, fan_in in (("q_proj_weight", E), ("k_proj_weight", 8), ("v_proj_weight", 16)):
        w = _np(getattr(m2, name))
        b = math.sqrt(6.0 / (E + fan_in))
        assert w.shape == (E, fan_in)
        assert np.abs(w).max() <= b and np.abs(w).max() > 0.9 * b, name


@pytest.mark.parametrize("kw", [{}, {"bias": False}, {"kdim": 3, "vdim": 5},
                                {"kdim": 3, "bias": False, "batch_first": True},
                                {"add_bias_kv": True}, {"add_zero_attn": True, "kdim": 3}])
def test_mha_state_dict_parameters_and_repr_as_torch(kw):
    torch = pytest.importorskip("torch")
    t = torch.nn.MultiheadAttention(4, 2, **kw)
    m = nn.MultiheadAttention(4, 2, **kw)
    assert list(m.state_dict()) == list(t.state_dict())
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert repr(m) == repr(t)
    assert m.head_dim == t.head_dim and m.batch_first == t.batch_first
    assert (m.bias_k is None) == (t.bias_k is None) == (not kw.get("add_bias_kv", False))
    assert m.add_zero_attn == t.add_zero_attn


def test_mha_dropout_train_vs_eval():
    """Training: the returned weights are dropped and rescaled, and the seed repeats them;
    eval: no dropout, the same as a dropout=0 layer with the same weights."""
    rng = np.random.default_rng(17)
    m = nn.MultiheadAttention(8, 2, dropout=0.5, dtype=mg.float64)
    ref = nn.MultiheadAttention(8, 2, dtype=mg.float64)
    ref.load_state_dict(m.state_dict())
    x = mg.tensor(_rand(rng, 6, 4, 8))
    mg.manual_seed(3)
    out1, w1 = m(x, x, x, average_attn_weights=False)
    mg.manual_seed(3)
    out2, w2 = m(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(_np(out1), _np(out2))
    _, w_ref = ref(x, x, x, average_attn_weights=False)
    w1, w_ref = _np(w1), _np(w_ref)
    kept = w1 != 0
    assert 0.35 < kept.mean() < 0.65
    np.testing.assert_allclose(w1[kept], 2.0 * w_ref[kept], rtol=1e-12)
    m.eval()
    out_eval, w_eval = m(x, x, x)
    out_ref, w_ref2 = ref(x, x, x)
    np.testing.assert_allclose(_np(out_eval), _np(out_ref), rtol=1e-12)
    np.testing.assert_allclose(_np(w_eval), _np(w_ref2), rtol=1e-12)


def test_mha_errors():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads.*5.*2"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="dropout probability"):
        nn.MultiheadAttention(4, 2, dropout=2.0)
    m = nn.MultiheadAttention(4, 2)
    x = mg.randn(3, 2, 4)
    with pytest.raises(ValueError, match=r"query with 4 features.*\(3, 2, 5\)"):
        m(mg.randn(3, 2, 5), x, x)
    with pytest.raises(ValueError, match="all be 3-D"):
        m(x, mg.randn(3, 4), x)
    with pytest.raises(ValueError, match=r"2-D attn_mask is \(3, 4\), but should be \(3, 3\)"):
        m(x, x, x, attn_mask=mg.zeros(3, 4))
    with pytest.raises(ValueError, match=r"3-D attn_mask is \(2, 3, 3\), but should be "
                                         r"\(4, 3, 3\)"):
        m(x, x, x, attn_mask=mg.zeros(2, 3, 3))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(2, 3\), got \(3, 2\)"):
        m(x, x, x, key_padding_mask=mg.zeros(3, 2, dtype=mg.bool))
    with pytest.raises(ValueError, match="key_padding_mask must be 2-D"):
        m(x, x, x, key_padding_mask=mg.zeros(3, dtype=mg.bool))
    with pytest.raises(ValueError, match="same sequence length"):
        m(x, x, mg.randn(4, 2, 4))
    with pytest.raises(RuntimeError, match="is_causal=True .* needs attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match="attn_mask must be a Tensor, got list"):
        m(x, x, x, attn_mask=[[0.0] * 3] * 3)
    with pytest.raises(TypeError, match="only bool and floating types of key_padding_mask"):
        m(x, x, x, key_padding_mask=mg.zeros(2, 3, dtype=mg.int64))

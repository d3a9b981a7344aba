"""nn.AdaptiveLogSoftmaxWithLoss (nn/adaptive_softmax.py): PyTorch parity of forward's
(output, loss), of every parameter's and the input's gradient, of log_prob and predict, over
cutoffs, div_value and head_bias, batched and unbatched; the state_dict layout; gradcheck;
float32 kept; errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from tests.nn._torch_compare import copy_torch_weights, rand

CONFIGS = [(8, 10, [3, 6], 4.0, False), (8, 10, [3, 6], 2.0, True), (6, 5, [1], 2.0, False),
           (16, 20, [2, 5, 11], 2.0, True)]


def _pair(in_features, n_classes, cutoffs, div_value, head_bias):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value,
                                                 head_bias).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value,
                                         head_bias).double()
    copy_torch_weights(ours, theirs)
    return torch, ours, theirs


@pytest.mark.parametrize("config", CONFIGS)
def test_forward_and_backward_match_torch(config) -> None:
    torch, ours, theirs = _pair(*config)
    n_classes = config[1]
    x = rand((9, config[0]))
    target = np.random.default_rng(1).integers(0, n_classes, 9)
    target[:2] = [0, n_classes - 1]
    target[2] = config[2][0]  # the first cluster's first class
    x_m = mg.tensor(x, requires_grad=True)
    x_t = torch.tensor(x, requires_grad=True)
    out_m = ours(x_m, mg.tensor(target))
    out_t = theirs(x_t, torch.tensor(target))
    assert type(out_m).__name__ == "_ASMoutput" and out_m._fields == ("output", "loss")
    np.testing.assert_allclose(out_m.output.detach().numpy(), out_t.output.detach().numpy(),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out_m.loss.item(), out_t.loss.item(), rtol=1e-12)
    g = rand((9,), seed=3)
    (out_m.loss + (out_m.output * mg.tensor(g)).sum()).backward()
    (out_t.loss + (out_t.output * torch.tensor(g)).sum()).backward()
    np.testing.assert_allclose(x_m.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p_m), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters()):
        if p_t.grad is None:  # a cluster no target falls in is not evaluated, in either
            assert p_m.grad is None, name
            continue
        np.testing.assert_allclose(p_m.grad.numpy(), p_t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("config", CONFIGS)
def test_log_prob_and_predict_match_torch(config) -> None:
    torch, ours, theirs = _pair(*config)
    x = rand((12, config[0]), seed=4) * 3
    log_prob = ours.log_prob(mg.tensor(x))
    expected = theirs.log_prob(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(log_prob.detach().numpy(), expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(np.exp(log_prob.detach().numpy()).sum(1), 1.0, rtol=1e-12)
    predicted = ours.predict(mg.tensor(x))
    assert predicted.dtype == mg.int64
    np.testing.assert_array_equal(predicted.numpy(), theirs.predict(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(predicted.numpy(), expected.argmax(1))


def test_predict_paths_all_shortlist_all_tail_and_mixed() -> None:
    """The head bias steers every row's head argmax into the shortlist, into a cluster, or
    half and half: each of predict's three paths against torch."""
    torch, ours, theirs = _pair(4, 6, [2], 2.0, True)
    x = rand((6, 4), seed=5) * 0.1
    for bias in ([9.0, 0.0, -9.0], [-9.0, -9.0, 9.0], [0.0, -9.0, 0.0]):
        with torch.no_grad():
            theirs.head.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        copy_torch_weights(ours, theirs)
        if bias[1] == -9.0 and bias[0] == 0.0:
            x[::2] += 3.0
        np.testing.assert_array_equal(ours.predict(mg.tensor(x)).numpy(),
                                      theirs.predict(torch.tensor(x)).numpy())


def test_unbatched_input_matches_torch() -> None:
    torch, ours, theirs = _pair(8, 10, [3, 6], 4.0, False)
    x = rand((8,))
    for target in (1, 8):
        out_m = ours(mg.tensor(x), mg.tensor(target))
        out_t = theirs(torch.tensor(x), torch.tensor(target))
        assert tuple(out_m.output.shape) == tuple(out_t.output.shape) == ()
        np.testing.assert_allclose(out_m.output.item(), out_t.output.item(), rtol=1e-12)
        np.testing.assert_allclose(out_m.loss.item(), out_t.loss.item(), rtol=1e-12)


def test_structure_and_state_dict_keys() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.AdaptiveLogSoftmaxWithLoss(16, 20, (2, 5, 11), div_value=2.0, head_bias=True)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, (2, 5, 11), div_value=2.0,
                                                 head_bias=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key
    assert (ours.cutoffs, ours.shortlist_size, ours.n_clusters, ours.head_size) == \
        (theirs.cutoffs, theirs.shortlist_size, theirs.n_clusters, theirs.head_size)
    assert ours.head.weight.dtype == mg.float32


def test_gradcheck() -> None:
    layer = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4], 2.0, head_bias=True).double()
    x = mg.tensor(rand((5, 4)), requires_grad=True)
    target = mg.tensor([0, 3, 5, 1, 4])
    assert mg.gradcheck(lambda a: layer(a, target).loss, (x,))
    assert mg.gradcheck(lambda a: layer(a, target).output, (x,))
    assert mg.gradcheck(lambda a: layer.log_prob(a), (x,))
    assert mg.gradgradcheck(lambda a: layer(a, target).loss, (x,))


def test_float32_stays_float32() -> None:
    layer = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
    x = mg.randn(4, 8).requires_grad_()
    out = layer(x, mg.tensor([0, 4, 9, 2]))
    assert out.output.dtype == mg.float32 and out.loss.dtype == mg.float32
    assert layer.log_prob(x).dtype == mg.float32
    out.loss.backward()
    assert x.grad.dtype == mg.float32
    assert all(p.grad.dtype == mg.float32 for p in layer.parameters())


@pytest.mark.parametrize("cutoffs", [[], [6, 3], [0, 3], [3, 10], [3, 3], [2.5]])
def test_bad_cutoffs(cutoffs) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="cutoffs should be"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
    with pytest.raises(ValueError):
        torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)


def test_forward_errors() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    cases = [((3, 4), [0, 1], "same size in the batch dimension"),
             ((2, 2, 4), [0, 1], "1D target tensor expects 2D input"),
             ((2, 4), 1, "0D target tensor expects 1D input"),
             ((2, 4), [[0, 1]], "0D or 1D target tensor expected"),
             ((2, 4), [0, 6], r"Target values should be in \[0, 5\]"),
             ((2, 4), [-1, 2], r"Target values should be in \[0, 5\]")]
    for shape, target, match in cases:
        with pytest.raises(RuntimeError, match=match):
            ours(mg.zeros(shape), mg.tensor(target))
        with pytest.raises(RuntimeError):
            theirs(torch.zeros(shape), torch.tensor(target))
    with pytest.raises(RuntimeError, match="integer target"):
        ours(mg.zeros(2, 4), mg.zeros(2))
    with pytest.raises(RuntimeError, match=r"log_prob: expected input of shape \(N, 4\)"):
        ours.log_prob(mg.zeros(2, 3))

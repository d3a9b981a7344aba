"""conv2d backward with an NCHW output gradient (what a flatten or any op that does not keep
channels-last hands back): the products read it per image as a transposed view instead of
copying it to channels-last. Both layouts must give PyTorch's gradients."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

CASES = [  # (in, out, kernel, stride, padding, groups, bias)
    (3, 8, 5, 2, 2, 1, False),
    (4, 6, 3, 1, 1, 1, True),
    (4, 6, 3, 2, 0, 2, True),
]


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_grads_match_torch_for_either_gradient_layout(case, dtype, layout):
    c, o, k, s, p, g, with_bias = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, c, 9, 7)).astype(dtype)
    w = rng.standard_normal((o, c // g, k, k)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if with_bias else None
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w) + ((b,) if with_bias else ())]
    out = mg.nn.functional.conv2d(*ours[:2], ours[2] if with_bias else None, stride=s,
                                  padding=p, groups=g)
    grad = rng.standard_normal(tuple(out.shape)).astype(dtype)
    if layout == "channels_last":
        grad = np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    else:
        assert grad.flags.c_contiguous
    out.backward(mg.tensor(grad))
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w) + ((b,) if with_bias else ())]
    ref = torch.nn.functional.conv2d(*theirs[:2], theirs[2] if with_bias else None, stride=s,
                                     padding=p, groups=g)
    ref.backward(torch.tensor(np.ascontiguousarray(grad)))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for a, t in zip(ours, theirs):
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_gradgradcheck_with_nchw_output_gradient():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(3), requires_grad=True)
    f = lambda x, w, b: mg.nn.functional.conv2d(x, w, b, stride=2, padding=1)  # noqa: E731
    assert mg.gradcheck(f, (x, w, b))
    assert mg.gradgradcheck(f, (x, w, b))

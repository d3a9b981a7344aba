"""FractionalMaxPool2d/3d and F.fractional_max_pool2d/3d(_with_indices): with the same
``_random_samples`` values, indices and gradients equal PyTorch's; drawn samples come from
minigrad's generator (reproducible under mg.manual_seed); gradcheck and gradgradcheck in
float64; float32 end to end; unbatched input; errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

CASES = [(2, (2, 3, 11, 13), 2, dict(output_size=(4, 5))),
         (2, (2, 3, 11, 13), (3, 2), dict(output_size=(5, 7))),
         (2, (2, 3, 11, 13), 2, dict(output_ratio=(0.5, 0.7))),
         (2, (3, 9, 10), 3, dict(output_size=7)),  # unbatched
         (3, (2, 2, 9, 8, 10), 2, dict(output_size=(3, 4, 5))),
         (3, (2, 2, 9, 8, 10), (2, 3, 1), dict(output_ratio=0.5)),
         (3, (2, 7, 8, 6), 2, dict(output_size=(5, 6, 4)))]  # unbatched


@pytest.mark.parametrize("dims,shape,kernel,kw", CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch_with_given_samples(dims, shape, kernel, kw, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal(shape), 1).astype(dtype)  # ties: first maximum wins
    batch = shape[0] if len(shape) == dims + 2 else 1
    s = rng.random((batch, shape[-dims - 1], dims)).astype(dtype)
    ours = getattr(F, f"fractional_max_pool{dims}d")
    theirs = getattr(torch.nn.functional, f"fractional_max_pool{dims}d")
    tkw = dict(kw)
    if "output_ratio" in tkw and not isinstance(tkw["output_ratio"], tuple):
        tkw["output_ratio"] = (tkw["output_ratio"],) * dims  # torch's F needs a tuple
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, i = ours(xm, kernel, return_indices=True, _random_samples=mg.tensor(s), **kw)
    yt, it = theirs(xt, kernel, return_indices=True, _random_samples=torch.tensor(s), **tkw)
    assert y.dtype == getattr(mg, dtype)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    assert xm.grad.dtype == getattr(mg, dtype)
    tol = 1e-12 if dtype == "float64" else 1e-6  # overlapping windows: sums in another order
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    layer = getattr(nn, f"FractionalMaxPool{dims}d")(kernel, return_indices=True,
                                                      _random_samples=mg.tensor(s), **kw)
    np.testing.assert_array_equal(layer(mg.tensor(x))[1].numpy(), it.numpy())
    assert list(layer.state_dict()) == ["_random_samples"]
    with_indices = getattr(F, f"fractional_max_pool{dims}d_with_indices")
    np.testing.assert_array_equal(with_indices(mg.tensor(x), kernel, _random_samples=mg.tensor(s),
                                               **kw)[1].numpy(), it.numpy())


def test_drawn_samples_use_minigrads_generator():
    x = mg.randn(2, 3, 12, 12)
    layer = nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    mg.manual_seed(5)
    a = layer(x)[1].numpy()
    mg.manual_seed(5)
    b = layer(x)[1].numpy()
    np.testing.assert_array_equal(a, b)
    draws = {layer(x)[1].numpy().tobytes() for _ in range(5)}
    assert len(draws) > 1  # fresh starts per call
    assert repr(layer) == "FractionalMaxPool2d()"


def test_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((1, 2, 7, 6)), requires_grad=True)
    s = mg.tensor(rng.random((1, 2, 2)))
    fn = lambda t: F.fractional_max_pool2d(t, 2, (4, 3), _random_samples=s)  # noqa: E731
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))
    v = mg.tensor(rng.standard_normal((1, 1, 5, 5, 5)), requires_grad=True)
    s3 = mg.tensor(rng.random((1, 1, 3)))
    assert mg.gradcheck(lambda t: F.fractional_max_pool3d(t, 2, 3, _random_samples=s3), (v,))


def test_errors():
    x = mg.randn(1, 2, 7, 9)
    with pytest.raises(ValueError, match="FractionalMaxPool2d requires specifying either an "
                                         "output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool3d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="fractional_max_pool2d requires specifying either"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="fractional_max_pool2d: pool height 2 too large "
                                           "relative to input height 7"):
        F.fractional_max_pool2d(x, 2, output_size=(7, 4))
    with pytest.raises(RuntimeError, match="Expect _random_samples to have the same dtype"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=mg.rand(1, 2, 2, dtype=mg.float64))
    with pytest.raises(RuntimeError, match=r"expected _random_samples of shape \(1, 2, 2\)"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=mg.rand(1, 2, 3))
    with pytest.raises(RuntimeError, match=r"fractional_max_pool3d: expected a 4-D \(unbatched\) "
                                           r"or 5-D input, got shape \(2, 7, 9\)"):
        F.fractional_max_pool3d(x[0], 2, 3)
    with pytest.raises(RuntimeError, match="pool time 2 too large relative to input time 7"):
        F.fractional_max_pool3d(mg.randn(1, 2, 7, 8, 6), 2, (6, 4, 4))

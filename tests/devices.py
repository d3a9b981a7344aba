"""Which device the tests run on, a second device to move to, and how closely two devices agree.

Test modules import from here (``from devices import TEST_DEVICE``), not from ``conftest``:
pytest imports every conftest.py outside a package under the one module name ``conftest``
(tests/data/ has its own), so ``from conftest import ...`` can pick up the wrong file.
"""
from __future__ import annotations

import os

import numpy as np

# The device every test runs on by default: 'cpu'; 'cuda' on a GPU machine; or 'strict', the
# test-only device whose arrays refuse to mix with NumPy (tests/strict_backend.py).
TEST_DEVICE = os.environ.get("MINIGRAD_TEST_DEVICE", "cpu")

# One float32 computation run on two devices: only the order of summation may differ (a GPU
# matmul splits its sums differently), so results agree to a few float32 ulps relative...
FLOAT32_RTOL = 1e-5
# ...except elements that come out near zero from cancelling terms, whose rounding error is
# relative to the size of the terms, not to the result: an absolute floor that scales with
# the output's largest magnitude covers them.
FLOAT32_ATOL_PER_MAGNITUDE = 1e-6


def second_device() -> str:
    """A device other than the test device, for tests that move or mix tensors between two:
    'strict' (registered here), or 'cpu' when the tests already run on 'strict'."""
    if TEST_DEVICE == "strict":
        return "cpu"
    import strict_backend
    strict_backend.register()
    return "strict"


def assert_close_across_devices(actual: np.ndarray, expected: np.ndarray,
                                err_msg: str = "") -> None:
    """Two devices' float32 results for the same computation agree (see FLOAT32_RTOL)."""
    expected = np.asarray(expected)
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=FLOAT32_RTOL,
                               atol=FLOAT32_ATOL_PER_MAGNITUDE * scale, err_msg=err_msg)

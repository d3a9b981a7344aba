"""Fixtures for the core tests: a second device without a GPU."""
from __future__ import annotations

import numpy
import pytest

import minigrad as mg
from minigrad import backend as backend_module
from minigrad.backend import Backend
from devices import TEST_DEVICE


@pytest.fixture
def testdev():
    """A second NumPy-backed device named 'testdev', so device mixing can be tested on a CPU."""
    backend_module.register_backend("testdev", lambda: Backend("testdev", numpy))
    yield "testdev"
    mg.set_default_device(TEST_DEVICE)
    backend_module._FACTORIES.pop("testdev", None)
    backend_module._BACKENDS.pop("testdev", None)


@pytest.fixture(autouse=True)
def _test_default_device():
    yield
    mg.set_default_device(TEST_DEVICE)

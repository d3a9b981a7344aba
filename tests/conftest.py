"""Shared test configuration: data location and optional oracles."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import minigrad as mg
from devices import TEST_DEVICE  # $MINIGRAD_TEST_DEVICE: 'cpu' (default), 'strict' or 'cuda'

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    if TEST_DEVICE == "strict":
        import strict_backend
        strict_backend.register()
    if TEST_DEVICE != "cpu":
        mg.set_default_device(TEST_DEVICE)  # fails clearly if the device is unusable


def pytest_report_header(config: pytest.Config) -> str:
    return f"minigrad test device: {TEST_DEVICE}"


def data_home() -> Path | None:
    """Where the MNIST folders are: $MINIGRAD_DATA, else ../shared/data beside the repo."""
    for candidate in (os.environ.get("MINIGRAD_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist").is_dir():
            return Path(candidate).resolve()  # absolute: tests link to it from other folders
    return None


@pytest.fixture(autouse=True)
def _seed_and_defaults():
    """Every test starts on the test device, from the same seed and the float32 default."""
    mg.set_default_device(TEST_DEVICE)
    mg.manual_seed(0)
    yield
    mg.set_default_dtype(mg.float32)
    mg.set_default_device(TEST_DEVICE)

"""Shared test configuration: data location and optional oracles."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import minigrad as mg

REPO = Path(__file__).resolve().parent.parent


def data_home() -> Path | None:
    """Where the MNIST folders are: $MINIGRAD_DATA, else ../shared/data beside the repo."""
    for candidate in (os.environ.get("MINIGRAD_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(autouse=True)
def _seed_and_defaults():
    """Every test starts from the same seed and the float32 default."""
    mg.manual_seed(0)
    yield
    mg.set_default_dtype(mg.float32)

"""Fixtures for every GA client test here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from worker.ga import set_testing


@pytest.fixture(name="fast_retries", autouse=True)
def fixture_fast_retries() -> Iterator[None]:
    """Zero retry waits (attempts and deadlines still apply)."""
    set_testing(True)
    yield
    set_testing(False)

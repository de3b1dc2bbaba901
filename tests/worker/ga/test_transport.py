"""The transport's per-request timeout: the request timeout, or less when less time is left."""

from __future__ import annotations

import aiohttp
import pytest

from worker.ga._transport import Transport
from worker.ga.credentials import Credentials


def _session() -> aiohttp.ClientSession:
    raise AssertionError("no request is sent here")


@pytest.fixture(name="transport")
def fixture_transport() -> Transport:
    """A transport with a 30 s request timeout."""
    return Transport(
        endpoint="http://ga.example",
        credentials=Credentials("testid", "testsecret"),
        session_factory=_session,
        request_timeout=30.0,
    )


def test_a_full_budget_reuses_one_timeout(transport: Transport) -> None:
    """Budgets at or beyond the request timeout all get the one prebuilt 30 s timeout."""
    full = transport._timeout(120.0)
    assert full is transport._timeout(30.0)
    expected = (30.0, 10.0)
    assert expected == (full.total, full.sock_connect)


def test_a_short_budget_bounds_the_request(transport: Transport) -> None:
    """Less time left than the request timeout: the request gets only that, connect included."""
    short = transport._timeout(0.5)
    expected = (0.5, 0.5)
    assert expected == (short.total, short.sock_connect)

"""The checker itself: it must catch every kind of loss and duplication it claims to."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from schemas.outcome import ErrorType, outcome_message_id, routing_key_for
from tests.reliability._checker import CREATED, Delivery, Ledger, check, find_leaks

pytestmark = pytest.mark.reliability


def _delivery(request: str, token: str, error: ErrorType | None = None) -> Delivery:
    routing_key = routing_key_for(error)
    message_id = outcome_message_id(token, routing_key)
    data: dict[str, Any] = {
        "client_token": token,
        "request_message_id": request,
        "correlation_id": request,
        "region_id": "cn-hangzhou",
        "accelerator_id": "ga-x",
        "listener_id": f"lsr-{token}" if error is None else None,
        "attempts": 2,
        "polls": 1,
        "duration_ms": 1.0,
        "api_request_ids": [],
    }
    if error is None:
        data.update(state="active", listener={})
        kind = "ga.listener.created"
    else:
        data["error"] = {"type": error.value, "code": "X", "message": "x"}
        kind = "ga.listener.failed"
    event = {
        "specversion": "1.0",
        "id": message_id,
        "source": "ga-listener-worker",
        "type": kind,
        "subject": token,
        "time": "2026-01-01T00:00:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }
    return Delivery(message_id, routing_key, orjson.dumps(event), "observer")


def _listener(token: str) -> dict[str, str]:
    return {"ListenerId": f"lsr-{token}", "ClientToken": token, "State": "active"}


def _ledger(*deliveries: Delivery, requests: tuple[str, ...] = ("r1",)) -> Ledger:
    ledger = Ledger()
    for request in requests:
        ledger.sent(request, {CREATED})
    for delivery in deliveries:
        ledger.delivered(delivery)
    return ledger


def test_clean_run_with_a_duplicate_passes() -> None:
    """The same outcome twice is one outcome and one suppressed duplicate, not a violation."""
    outcome = _delivery("r1", "t1")
    report = check("t", _ledger(outcome, outcome), {"listeners": [_listener("t1")]})
    assert [] == report.violations
    assert (1, 2, 1, 1) == (
        report.outcomes,
        report.deliveries,
        report.duplicates_suppressed,
        report.retries,
    )


def test_lost_request_is_caught() -> None:
    """A request without an outcome is lost."""
    report = check("t", _ledger(requests=("r1",)), {"listeners": []})
    assert ["lost request r1: no outcome"] == report.violations


def test_two_different_outcomes_are_caught() -> None:
    """Created and failed for one request is two outcomes."""
    ledger = _ledger(_delivery("r1", "t1"), _delivery("r1", "t1", ErrorType.RETRIES_EXHAUSTED))
    report = check("t", ledger, {"listeners": [_listener("t1")]})
    assert any("has 2 outcomes" in v for v in report.violations)


def test_two_listeners_for_one_token_are_caught() -> None:
    """One ClientToken, two listeners."""
    second = {"ListenerId": "lsr-other", "ClientToken": "t1", "State": "active"}
    report = check("t", _ledger(_delivery("r1", "t1")), {"listeners": [_listener("t1"), second]})
    assert ["ClientToken t1 has 2 listeners"] == report.violations


def test_listener_without_request_is_caught() -> None:
    """A listener whose token no outcome names belongs to no request."""
    listeners = [_listener("t1"), _listener("stray")]
    report = check("t", _ledger(_delivery("r1", "t1")), {"listeners": listeners})
    assert 1 == len(report.violations)
    assert "belongs to no request" in report.violations[0]


def test_unexpected_kind_is_caught() -> None:
    """A request that may only be created but failed is a violation."""
    ledger = _ledger(_delivery("r1", "t1", ErrorType.API_ERROR))
    report = check("t", ledger, {"listeners": []})
    assert 1 == len(report.violations)
    assert "ended api_error" in report.violations[0]


def test_find_leaks_finds_secret_and_signature() -> None:
    """The secret and a known hex signature are found; other hex is not a leak."""
    signature = "ab" * 32
    texts = [
        ("log", b'{"event": "x", "sig": "' + signature.upper().encode() + b'"}'),
        ("event", b"... Secret-123 ..."),
        ("clean", b"cd" * 32),
    ]
    leaks = find_leaks(secret="Secret-123", signatures={signature}, texts=texts)
    assert [
        "an ACS3 signature appears in log",
        "the access key secret appears in event",
    ] == leaks

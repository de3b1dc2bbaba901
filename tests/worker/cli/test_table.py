"""Tests of worker.cli._table: the demo's live outcome table."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from schemas.outcome import CreatedEvent, FailedEvent, parse_outcome_event
from worker.cli._table import OutcomeRow, OutcomeTable, summarize

_DATA = {
    "client_token": "tok",
    "request_message_id": "m",
    "correlation_id": "c",
    "region_id": "cn-hangzhou",
    "accelerator_id": "ga-1",
    "attempts": 1,
    "polls": 2,
    "duration_ms": 1234.5,
    "api_request_ids": [],
}


def _created() -> CreatedEvent:
    return CreatedEvent(
        id="1",
        subject="tok",
        time=datetime.now(UTC),
        data={**_DATA, "listener_id": "lsr-1", "listener": {"State": "active"}},
    )


def _failed() -> FailedEvent:
    error = {"type": "validation_error", "code": "PortRanges.MustOne", "message": "m"}
    event = parse_outcome_event(
        FailedEvent(
            id="2",
            subject="tok",
            time=datetime.now(UTC),
            data={**_DATA, "listener_id": None, "error": error},
        ).model_dump_json()
    )
    assert isinstance(event, FailedEvent)
    return event


def test_created_row() -> None:
    """A created listener shows its ListenerId."""
    row = OutcomeRow.from_event("tcp.json", _created())

    expected = ("created", "lsr-1", 1, 1.2345)
    assert expected == (row.outcome, row.detail, row.attempts, row.seconds)


def test_failed_row() -> None:
    """A failure shows its error type and code."""
    row = OutcomeRow.from_event("bad.json", _failed())

    expected = ("failed: validation_error", "PortRanges.MustOne")
    assert expected == (row.outcome, row.detail)


def test_rows_line_up() -> None:
    """Every row starts its columns where the header does."""
    out = io.StringIO()
    table = OutcomeTable(["a-long-request-name.json", "b.json"], out)

    table.header()
    table.add(OutcomeRow.from_event("b.json", _created()))
    lines = out.getvalue().splitlines()

    assert lines[0].index("outcome") == lines[2].index("created")


def test_summary() -> None:
    """The summary counts outcomes by kind."""
    rows = [
        OutcomeRow.from_event("a", _created()),
        OutcomeRow.from_event("b", _failed()),
        OutcomeRow.from_event("c", _failed()),
    ]

    expected = "3 requests: 1 created, 2 failed (2 validation_error) in 2.0s"
    assert expected == summarize(rows, elapsed=2.0)

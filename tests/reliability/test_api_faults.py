"""Scenario 3: the GA API failing at high rates, and accelerators busy across two workers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import orjson
import pytest

from schemas.outcome import FailedEvent, parse_outcome_event
from tests.fixtures.requests import accelerator_ids
from tests.reliability._checker import CREATED, assert_clean
from tests.reliability._requests import valid_requests
from tests.reliability._scenario import Scenario

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(240)]

_ACCELERATORS = 50
_PER_ACCELERATOR = 4
_RATE = 0.3
#: Every fault kind of CONTRACT §6 on every action, each at 30 %.
_RULES = [
    {"action": "*", "kind": "latency", "rate": _RATE, "latency_ms": 200},
    {"action": "*", "kind": "error", "rate": _RATE},
    {"action": "*", "kind": "throttle", "rate": _RATE},
    {"action": "*", "kind": "unavailable", "rate": _RATE},
    {"action": "*", "kind": "reset", "rate": _RATE},
    {"action": "*", "kind": "reset_after_commit", "rate": _RATE},
]
#: The codes a retryable failure may end with: the injected API errors, the busy accelerator,
#: and the client's names for a dropped connection.
_HTTP_CODES = {"UnknownError", "Throttling.User", "ServiceUnavailable", "StateError.Accelerator"}


async def test_api_faults_and_busy_accelerators(scenario: Callable[..., Scenario]) -> None:
    """500s, throttling, 503s, latency, resets at 30 % each, two workers sharing accelerators:
    each request ends created or retries_exhausted, and no ClientToken has two listeners."""
    async with scenario("3 API faults 0.3 each + busy acc.", activation_seconds=0.5) as sc:
        accelerators = accelerator_ids("fault", _ACCELERATORS)
        await sc.add_accelerators(accelerators)
        configured = await sc.admin.faults(11, _RULES)
        assert len(_RULES) == len(configured["rules"])
        total = await sc.rig.publish(
            valid_requests(accelerators, _PER_ACCELERATOR),
            allowed={CREATED, "retries_exhausted"},
        )
        settings = {
            "prefetch": "100",
            "retry_attempts": "8",
            "retry_deadline": "10",
            "poll_timeout": "30",
        }
        first = sc.spawn(**settings)
        second = sc.spawn(**settings)
        await first.wait_ready()
        await second.wait_ready()
        assert await sc.rig.wait_complete(180), (
            f"{len(sc.ledger.pending())} unanswered: {first.tail()}"
        )
        state = await sc.admin.state()
        codes: Counter[str] = Counter()
        for delivery in sc.ledger.deliveries:
            event = parse_outcome_event(delivery.body)
            if isinstance(event, FailedEvent):
                codes[event.data.error.code] += 1
        retry_codes = sc.retry_codes()
        report = await sc.finish(
            notes={
                "describe_calls": state["calls"].get("DescribeListener", 0),
                "exhausted_codes": dict(codes),
                "faults": orjson.dumps(configured).decode(),
            }
        )

    assert_clean(report)
    assert total == report.outcomes
    assert report.kinds[CREATED] > 0
    assert report.retries > 0
    unexpected = {c for c in codes if c not in _HTTP_CODES and not c.endswith(("Error", "Timeout"))}
    assert set() == unexpected
    assert retry_codes["StateError.Accelerator"] > 0, "no accelerator was ever busy"

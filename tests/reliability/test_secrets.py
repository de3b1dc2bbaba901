"""Scenario 6: secrets and signatures never reach a log line or an event.

Every scenario of the suite runs its workers with the session's distinctive secret and checks
their output and events (``Scenario.finish``); this one adds the paths most likely to leak:
debug logging, retried transport failures with tracebacks, and refused signatures.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from tests.fixtures.requests import accelerator_ids
from tests.reliability._checker import CREATED, assert_clean
from tests.reliability._requests import valid_requests
from tests.reliability._scenario import Scenario

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(180)]

_FAULTS = [
    {"action": "CreateListener", "kind": "reset", "rate": 0.3},
    {"action": "*", "kind": "error", "rate": 0.2},
]


async def test_secrets_never_logged_or_published(scenario: Callable[..., Scenario]) -> None:
    """Debug logs, failures and refused signatures show neither the secret nor a signature."""
    async with scenario("6 secrets (debug logs, auth errors)", activation_seconds=0.2) as sc:
        wrong_secret = f"WrongSecret-{secrets.token_hex(12)}-DoNotLog"
        sc.secrets.append(wrong_secret)
        accelerators = accelerator_ids("secret", 20)
        await sc.add_accelerators(accelerators)
        await sc.admin.faults(5, _FAULTS)
        await sc.rig.publish(
            valid_requests(accelerators, 5),
            allowed={CREATED, "auth_error", "retries_exhausted"},
        )
        debug = {"log_level": "debug", "retry_attempts": "4", "retry_deadline": "5"}
        good = sc.spawn(**debug)
        bad = sc.spawn(sc.env(secret=wrong_secret, **debug))
        await good.wait_ready()
        await bad.wait_ready()
        assert await sc.rig.wait_complete(120), f"{len(sc.ledger.pending())} unanswered"
        report = await sc.finish(notes={"secrets_looked_for": len(sc.secrets)})

    assert_clean(report)
    assert report.kinds[CREATED] > 0
    assert report.kinds["auth_error"] > 0
    assert int(report.notes["signatures_checked"]) > 0

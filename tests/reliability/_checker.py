"""The checker: requests in, outcome events out, listeners in the emulator — nothing lost, nothing
duplicated.

A scenario records what it published (:meth:`Ledger.sent`, each request with the outcome kinds it
may end in), every outcome delivery it read from the events exchange or the unrouted queue
(:meth:`Ledger.delivered`), and what it found in the dead-letter queue. :func:`check` then adds the
emulator's ``GET /_emulator/state`` and fails on:

- a lost request: sent, no outcome, not dead-lettered;
- a request with two *different* outcomes (distinct AMQP ``message_id``; the same one repeated is
  an at-least-once duplicate, suppressed and counted);
- an outcome of a kind the request may not end in, or one that is not a valid CloudEvent;
- a ClientToken with two listeners; a listener no request of the scenario asked for; a
  ``created`` outcome whose listener the emulator does not have.

Secrets are checked on the same material: :func:`find_leaks` looks for the access key secret and
for every signature the emulator saw in the worker's logs and in every event body.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from schemas.outcome import CreatedEvent, parse_outcome_event
from tests.reliability._report import ScenarioReport

__all__ = ["CREATED", "Delivery", "Ledger", "assert_clean", "check", "find_leaks", "kind_of"]

CREATED = "created"

_HEX64 = re.compile(rb"[0-9a-fA-F]{64}")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outcome event as read from the broker."""

    message_id: str | None
    routing_key: str
    body: bytes
    source: str


def kind_of(event_type: str, error_type: str | None) -> str:
    """``created`` or the failure's ``error.type``."""
    return CREATED if event_type == "ga.listener.created" else str(error_type)


@dataclass
class Ledger:
    """What one scenario sent and received."""

    requests: dict[str, frozenset[str] | None] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    expected_dead: set[str] = field(default_factory=set)
    _answered: set[str] = field(default_factory=set)

    def sent(self, message_id: str, allowed: Collection[str] | None = None) -> None:
        """Record a published request; ``allowed`` outcome kinds (``None``: any kind)."""
        self.requests[message_id] = frozenset(allowed) if allowed is not None else None

    def delivered(self, delivery: Delivery) -> None:
        """Record an outcome delivery (duplicates included)."""
        self.deliveries.append(delivery)
        try:
            event = parse_outcome_event(delivery.body)
        except ValidationError:
            return
        request_id = event.data.request_message_id
        if request_id is not None:
            self._answered.add(request_id)

    def dead_lettered(self, message_id: str) -> None:
        """Record a request found in the dead-letter queue."""
        self.dead.append(message_id)

    @property
    def answered(self) -> int:
        """Requests of this scenario with at least one outcome."""
        return len(self._answered & self.requests.keys())

    def pending(self) -> set[str]:
        """Requests with neither an outcome nor a dead letter yet."""
        return set(self.requests) - self._answered - set(self.dead)

    def complete(self) -> bool:
        """Every request answered or dead-lettered."""
        return not self.pending()


def _outcomes(ledger: Ledger, report: ScenarioReport) -> dict[str, dict[str, Any]]:
    """Distinct outcomes by AMQP message_id; records malformed ones as violations."""
    distinct: dict[str, dict[str, Any]] = {}
    for delivery in ledger.deliveries:
        try:
            event = parse_outcome_event(delivery.body)
        except ValidationError as exc:
            report.violations.append(
                f"not a valid outcome event from {delivery.source}: {exc.errors()[:1]}"
            )
            continue
        if delivery.message_id != event.id:
            report.violations.append(
                f"AMQP message_id {delivery.message_id!r} differs from event id {event.id!r}"
            )
        error: str | None = None
        code: str | None = None
        if not isinstance(event, CreatedEvent):
            error, code = event.data.error.type.value, event.data.error.code
        previous = distinct.get(event.id)
        current = {
            "kind": kind_of(event.type.value, error),
            "request": event.data.request_message_id,
            "token": event.data.client_token,
            "listener_id": event.data.listener_id,
            "attempts": event.data.attempts,
            "error_code": code,
            "routing_key": delivery.routing_key,
        }
        if previous is not None and previous["kind"] != current["kind"]:
            report.violations.append(f"outcome id {event.id} reused for another outcome")
        distinct.setdefault(event.id, current)
    return distinct


def check(
    name: str,
    ledger: Ledger,
    emulator_state: Mapping[str, Any],
    *,
    notes: Mapping[str, Any] | None = None,
) -> ScenarioReport:
    """Check one scenario; the report lists every violation (empty when all is well)."""
    report = ScenarioReport(scenario=name, notes=dict(notes or {}))
    distinct = _outcomes(ledger, report)
    report.requests = len(ledger.requests)
    report.deliveries = len(ledger.deliveries)
    report.outcomes = len(distinct)
    report.duplicates_suppressed = report.deliveries - report.outcomes
    report.dead_lettered = len(set(ledger.dead))

    _check_requests(ledger, distinct, report)
    _check_listeners(emulator_state, distinct, report)
    return report


def _check_requests(
    ledger: Ledger, distinct: Mapping[str, dict[str, Any]], report: ScenarioReport
) -> None:
    by_request: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in distinct.values():
        request = outcome["request"]
        if request not in ledger.requests:
            report.violations.append(f"outcome for a request never sent: {request!r}")
            continue
        by_request[request].append(outcome)
    for request, allowed in ledger.requests.items():
        outcomes = by_request.get(request, [])
        dead = request in ledger.dead
        if dead and request not in ledger.expected_dead:
            report.violations.append(f"request {request} dead-lettered unexpectedly")
        if not outcomes and not dead:
            report.violations.append(f"lost request {request}: no outcome")
        if len(outcomes) > 1:
            kinds = sorted(o["kind"] for o in outcomes)
            report.violations.append(f"request {request} has {len(outcomes)} outcomes: {kinds}")
        for outcome in outcomes:
            report.kinds[outcome["kind"]] += 1
            report.retries += max(int(outcome["attempts"]) - 1, 0)
            if allowed is not None and outcome["kind"] not in allowed:
                report.violations.append(
                    f"request {request} ended {outcome['kind']} "
                    f"({outcome['error_code']}), expected one of {sorted(allowed)}"
                )
    for request in ledger.expected_dead - set(ledger.dead):
        report.violations.append(f"request {request} should be dead-lettered but is not")


def _check_listeners(
    emulator_state: Mapping[str, Any],
    distinct: Mapping[str, dict[str, Any]],
    report: ScenarioReport,
) -> None:
    listeners = list(emulator_state.get("listeners", []))
    report.listeners = len(listeners)
    report.create_calls = int(emulator_state.get("calls", {}).get("CreateListener", 0))
    tokens = Counter(str(listener.get("ClientToken")) for listener in listeners)
    for token, count in tokens.items():
        if count > 1:
            report.violations.append(f"ClientToken {token} has {count} listeners")
    known_tokens = {o["token"] for o in distinct.values()}
    for listener in listeners:
        if listener.get("ClientToken") not in known_tokens:
            report.violations.append(
                f"listener {listener.get('ListenerId')} (ClientToken "
                f"{listener.get('ClientToken')}) belongs to no request"
            )
    by_id = {listener.get("ListenerId"): listener for listener in listeners}
    for outcome in distinct.values():
        if outcome["kind"] != CREATED:
            continue
        listener = by_id.get(outcome["listener_id"])
        if listener is None or listener.get("ClientToken") != outcome["token"]:
            report.violations.append(
                f"created outcome for {outcome['request']} names listener "
                f"{outcome['listener_id']} the emulator does not have under its token"
            )


def find_leaks(
    *,
    secret: str,
    signatures: Collection[str],
    texts: Iterable[tuple[str, bytes]],
) -> list[str]:
    """Where the secret or any signature appears in ``texts`` (``(where, content)`` pairs).

    Hex signatures (ACS3) are matched as any 64-hex run; base64 ones (RPC V1) as substrings.
    """
    hex_signatures = {s.lower().encode() for s in signatures if len(s) == 64}
    other_signatures = [s.encode() for s in signatures if len(s) != 64]
    needle = secret.encode()
    leaks: list[str] = []
    for where, content in texts:
        if needle in content:
            leaks.append(f"the access key secret appears in {where}")
        for match in _HEX64.findall(content):
            if match.lower() in hex_signatures:
                leaks.append(f"an ACS3 signature appears in {where}")
                break
        leaks.extend(
            f"an RPC signature appears in {where}" for sig in other_signatures if sig in content
        )
    return leaks


def assert_clean(report: ScenarioReport) -> None:
    """Fail listing the report's violations (the first 30)."""
    shown = "\n".join(report.violations[:30])
    assert [] == report.violations, (
        f"{report.scenario}: {len(report.violations)} violations\n{shown}"
    )

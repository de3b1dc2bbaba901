"""Tests of ``worker.emulator._faults``: seeded, deterministic fault decisions."""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

import pytest

from worker.emulator import FaultDecision, FaultInjector, FaultKind, FaultRule


def _sequence(injector: FaultInjector, actions: list[str]) -> list[FaultDecision | None]:
    return [injector.decide(action) for action in actions]


def test_same_seed_gives_same_faults() -> None:
    """Two injectors with one seed and rules decide identically, call by call."""
    rules = [
        FaultRule("CreateListener", FaultKind.ERROR, rate=0.3),
        FaultRule("*", FaultKind.THROTTLE, rate=0.2),
    ]
    actions = ["CreateListener", "DescribeListener"] * 200
    first = _sequence(FaultInjector(7, rules), actions)
    second = _sequence(FaultInjector(7, rules), actions)
    assert first == second
    assert any(d is not None for d in first)
    assert any(d is None for d in first)


def test_other_seed_gives_other_faults() -> None:
    """A different seed gives a different sequence."""
    rules = [FaultRule("*", FaultKind.ERROR, rate=0.5)]
    actions = ["CreateListener"] * 64
    assert _sequence(FaultInjector(1, rules), actions) != _sequence(
        FaultInjector(2, rules), actions
    )


def test_configure_restarts_the_sequence() -> None:
    """Configuring the same seed again replays the same faults from the start."""
    rules = [FaultRule("*", FaultKind.ERROR, rate=0.5)]
    injector = FaultInjector(3, rules)
    first = _sequence(injector, ["CreateListener"] * 32)
    injector.configure(3, rules)
    assert first == _sequence(injector, ["CreateListener"] * 32)


def test_rules_match_their_action_or_wildcard() -> None:
    """A rule for one action leaves the others alone; ``*`` meets all."""
    injector = FaultInjector(0, [FaultRule("CreateListener", FaultKind.RESET)])
    assert FaultDecision(kind=FaultKind.RESET) == injector.decide("CreateListener")
    assert injector.decide("DescribeListener") is None
    injector.configure(0, [FaultRule("*", FaultKind.UNAVAILABLE)])
    assert FaultDecision(kind=FaultKind.UNAVAILABLE) == injector.decide("DeleteListener")


def test_latency_adds_up_and_first_fault_wins() -> None:
    """Latency rules add their delays; the first other rule that fires decides the fault."""
    injector = FaultInjector(
        0,
        [
            FaultRule("*", FaultKind.LATENCY, latency_ms=5),
            FaultRule("*", FaultKind.THROTTLE),
            FaultRule("*", FaultKind.LATENCY, latency_ms=7),
            FaultRule("*", FaultKind.ERROR),
        ],
    )
    assert FaultDecision(latency_ms=12, kind=FaultKind.THROTTLE) == injector.decide("ListListeners")


def test_no_rules_no_faults() -> None:
    """Without rules nothing ever happens."""
    assert [None] * 10 == _sequence(FaultInjector(1), ["CreateListener"] * 10)


def test_rate_zero_never_fires() -> None:
    """A rule with rate 0 never fires."""
    injector = FaultInjector(5, [FaultRule("*", FaultKind.ERROR, rate=0.0)])
    assert [None] * 50 == _sequence(injector, ["CreateListener"] * 50)


def test_rule_json_round_trip() -> None:
    """A rule read from the admin API's JSON shows the same JSON back."""
    data = {"action": "CreateListener", "kind": "latency", "rate": 0.5, "latency_ms": 20.0}
    assert data == FaultRule.from_json(data).to_json()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "*", "kind": "explode"},
        {"action": "*", "kind": "error", "rate": 1.5},
        {"action": "*", "kind": "error", "rate": True},
        {"action": "*", "kind": "latency", "latency_ms": -1},
        {"action": "", "kind": "error"},
        {"action": "*", "kind": "error", "extra": 1},
    ],
)
def test_bad_rules_are_refused(data: dict[str, object]) -> None:
    """Malformed rules raise ``ValueError``."""
    with pytest.raises(ValueError, match="rule"):
        FaultRule.from_json(data)

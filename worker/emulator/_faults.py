"""Seeded fault injection: the failures the real service (and the network to it) can produce.

One ``random.Random(seed)`` is consumed in request order, one draw per matching rule per
request, whatever the outcome, so the same seed and the same sequence of calls give the same
faults. A request meets every rule whose ``action`` is its action or ``*``: latency rules add
up, and the first other rule that fires decides the fault.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["FaultDecision", "FaultInjector", "FaultKind", "FaultRule"]


class FaultKind(StrEnum):
    """What a firing rule does to the request."""

    ERROR = "error"  # 500 UnknownError, nothing done
    THROTTLE = "throttle"  # 400 Throttling.User, nothing done
    UNAVAILABLE = "unavailable"  # 503 ServiceUnavailable, nothing done
    LATENCY = "latency"  # wait latency_ms, then carry on
    RESET = "reset"  # drop the connection, nothing done
    RESET_AFTER_COMMIT = "reset_after_commit"  # do the work, then drop the connection


@dataclass(frozen=True, slots=True)
class FaultRule:
    """``rate`` of the calls to ``action`` (or ``*``) meet ``kind``."""

    action: str
    kind: FaultKind
    rate: float = 1.0
    latency_ms: float = 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        """Read one rule of ``PUT /_emulator/faults``; ``ValueError`` says what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError("each rule must be an object")
        unknown = set(data) - {"action", "kind", "rate", "latency_ms"}
        if unknown:
            raise ValueError(f"unknown rule fields: {sorted(unknown)}")
        action = data.get("action", "*")
        if not isinstance(action, str) or not action:
            raise ValueError("rule.action must be an action name or '*'")
        try:
            kind = FaultKind(str(data.get("kind")))
        except ValueError:
            kinds = ", ".join(k.value for k in FaultKind)
            raise ValueError(f"rule.kind must be one of {kinds}") from None
        rate = data.get("rate", 1.0)
        latency = data.get("latency_ms", 0.0)
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError("rule.rate must be a number from 0 to 1")
        if not isinstance(latency, int | float) or isinstance(latency, bool) or latency < 0:
            raise ValueError("rule.latency_ms must be a number >= 0")
        return cls(action=action, kind=kind, rate=float(rate), latency_ms=float(latency))

    def to_json(self) -> dict[str, Any]:
        """The admin API's view."""
        data: dict[str, Any] = {"action": self.action, "kind": self.kind.value, "rate": self.rate}
        if self.kind is FaultKind.LATENCY:
            data["latency_ms"] = self.latency_ms
        return data


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What happens to one request: a delay first, then at most one fault."""

    latency_ms: float = 0.0
    kind: FaultKind | None = None


class FaultInjector:
    """Decides, request by request, which faults fire."""

    def __init__(self, seed: int | None = None, rules: Iterable[FaultRule] = ()) -> None:
        self.configure(seed, rules)

    def configure(self, seed: int | None, rules: Iterable[FaultRule]) -> None:
        """Start over with a fresh generator from ``seed`` and these rules."""
        self.seed = seed
        self.rules = tuple(rules)
        self._rng = random.Random(seed)

    def decide(self, action: str) -> FaultDecision | None:
        """The faults for the next request to ``action``; ``None`` if nothing happens."""
        if not self.rules:
            return None
        latency = 0.0
        kind: FaultKind | None = None
        for rule in self.rules:
            if rule.action not in (action, "*"):
                continue
            fired = self._rng.random() < rule.rate
            if not fired:
                continue
            if rule.kind is FaultKind.LATENCY:
                latency += rule.latency_ms
            elif kind is None:
                kind = rule.kind
        if latency == 0.0 and kind is None:
            return None
        return FaultDecision(latency_ms=latency, kind=kind)

    def to_json(self) -> dict[str, Any]:
        """The admin API's view."""
        return {"seed": self.seed, "rules": [rule.to_json() for rule in self.rules]}

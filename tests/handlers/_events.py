"""An outcome read back as the event it must be (the assertion names the body when it is not)."""

from __future__ import annotations

from handlers import Outcome
from schemas.outcome import CreatedEvent, FailedEvent

__all__ = ["created", "failed"]


def created(outcome: Outcome) -> CreatedEvent:
    assert isinstance(outcome.event, CreatedEvent), outcome.body
    return outcome.event


def failed(outcome: Outcome) -> FailedEvent:
    assert isinstance(outcome.event, FailedEvent), outcome.body
    return outcome.event

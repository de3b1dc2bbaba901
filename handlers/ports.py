"""The small interfaces the pipeline needs from the outside, implemented in ``worker``.

``handlers`` never imports ``worker`` or aio-pika: the AMQP worker and the Function Compute
handler both pass these in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from schemas.request import CreateListenerRequest


@dataclass(slots=True)
class CallTrace:
    """What happened on the wire for one request; the GA client fills it in as it goes.

    It survives failures (the client appends before it raises), so a failed outcome still
    reports every attempt and every RequestId the API returned.
    """

    attempts: int = 0  # CreateListener calls sent
    polls: int = 0  # DescribeListener calls sent
    retries: int = 0  # retries scheduled, all actions
    api_request_ids: list[str] = field(default_factory=list)


class ListenerApi(Protocol):
    """The GA API as the pipeline sees it: create (retries, one ClientToken) and wait."""

    async def create_listener(self, request: CreateListenerRequest, trace: CallTrace) -> str:
        """Create the listener, retrying retryable failures with the request's one ClientToken.

        Returns the ``ListenerId``; raises a ``schemas.errors.ApiError``.
        """
        ...

    async def wait_until_active(
        self, *, region_id: str, listener_id: str, trace: CallTrace
    ) -> dict[str, Any]:
        """Poll DescribeListener until ``active``; return its body.

        Raises ``schemas.errors.PollFailed`` (or an ``ApiError`` that outlasted retries).
        """
        ...


class OutcomePublisher(Protocol):
    """Publishes one outcome event and returns only once the broker confirmed it."""

    async def publish(self, outcome: Any, *, reply_to: str | None) -> None: ...

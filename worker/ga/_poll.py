"""Wait for a listener to become ``active``, in the manner of Terraform's ``StateChangeConf``.

Pending states ``init``, ``configuring``, ``updating``; target ``active``; anything else (say
``deleting``) means the listener left the path and is reported as :class:`ListenerLost` with
the state as its code. Right after creation the API may briefly not know the listener yet, so a
few ``NotExist.Listener`` answers are tolerated until it has been seen once; after that, or past
the grace, it has vanished. A transient failure of one poll is simply followed by the next poll
(the interval is the backoff) until the deadline.

One coroutine and a few locals per listener, ``asyncio.sleep`` between polls: thousands of
concurrent waits cost little more than their timers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from schemas.errors import ApiError, ListenerLost, PollTimedOut
from worker.ga._errors import translate

__all__ = ["PENDING_STATES", "PollPolicy", "poll_until_active"]

PENDING_STATES: Final = frozenset({"init", "configuring", "updating"})
TARGET_STATE: Final = "active"
_NOT_FOUND: Final = "NotExist.Listener"


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """Timing of one wait.

    ``first_delay`` defaults to 0: the first DescribeListener goes out right after creation,
    because a listener created by a fast backend (the emulator, a warm accelerator) is often
    ``active`` at once, and a fixed initial sleep caps a worker's throughput at
    ``prefetch / first_delay`` requests per second. A slow listener costs one extra poll.
    """

    interval: float = 2.0
    timeout: float = 900.0
    first_delay: float = 0.0
    not_found_checks: int = 3
    not_found_grace: float = 10.0

    def __post_init__(self) -> None:
        if self.interval <= 0 or self.timeout <= 0 or self.first_delay < 0:
            raise ValueError("poll interval and timeout must be > 0, first delay >= 0")


async def poll_until_active(
    describe: Callable[[float], Awaitable[dict[str, Any]]],
    *,
    listener_id: str,
    policy: PollPolicy,
    on_transient: Callable[[ApiError, float], None],
) -> dict[str, Any]:
    """Call ``describe(timeout)`` until the listener is ``active``; return that answer.

    Raises ``ListenerLost``, ``PollTimedOut``, a final ``ApiError`` at once, or, if no poll
    ever got an answer before the deadline, the last transient ``ApiError``.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + policy.timeout
    delay = policy.first_delay
    not_found = 0
    seen = False  # a State was read at least once
    last_error: ApiError | None = None
    while True:
        if delay > 0:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(delay, remaining))
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        delay = policy.interval
        try:
            body = await describe(remaining)
        except ApiError as exc:
            if exc.code == _NOT_FOUND and not exc.retryable:
                not_found += 1
                if (
                    seen
                    or not_found > policy.not_found_checks
                    or loop.time() - start > policy.not_found_grace
                ):
                    raise ListenerLost(
                        f"listener {listener_id} does not exist",
                        code=_NOT_FOUND,
                        listener_id=listener_id,
                    ) from None
                last_error = None
                continue
            if not exc.retryable:
                raise
            last_error = exc
            on_transient(exc, delay)
            continue
        state = body.get("State")
        if state == TARGET_STATE:
            return body
        # A pending answer is not kept through the sleep: thousands of waits hold one each.
        del body
        if not isinstance(state, str):
            last_error = translate(ValueError("DescribeListener answered without a State"))
            on_transient(last_error, delay)
            continue
        last_error = None
        if state not in PENDING_STATES:
            raise ListenerLost(
                f"listener {listener_id} went to state {state!r}",
                code=str(state),
                listener_id=listener_id,
            )
        seen = True
    if last_error is not None and not seen:
        raise last_error
    raise PollTimedOut(
        f"listener {listener_id} not active within {policy.timeout:g} s",
        code="PollTimeout",
        listener_id=listener_id,
    )

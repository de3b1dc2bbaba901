"""The retry policy: bounds, predicate, events, and the fast first attempt."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from handlers.ports import CallTrace
from schemas.errors import ApiRefused, ApiUnavailable
from worker.ga._retry import RetryPolicy, event_name


class Flaky:
    """Fails with the given errors, then answers; keeps the time budget of every call."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.budgets: list[float] = []

    async def __call__(self, budget: float) -> str:
        self.calls += 1
        self.budgets.append(budget)
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def _busy() -> ApiUnavailable:
    return ApiUnavailable(code="StateError.Accelerator", message="busy", http_status=400)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("CreateListener", "ga.create_listener.retry_scheduled"),
        ("DescribeListener", "ga.describe_listener.retry_scheduled"),
    ],
)
def test_event_name(action: str, expected: str) -> None:
    """Actions become dotted snake-case event names."""
    assert expected == event_name(action, "retry_scheduled")


async def test_retryable_errors_are_retried_and_logged() -> None:
    """Two retryable failures: three calls, two retries, two events with attempt numbers."""
    flaky = Flaky(_busy(), _busy())
    trace = CallTrace()
    with capture_logs() as logs:
        assert await RetryPolicy().run(flaky, action="CreateListener", trace=trace) == "ok"
    expected = (3, 2, [1, 2])
    assert expected == (flaky.calls, trace.retries, [e["attempt"] for e in logs])


async def test_each_attempt_gets_the_time_left() -> None:
    """The first attempt gets the whole deadline, each later one what is left of it."""
    flaky = Flaky(_busy(), _busy())
    await RetryPolicy(deadline=60.0).run(flaky, action="CreateListener", trace=None)
    first, *later = flaky.budgets
    assert 60.0 == first
    assert later == sorted(later, reverse=True)
    assert all(59.0 < budget <= 60.0 for budget in later)


async def test_final_errors_are_not_retried() -> None:
    """A final error is raised after one call."""
    flaky = Flaky(ApiRefused(code="PortConflict.Listener", message="x"))
    with pytest.raises(ApiRefused):
        await RetryPolicy().run(flaky, action="CreateListener", trace=None)
    assert flaky.calls == 1


async def test_foreign_exceptions_are_not_retried() -> None:
    """An exception outside the tree (a bug) propagates at once."""
    flaky = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        await RetryPolicy().run(flaky, action="CreateListener", trace=None)
    assert flaky.calls == 1


@pytest.mark.parametrize("attempts", [1, 2, 5])
async def test_attempts_bound_the_calls(attempts: int) -> None:
    """Never more calls than attempts; the last error is raised as is."""
    flaky = Flaky(*[_busy() for _ in range(10)])
    with pytest.raises(ApiUnavailable):
        await RetryPolicy(attempts=attempts).run(flaky, action="CreateListener", trace=None)
    assert attempts == flaky.calls


def test_policy_rejects_nonsense() -> None:
    """Zero attempts or a non-positive deadline are configuration errors."""
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)

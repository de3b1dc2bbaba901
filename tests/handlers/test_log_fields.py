"""Tests for handlers.log_fields: fields on every line inside the block, old values after it."""

from __future__ import annotations

import asyncio

import pytest
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

from handlers.log_fields import LogFields


@pytest.fixture(autouse=True)
def _clean_context() -> None:
    clear_contextvars()


def test_fields_are_bound_inside_and_gone_after() -> None:
    """Inside the block the fields are in the context; after it they are not."""
    with LogFields(message_id="m-1", correlation_id=None):
        inside = get_contextvars()
    assert (inside, get_contextvars()) == ({"message_id": "m-1", "correlation_id": None}, {})


def test_outer_values_come_back_after_a_nested_block() -> None:
    """A nested block that rebinds a field restores the outer value, and leaves others alone."""
    bind_contextvars(service="worker")
    with LogFields(message_id="outer"):
        with LogFields(message_id="inner", client_token="t"):
            nested = get_contextvars()
        after_nested = get_contextvars()
    expected = (
        {"service": "worker", "message_id": "inner", "client_token": "t"},
        {"service": "worker", "message_id": "outer"},
        {"service": "worker"},
    )
    assert (nested, after_nested, get_contextvars()) == expected


def test_restored_when_the_block_raises() -> None:
    """An exception leaving the block still unbinds its fields."""
    with pytest.raises(RuntimeError), LogFields(message_id="m-2"):
        raise RuntimeError("boom")
    assert get_contextvars() == {}


async def test_concurrent_tasks_see_only_their_own_fields() -> None:
    """Two requests in flight at once never see each other's fields."""
    seen: dict[str, object] = {}

    async def request(name: str) -> None:
        with LogFields(message_id=name):
            await asyncio.sleep(0.01)
            seen[name] = get_contextvars()["message_id"]

    await asyncio.gather(request("a"), request("b"))
    assert seen == {"a": "a", "b": "b"}

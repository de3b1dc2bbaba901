"""Tests of handlers._locks: per-key serialisation and a table that does not grow."""

from __future__ import annotations

import asyncio

import pytest

from handlers._locks import KeyedLocks


async def test_same_key_is_serialised_and_other_keys_are_not() -> None:
    """A second holder of one key waits for the first; another key goes straight in."""
    locks = KeyedLocks()
    release = asyncio.Event()
    order: list[str] = []

    async def hold(key: str, name: str, gate: asyncio.Event | None) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            if gate is not None:
                await gate.wait()
            order.append(f"{name}-")

    first = asyncio.create_task(hold("a", "a1", release))
    second = asyncio.create_task(hold("a", "a2", None))
    other = asyncio.create_task(hold("b", "b1", None))
    await asyncio.wait_for(other, timeout=5)
    expected = (["a1+", "b1+", "b1-"], 1)
    assert expected == (order, len(locks))
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), timeout=5)
    expected = (["a1+", "b1+", "b1-", "a1-", "a2+", "a2-"], 0)
    assert expected == (order, len(locks))


async def test_table_is_empty_after_use() -> None:
    """Locks for many keys do not accumulate once released."""
    locks = KeyedLocks()
    sizes = set()
    for n in range(100):
        async with locks.hold(f"ga-{n}"):
            sizes.add(len(locks))
    expected = ({1}, 0)
    assert expected == (sizes, len(locks))


async def test_cancelled_waiter_leaves_table_consistent() -> None:
    """Cancelling a waiter neither leaks its entry nor blocks the next holder."""
    locks = KeyedLocks()
    release = asyncio.Event()
    held = asyncio.Event()

    async def holder() -> None:
        async with locks.hold("a"):
            held.set()
            await release.wait()

    async def waiter() -> None:
        async with locks.hold("a"):
            pytest.fail("the cancelled waiter must never hold the lock")

    holding = asyncio.create_task(holder())
    await asyncio.wait_for(held.wait(), timeout=5)
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0)  # let the waiter reach the lock; no timing depends on it
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await asyncio.wait_for(holding, timeout=5)
    async with locks.hold("a"):
        pass
    assert not locks


async def test_exception_in_block_releases() -> None:
    """An exception inside the block releases the key and propagates."""
    locks = KeyedLocks()
    with pytest.raises(RuntimeError):
        async with locks.hold("a"):
            raise RuntimeError("boom")
    assert not locks

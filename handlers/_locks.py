"""Per-accelerator serialisation: one request at a time per GA instance, others in parallel.

The API refuses a second CreateListener while a listener on the same accelerator is ``init``
(``StateError.Accelerator``), so a worker holds the accelerator's lock from create until
``active``. Locks live only while someone holds or waits on them, so the table stays as small as
the number of accelerators in flight, however many accelerators pass through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["KeyedLocks"]


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holders + waiters


class KeyedLocks:
    """A lock per key, created on first use and dropped when its last user leaves.

    One event loop only (asyncio locks are not thread-safe); waiters are served first come,
    first served. Cancelling a waiter leaves the table consistent.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        """How many keys are held or waited on right now."""
        return len(self._entries)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the ``async with`` block."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]

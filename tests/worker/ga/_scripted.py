"""A small scripted GA API on a real local HTTP server, for client tests that need exact control.

Each action answers from its script (a list of replies, consumed in order; the default after
that), and every request is recorded as it arrived on the wire.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDict
from yarl import URL


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: status and JSON body."""

    status: int
    body: dict[str, Any]


DROP = "drop"  # close the connection without an answer
HANG = "hang"  # answer only when the server shuts down


@dataclass(slots=True)
class Seen:
    """One request as it arrived."""

    action: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass(slots=True)
class ScriptedGa:
    """The server's script and its record of requests."""

    url: str = ""
    scripts: dict[str, list[Reply | str]] = field(default_factory=lambda: defaultdict(list))
    defaults: dict[str, Reply] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def script(self, action: str, *replies: Reply | str) -> None:
        """Queue replies for ``action``."""
        self.scripts[action].extend(replies)

    def of(self, action: str) -> list[Seen]:
        """Requests seen for ``action``."""
        return [s for s in self.seen if s.action == action]

    def _default(self, action: str) -> Reply:
        if action in self.defaults:
            return self.defaults[action]
        if action == "CreateListener":
            return Reply(200, {"ListenerId": "lsr-test1"})
        if action == "DescribeListener":
            return Reply(200, {"ListenerId": "lsr-test1", "State": "active"})
        return Reply(200, {})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        query = MultiDict(URL(f"/?{request.raw_path.partition('?')[2]}", encoded=True).query)
        action = request.headers.get("x-acs-action") or query.get("Action", "")
        self.seen.append(
            Seen(
                action=action,
                raw_query=request.raw_path.partition("?")[2],
                query=dict(query),
                headers=dict(request.headers),
            )
        )
        script = self.scripts[action]
        reply = script.pop(0) if script else self._default(action)
        if reply == DROP:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if reply == HANG:
            await self.release.wait()
            return web.Response(status=503)
        assert isinstance(reply, Reply)
        body = {"RequestId": f"req-{next(self._ids)}", **reply.body}
        return web.json_response(body, status=reply.status)


@asynccontextmanager
async def scripted_ga() -> AsyncIterator[ScriptedGa]:
    """Run a ScriptedGa on 127.0.0.1, ephemeral port."""
    ga = ScriptedGa()
    app = web.Application()
    app.router.add_route("*", "/", ga.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    ga.url = f"http://127.0.0.1:{port}"
    try:
        yield ga
    finally:
        ga.release.set()
        await runner.cleanup()

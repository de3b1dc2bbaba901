"""The JSON response every emulator route answers with, the RPC endpoint and the admin API alike."""

from __future__ import annotations

from typing import Any, Final

import orjson
from aiohttp import web

__all__ = ["json_response"]

_JSON_HEADERS: Final = {"Content-Type": "application/json"}


def json_response(body: Any, status: int = 200) -> web.Response:
    """``body`` as JSON with ``status``."""
    # The header as a ready dict: content_type= would parse and rebuild it on every response.
    return web.Response(body=orjson.dumps(body), status=status, headers=_JSON_HEADERS)

"""A tiny signed client for the emulator tests: raw requests with full control of every part.

It signs with ``worker.ga.signing`` (the project's own signer) so a test can pick the date, the
nonce, the credentials, the style (ACS3 or RPC V1) and where the parameters go.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import yarl

from worker.ga._transport import API_VERSION
from worker.ga.credentials import Credentials
from worker.ga.signing import canonical_query_string, sign_acs3, sign_rpc_v1

TEST_CREDENTIALS = Credentials("testid", "testsecret")


def stamp(offset_seconds: float = 0) -> str:
    """An API timestamp ``offset_seconds`` from now."""
    when = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class SignedClient:
    """Sends one signed GA request at a time to an emulator URL."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = yarl.URL(url)

    async def call(
        self,
        action: str,
        params: Mapping[str, str] | None = None,
        *,
        credentials: Credentials = TEST_CREDENTIALS,
        style: str = "acs3",
        method: str = "POST",
        date: str | None = None,
        nonce: str | None = None,
        version: str = API_VERSION,
        form: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        """Status and JSON body of one call."""
        params = dict(params or {})
        nonce = nonce or uuid.uuid4().hex
        date = date or stamp()
        headers: dict[str, str] = {}
        body = b""
        if style == "acs3":
            headers = sign_acs3(
                credentials=credentials,
                method=method,
                host=str(self.url.authority),
                path="/",
                query=params,
                body=b"",
                action=action,
                version=version,
                date=date,
                nonce=nonce,
            )
            query = params
        else:
            query = sign_rpc_v1(
                credentials=credentials,
                method=method,
                query=params,
                action=action,
                version=version,
                timestamp=date,
                nonce=nonce,
            )
            if form:
                body = canonical_query_string(query).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                query = {}
        url = yarl.URL(f"{self.url}/?{canonical_query_string(query)}", encoded=True)
        async with self.session.request(
            method, url, headers=headers, data=body or None, skip_auto_headers=("Content-Type",)
        ) as resp:
            return resp.status, await resp.json(content_type=None)

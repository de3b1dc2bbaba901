"""One signed HTTP exchange with the GA API: sign, send, read, decode or translate.

Each call signs afresh (new nonce, current date), so every attempt of a retry is a new, valid
request. Parameters travel in the query string of ``POST /`` with no body, as the official SDK
sends RPC-style actions. The URL is handed to aiohttp pre-encoded, so the query on the wire is
byte for byte the canonical query that was signed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

import aiohttp
import orjson
from yarl import URL

from worker.ga._errors import TRANSLATED, ErrorAnswer, translate
from worker.ga.credentials import Credentials
from worker.ga.signing import canonical_query_string, sign_acs3, sign_rpc_v1

__all__ = ["API_VERSION", "SignatureVersion", "Transport", "new_nonce", "utc_timestamp"]

API_VERSION: Final = "2019-11-20"

SignatureVersion = Literal["v3", "v1"]

_SKIP_AUTO_HEADERS: Final = ("Content-Type",)
_ACCEPT: Final = {"Accept": "application/json"}
_CONNECT_TIMEOUT: Final = 10.0


def utc_timestamp() -> str:
    """Now, as the API wants it in ``x-acs-date``/``Timestamp``: ``2026-12-03T12:00:00Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_nonce() -> str:
    """128 random bits in hex: never repeats, so the API's replay check never trips on us."""
    return os.urandom(16).hex()


class Transport:
    """Signs and sends one action; returns the decoded JSON object or raises ``ApiError``."""

    __slots__ = (
        "_authority",
        "_clock",
        "_connect_timeout",
        "_credentials",
        "_full_timeout",
        "_host",
        "_nonce",
        "_request_timeout",
        "_scheme",
        "_session_factory",
        "_signature_version",
    )

    def __init__(
        self,
        *,
        endpoint: str,
        credentials: Credentials,
        session_factory: Callable[[], aiohttp.ClientSession],
        request_timeout: float,
        signature_version: SignatureVersion = "v3",
        connect_timeout: float = _CONNECT_TIMEOUT,
        clock: Callable[[], str] = utc_timestamp,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        url = URL(endpoint)
        if url.scheme not in {"http", "https"} or not url.host:
            raise ValueError("the GA endpoint must be an http:// or https:// URL with a host")
        origin = URL(str(url.origin()))
        self._scheme = origin.scheme
        self._authority = origin.raw_authority
        self._host = url.host if url.is_default_port() else f"{url.host}:{url.port}"
        self._credentials = credentials
        self._session_factory = session_factory
        self._signature_version = signature_version
        self._connect_timeout = connect_timeout
        self._clock = clock
        self._nonce = nonce
        self._request_timeout = request_timeout
        # Almost every call gets the whole request timeout: one timeout object serves them all.
        self._full_timeout = self._client_timeout(request_timeout)

    def _signed(self, action: str, query: Mapping[str, str]) -> tuple[URL, dict[str, str]]:
        if self._signature_version == "v1":
            params = sign_rpc_v1(
                credentials=self._credentials,
                method="POST",
                query=query,
                action=action,
                version=API_VERSION,
                timestamp=self._clock(),
                nonce=self._nonce(),
            )
            wire = canonical_query_string(params)
            headers = {"Host": self._host}
        else:
            wire = canonical_query_string(query)
            headers = sign_acs3(
                credentials=self._credentials,
                method="POST",
                host=self._host,
                path="/",
                query=query,
                body=b"",
                action=action,
                version=API_VERSION,
                date=self._clock(),
                nonce=self._nonce(),
                canonical_query=wire,
            )
        headers.update(_ACCEPT)
        # Built from parts, not parsed from a string (measured 5.5 -> 2.1 µs for a CreateListener
        # URL); ``encoded=True`` keeps the signed query byte for byte.
        url = URL.build(
            scheme=self._scheme,
            authority=self._authority,
            path="/",
            query_string=wire,
            encoded=True,
        )
        return url, headers

    def _client_timeout(self, total: float) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=total, sock_connect=min(self._connect_timeout, total))

    def _timeout(self, budget: float) -> aiohttp.ClientTimeout:
        """At most the request timeout, at most ``budget`` (the retry or poll time left)."""
        if budget >= self._request_timeout:
            return self._full_timeout
        return self._client_timeout(budget)

    async def call(self, action: str, query: Mapping[str, str], *, budget: float) -> dict[str, Any]:
        """Send ``action`` once, within ``budget`` seconds and the request timeout; its JSON.

        Raises ``schemas.errors.ApiError`` (translated in :mod:`worker.ga._errors`) for any
        failure, and nothing else but ``CancelledError``.
        """
        url, headers = self._signed(action, query)
        try:
            async with self._session_factory().post(
                url,
                headers=headers,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
                timeout=self._timeout(budget),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                status = response.status
                request_id = response.headers.get("x-acs-request-id")
            if status >= 300:
                raise translate(ErrorAnswer(status, body, request_id))
            payload = orjson.loads(body)
            if not isinstance(payload, dict):
                raise ValueError(f"{action} answered a JSON {type(payload).__name__}")
        except TRANSLATED as exc:
            raise translate(exc) from None
        return payload

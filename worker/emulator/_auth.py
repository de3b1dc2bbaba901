"""Signature verification as the Alibaba Cloud API gateway does it: ACS3-HMAC-SHA256 and RPC V1.

The signatures are recomputed with ``worker.ga.signing`` (the client's own pure functions, so a
disagreement shows up as a failing test on both sides) over what actually arrived: the decoded
query, the headers the Authorization header names, the SHA-256 of the body as received.

Order of checks, each with the real gateway's code: a missing or malformed signature
(``IncompleteSignature``), an unknown AccessKey ID (``InvalidAccessKeyId.NotFound``), a date more
than 15 minutes off (``InvalidTimeStamp.Expired``), a wrong signature
(``SignatureDoesNotMatch``), and only for a request that proved its signature, a nonce seen
within the window (``SignatureNonceUsed``) — so a forger cannot burn someone else's nonces.
The nonce memory forgets a nonce once its window has passed, and never holds more than
``max_nonces``. Secrets and signatures never appear in an error message.
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from worker.emulator._catalog import api_error
from worker.ga.signing import (
    ACS3_ALGORITHM,
    acs3_signature,
    parse_acs3_authorization,
    payload_sha256,
)
from worker.ga.signing import rpc_v1_signature as _rpc_v1_signature

__all__ = ["ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SignatureVerifier"]

#: The credentials the emulator accepts unless told otherwise (CONTRACT §6).
ACCESS_KEY_ID = "testid"
ACCESS_KEY_SECRET = "testsecret"  # noqa: S105 - the emulator's documented test key

_WINDOW_SECONDS = 15 * 60.0


class SignatureVerifier:
    """Checks requests against known AccessKey pairs (``{AccessKeyId: secret}``)."""

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        window_seconds: float = _WINDOW_SECONDS,
        max_nonces: int = 1_000_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = dict(credentials)
        self._window = window_seconds
        self._max_nonces = max_nonces
        self._clock = clock
        self._nonces: OrderedDict[str, float] = OrderedDict()  # nonce -> forget after

    def forget_nonces(self) -> None:
        """Drop the nonce memory (``POST /_emulator/reset``)."""
        self._nonces.clear()

    @property
    def nonce_count(self) -> int:
        """How many nonces are remembered right now."""
        return len(self._nonces)

    def verify(
        self,
        *,
        method: str,
        path: str,
        query: Mapping[str, str],
        params: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> str:
        """Verify one request; return the AccessKey ID (the account) or raise ``ApiError``.

        ``query`` is the URL's query (what ACS3 signs), ``params`` the query and any form body
        together (what RPC V1 signs).
        """
        authorization = headers.get("Authorization")
        if authorization:
            return self._verify_acs3(
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=body,
                authorization=authorization,
            )
        if "Signature" in params:
            return self._verify_rpc_v1(method, params)
        raise api_error("IncompleteSignature")

    def _verify_acs3(
        self,
        *,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        authorization: str,
    ) -> str:
        try:
            parts = parse_acs3_authorization(authorization)
        except ValueError:
            raise api_error("IncompleteSignature") from None
        if parts.algorithm != ACS3_ALGORITHM:
            raise api_error("IncompleteSignature")
        signed = {name.lower() for name in parts.signed_headers}
        if not {"x-acs-date", "x-acs-signature-nonce"} <= signed:
            raise api_error("IncompleteSignature")
        secret = self._secret(parts.access_key_id)
        date = headers.get("x-acs-date", "")
        nonce = headers.get("x-acs-signature-nonce", "")
        when = self._check_time(date)
        hashed_payload = payload_sha256(body)
        try:
            expected = acs3_signature(
                secret=secret,
                method=method,
                path=path,
                query=query,
                headers=headers,
                signed_headers=parts.signed_headers,
                hashed_payload=hashed_payload,
            )
        except KeyError:  # a signed header that did not arrive
            raise api_error("SignatureDoesNotMatch") from None
        if not hmac.compare_digest(expected, parts.signature):
            raise api_error("SignatureDoesNotMatch")
        self._use_nonce(nonce, when)
        return parts.access_key_id

    def _verify_rpc_v1(self, method: str, params: Mapping[str, str]) -> str:
        access_key_id = params.get("AccessKeyId")
        nonce = params.get("SignatureNonce")
        timestamp = params.get("Timestamp")
        if not access_key_id or not nonce or not timestamp:
            raise api_error("IncompleteSignature")
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise api_error("IncompleteSignature")
        secret = self._secret(access_key_id)
        when = self._check_time(timestamp)
        expected = _rpc_v1_signature(secret=secret, method=method, params=params)
        if not hmac.compare_digest(expected, params.get("Signature", "")):
            raise api_error("SignatureDoesNotMatch")
        self._use_nonce(nonce, when)
        return access_key_id

    def _secret(self, access_key_id: str) -> str:
        secret = self._secrets.get(access_key_id)
        if secret is None:
            raise api_error("InvalidAccessKeyId.NotFound")
        return secret

    def _check_time(self, stamp: str) -> float:
        """The request's own time, refused if further than the window from ours."""
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            raise api_error("InvalidTimeStamp.Format") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        when = parsed.timestamp()
        if abs(self._clock() - when) > self._window:
            raise api_error("InvalidTimeStamp.Expired")
        return when

    def _use_nonce(self, nonce: str, when: float) -> None:
        now = self._clock()
        nonces = self._nonces
        while nonces:
            oldest, forget_after = next(iter(nonces.items()))
            if forget_after > now and len(nonces) < self._max_nonces:
                break
            del nonces[oldest]
        if nonce in nonces:
            raise api_error("SignatureNonceUsed")
        # Past its request's window the date check refuses a replay anyway: forget it then.
        nonces[nonce] = when + self._window

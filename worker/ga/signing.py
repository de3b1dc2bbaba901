"""Alibaba Cloud request signing: ACS3-HMAC-SHA256 (the default) and RPC V1 HMAC-SHA1.

Pure functions of (request description, credentials, date, nonce): no clock, no randomness, no
I/O, so the documented vectors reproduce exactly and the emulator verifies with the same code.

The canonical query is the wire query: :func:`canonical_query_string` is both what is signed and
what the client puts after ``?`` (with a pre-encoded URL), so nothing between us and the server
can re-encode it differently. Percent-encoding follows RFC 3986 as Alibaba Cloud specifies it:
unreserved characters (``A-Z a-z 0-9 - _ . ~``) stay, everything else becomes ``%XY`` of its
UTF-8 bytes, a space ``%20`` (never ``+``), ``*`` ``%2A``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

if TYPE_CHECKING:
    from worker.ga.credentials import Credentials

__all__ = [
    "ACS3_ALGORITHM",
    "EMPTY_PAYLOAD_SHA256",
    "Acs3Authorization",
    "acs3_signature",
    "canonical_query_string",
    "parse_acs3_authorization",
    "payload_sha256",
    "percent_encode",
    "rpc_v1_signature",
    "sign_acs3",
    "sign_rpc_v1",
]

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()


def payload_sha256(body: bytes) -> str:
    """The hex SHA-256 of a request body (``x-acs-content-sha256``); constant for no body."""
    return hashlib.sha256(body).hexdigest() if body else EMPTY_PAYLOAD_SHA256


# Most keys and values need no encoding at all; a regex check is ~10x cheaper than quote().
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def percent_encode(s: str) -> str:
    """Encode ``s`` as Alibaba Cloud signs it: UTF-8, only ``A-Za-z0-9-_.~`` left as is."""
    return s if _UNRESERVED(s) else quote(s, safe="~")


# Keys and most values (region, protocol, ports, ``true``) repeat request after request; a
# C-level LRU hit is several times cheaper than the regex check. Bounded, so one-off values
# (tokens, nonces) only churn it. Halves canonical_query_string on a typical request (measured).
_encode_cached = functools.lru_cache(maxsize=4096)(percent_encode)


def canonical_query_string(params: Mapping[str, str]) -> str:
    """``k=v`` pairs joined by ``&``, keys and values percent-encoded, sorted by encoded key.

    This exact string is sent on the wire too, so the server sees what was signed.
    """
    pairs = sorted([(_encode_cached(k), _encode_cached(v)) for k, v in params.items()])
    return "&".join([f"{k}={v}" for k, v in pairs])


def _canonical_headers(
    headers: Mapping[str, str], signed_headers: Sequence[str]
) -> tuple[str, str]:
    lowered = {name.lower(): value for name, value in headers.items()}
    names = sorted({name.lower() for name in signed_headers})
    canonical = "".join(f"{name}:{lowered[name].strip()}\n" for name in names)
    return canonical, ";".join(names)


def acs3_signature(
    *,
    secret: str,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    hashed_payload: str,
) -> str:
    """The hex ACS3-HMAC-SHA256 signature of a request.

    ``signed_headers`` names the headers covered (any case); each must be in ``headers``
    (``KeyError`` otherwise). A verifier passes the names from the Authorization header.
    """
    canonical_headers, signed = _canonical_headers(headers, signed_headers)
    return _acs3_signature(
        secret=secret,
        method=method,
        path=path,
        canonical_query=canonical_query_string(query),
        canonical_headers=canonical_headers,
        signed=signed,
        hashed_payload=hashed_payload,
    )


def _acs3_signature(
    *,
    secret: str,
    method: str,
    path: str,
    canonical_query: str,
    canonical_headers: str,
    signed: str,
    hashed_payload: str,
) -> str:
    """The signature over finished canonical parts.

    ``canonical_headers`` is one ``name:value`` line per signed header (names lower-case and
    sorted, values stripped, each line ending in a newline); ``signed`` is those names joined
    by ``;``.
    """
    canonical_request = "\n".join(
        (
            method.upper(),
            "/" if path in {"", "/"} else quote(path, safe="/~"),
            canonical_query,
            canonical_headers,
            signed,
            hashed_payload,
        )
    )
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{ACS3_ALGORITHM}\n{digest}"
    return hmac.digest(secret.encode(), string_to_sign.encode(), "sha256").hex()


def sign_acs3(
    *,
    credentials: Credentials,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str],
    body: bytes,
    action: str,
    version: str,
    date: str,
    nonce: str,
    canonical_query: str | None = None,
) -> dict[str, str]:
    """Every header a V3-signed request needs, ``Authorization`` included.

    All of ``host`` and the ``x-acs-*`` headers are signed, as the official SDK does; with an STS
    token, ``x-acs-security-token`` and ``x-acs-accesskey-id`` are added (and signed).
    ``canonical_query``, if given, must be ``canonical_query_string(query)``: a caller that
    needs it for the URL anyway saves computing it twice.
    """
    hashed_payload = payload_sha256(body)
    # Built in sorted name order (names already lower-case), so the canonical headers and the
    # signed names come straight from the dict: nothing to lower-case or sort again.
    token = credentials.security_token
    headers = {"host": host}
    if token:
        headers["x-acs-accesskey-id"] = credentials.access_key_id
    headers["x-acs-action"] = action
    headers["x-acs-content-sha256"] = hashed_payload
    headers["x-acs-date"] = date
    if token:
        headers["x-acs-security-token"] = token
    headers["x-acs-signature-nonce"] = nonce
    headers["x-acs-version"] = version
    signed = ";".join(headers)
    signature = _acs3_signature(
        secret=credentials.access_key_secret,
        method=method,
        path=path,
        canonical_query=(
            canonical_query_string(query) if canonical_query is None else canonical_query
        ),
        canonical_headers="".join([f"{name}:{value.strip()}\n" for name, value in headers.items()]),
        signed=signed,
        hashed_payload=hashed_payload,
    )
    headers["Authorization"] = (
        f"{ACS3_ALGORITHM} Credential={credentials.access_key_id},"
        f"SignedHeaders={signed},Signature={signature}"
    )
    return headers


class Acs3Authorization(NamedTuple):
    """The parts of an ``Authorization: ACS3-HMAC-SHA256 ...`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_acs3_authorization(value: str) -> Acs3Authorization:
    """Split an ACS3 Authorization header; ``ValueError`` if it is not one (no value echoed)."""
    algorithm, _, rest = value.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val
    try:
        return Acs3Authorization(
            algorithm=algorithm,
            access_key_id=fields["Credential"],
            signed_headers=tuple(fields["SignedHeaders"].split(";")),
            signature=fields["Signature"],
        )
    except KeyError:
        raise ValueError("malformed ACS3 Authorization header") from None


def rpc_v1_signature(*, secret: str, method: str, params: Mapping[str, str]) -> str:
    """The base64 RPC V1 HMAC-SHA1 signature over ``params`` (``Signature`` itself excluded)."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    string_to_sign = (
        f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query_string(unsigned))}"
    )
    digest = hmac.digest(f"{secret}&".encode(), string_to_sign.encode(), "sha1")
    return base64.b64encode(digest).decode()


def sign_rpc_v1(
    *,
    credentials: Credentials,
    method: str,
    query: Mapping[str, str],
    action: str,
    version: str,
    timestamp: str,
    nonce: str,
) -> dict[str, str]:
    """The full RPC V1 query: ``query`` plus the common parameters plus ``Signature``."""
    params = dict(query)
    params.update(
        {
            "AccessKeyId": credentials.access_key_id,
            "Action": action,
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "Timestamp": timestamp,
            "Version": version,
        }
    )
    if credentials.security_token:
        params["SecurityToken"] = credentials.security_token
    params["Signature"] = rpc_v1_signature(
        secret=credentials.access_key_secret, method=method, params=params
    )
    return params

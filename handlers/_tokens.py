"""The ClientToken of a request: the same request, redelivered, always gets the same one.

The derivation (CONTRACT §3), first match wins:

1. the body's own ``ClientToken`` (or ``client_token``) when the API would take it: a string of
   1 to 64 ASCII characters;
2. else ``gaw-m-`` + the first 40 hex digits of SHA-256 over ``"message_id\\0" + message_id``
   (the AMQP ``message_id`` is the producer's idempotency key);
3. else ``gaw-b-`` + the first 40 hex digits of SHA-256 over the canonical body: the parsed
   JSON re-serialised with sorted keys and no whitespace (so re-serialising the same request
   does not change it), or the raw bytes when the body is not JSON.

The prefixes keep the derived spaces apart from each other and from ordinary caller tokens;
160 bits of hash keep unrelated requests apart. Derived tokens are 46 characters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

import orjson

from schemas.request import is_valid_client_token

__all__ = ["UNPARSED", "derive_client_token", "own_client_token"]

_HASH_HEX: Final = 40


class _Unparsed:
    """Marker: the body never became a JSON document."""

    def __repr__(self) -> str:
        return "UNPARSED"


UNPARSED: Final = _Unparsed()


def own_client_token(parameters: object) -> str | None:
    """The body's own ClientToken, if it has a usable one."""
    if not isinstance(parameters, Mapping):
        return None
    token = parameters.get("ClientToken", parameters.get("client_token"))
    return token if is_valid_client_token(token) else None


def derive_client_token(
    *, own: str | None, message_id: str | None, document: object, body: bytes
) -> str:
    """The request's ClientToken, by the derivation in this module's docstring."""
    if own is not None:
        return own
    if message_id:
        seed = b"message_id\0" + message_id.encode("utf-8", "surrogatepass")
        return "gaw-m-" + hashlib.sha256(seed).hexdigest()[:_HASH_HEX]
    return "gaw-b-" + hashlib.sha256(_canonical(document, body)).hexdigest()[:_HASH_HEX]


def _canonical(document: object, body: bytes) -> bytes:
    if document is UNPARSED:
        return body
    try:
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: the bytes still identify it
        return body

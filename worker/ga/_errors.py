"""The one place where failures on the way to the GA API become ``schemas.errors``.

:func:`translate` turns either a third-party exception (aiohttp, asyncio timeouts, JSON decoding)
or an HTTP error answer of the API into exactly one :class:`~schemas.errors.ApiError`:

- retryable (:class:`ApiUnavailable`): any 5xx, HTTP 429, ``Throttling*``,
  ``Rejected.Throttling``, ``ServiceUnavailable``, ``UnknownError``, ``InternalError``,
  ``SystemBusy``, ``StateError.Accelerator``, ``NotActive.Listener``, and ``SignatureNonceUsed``
  (our nonce is random per attempt, so a clash is a fluke that a fresh nonce cures);
- no answer at all (:class:`TransportFailed`, retryable): connection errors, timeouts, a body
  that is not the JSON object the API always sends; its code is the exception's class name;
- refused credentials (:class:`AuthFailed`, final): ``Forbidden*``, ``Forbbiden*`` (the API's
  own spelling), ``NoPermission*``, ``InvalidAccessKeyId*``, ``InvalidSecurityToken*``,
  ``SignatureDoesNotMatch``, ``IncompleteSignature``, ``InvalidTimeStamp*``;
- everything else (:class:`ApiRefused`, final).

Messages carry no URL query (RPC V1 puts the signature there), header or secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import aiohttp
import orjson

from schemas.errors import ApiError, ApiRefused, ApiUnavailable, AuthFailed, TransportFailed

__all__ = ["TRANSLATED", "ErrorAnswer", "is_auth_code", "is_retryable_code", "translate"]

#: The exception types :func:`translate` accepts; anything else is a bug and propagates as is.
#: ``ValueError`` covers JSON decoding (``orjson.JSONDecodeError``) and malformed answers,
#: ``OSError`` the socket errors aiohttp lets through unwrapped.
TRANSLATED: Final = (aiohttp.ClientError, TimeoutError, OSError, ValueError)

_RETRYABLE_CODES: Final = frozenset(
    {
        "Rejected.Throttling",
        "ServiceUnavailable",
        "UnknownError",
        "InternalError",
        "SystemBusy",
        "StateError.Accelerator",
        "NotActive.Listener",
        "SignatureNonceUsed",
    }
)
_RETRYABLE_PREFIXES: Final = ("Throttling",)
_AUTH_CODES: Final = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
_AUTH_PREFIXES: Final = (
    "Forbidden",
    "Forbbiden",
    "NoPermission",
    "InvalidAccessKeyId",
    "InvalidSecurityToken",
    "InvalidTimeStamp",
)
_MAX_MESSAGE = 300
_QUERY = re.compile(r"\?[^\s'\">]*")


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """An HTTP answer that is not a success: status, raw body, the RequestId header if any."""

    status: int
    body: bytes
    request_id: str | None = None


def is_retryable_code(code: str) -> bool:
    """Whether the API's ``Code`` names a transient condition worth another attempt."""
    return code in _RETRYABLE_CODES or code.startswith(_RETRYABLE_PREFIXES)


def is_auth_code(code: str) -> bool:
    """Whether the API's ``Code`` refuses the credentials, signature, clock or permission."""
    return code in _AUTH_CODES or code.startswith(_AUTH_PREFIXES)


def _safe_text(text: str) -> str:
    return _QUERY.sub("?…", text)[:_MAX_MESSAGE]


def _from_answer(answer: ErrorAnswer) -> ApiError:
    code = message = ""
    request_id = answer.request_id
    try:
        payload = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        payload = None
    if isinstance(payload, dict):
        code = str(payload.get("Code") or payload.get("code") or "")
        message = str(payload.get("Message") or payload.get("message") or "")
        request_id = str(payload.get("RequestId") or payload.get("requestId") or "") or request_id
    code = code or f"HTTP{answer.status}"
    kind: type[ApiError] = ApiRefused
    if answer.status >= 500 or answer.status == 429 or is_retryable_code(code):
        kind = ApiUnavailable
    elif is_auth_code(code):
        kind = AuthFailed
    return kind(
        code=code, message=_safe_text(message), http_status=answer.status, request_id=request_id
    )


def translate(failure: BaseException | ErrorAnswer) -> ApiError:
    """Map a failure to the exception tree; ``TypeError`` for an exception not in TRANSLATED."""
    if isinstance(failure, ErrorAnswer):
        return _from_answer(failure)
    if isinstance(failure, TRANSLATED):
        name = type(failure).__name__
        if isinstance(failure, ValueError) and not isinstance(failure, aiohttp.ClientError):
            name = "MalformedResponse"
        try:
            text = str(failure)
        except Exception:  # a broken __str__ must not hide the real failure
            text = ""
        return TransportFailed(code=name, message=_safe_text(text) or type(failure).__name__)
    raise TypeError(f"not a transport failure: {type(failure).__name__}") from None

"""From request bytes to the CreateListener parameters: size, content type, JSON, CloudEvents.

Every refusal is a :class:`schemas.errors.RequestInvalid` (a ``validation_error`` outcome; the API
is never called). Messages quote nothing of the body and at most a short prefix of the content
type, because both come from outside and may be huge or hostile.
"""

from __future__ import annotations

import binascii
from typing import Final

import orjson

from schemas.errors import INVALID_PARAMETER, RequestInvalid, Violation
from schemas.outcome import CE_CONTENT_TYPE

__all__ = ["MAX_BODY_BYTES", "parameters_of", "parse_document", "request_parameters"]

MAX_BODY_BYTES: Final = 256 * 1024  # CONTRACT §3

# A missing content type is common with hand-written producers; text/json is an old alias.
_JSON_TYPES: Final = frozenset({"", "application/json", "text/json", CE_CONTENT_TYPE})


def _refuse(path: str, message: str) -> RequestInvalid:
    return RequestInvalid([Violation(path, INVALID_PARAMETER, message)])


def _media_type(content_type: str | None) -> str:
    """``Application/JSON; charset=utf-8`` -> ``application/json``; ``None`` -> ``""``."""
    if not content_type:
        return ""
    return content_type.partition(";")[0].strip().lower()


def _is_json_media_type(media_type: str) -> bool:
    return media_type in _JSON_TYPES or media_type.endswith("+json")


def parse_document(body: bytes, content_type: str | None) -> tuple[object, bool]:
    """Check size and content type, parse the JSON once; return it and whether it is a CloudEvent.

    A body is read as a structured-mode CloudEvent when the content type says so, or when a JSON
    object carries ``specversion`` (CloudEvents sent as plain ``application/json``).
    """
    if len(body) > MAX_BODY_BYTES:
        raise _refuse("", f"the body is {len(body)} bytes, over the limit of {MAX_BODY_BYTES}")
    media_type = _media_type(content_type)
    if media_type not in _JSON_TYPES:
        shown = content_type[:64] if content_type else content_type
        raise _refuse(
            "",
            f"content type {shown!r} is not supported: send application/json or {CE_CONTENT_TYPE}",
        )
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _refuse("", f"the body is not JSON: {str(exc)[:120]}") from None
    structured = media_type == CE_CONTENT_TYPE or (
        isinstance(document, dict) and "specversion" in document
    )
    return document, structured


def parameters_of(document: object, *, structured: bool) -> object:
    """The CreateListener parameters: the document itself, or a CloudEvent's ``data``.

    ``data`` must be a JSON object, or ``data_base64`` the base64 of one. What the parameters
    hold is :func:`schemas.request.parse_request`'s business, not this function's.
    """
    if not structured:
        return document
    if not isinstance(document, dict):
        raise _refuse("", "a CloudEvents envelope must be a JSON object")
    if document.get("specversion") != "1.0":
        raise _refuse("specversion", "only CloudEvents specversion 1.0 is supported")
    datacontenttype = document.get("datacontenttype")
    if datacontenttype is not None and not (
        isinstance(datacontenttype, str) and _is_json_media_type(_media_type(datacontenttype))
    ):
        raise _refuse("datacontenttype", "the event's data must be application/json")
    if "data" in document:
        if "data_base64" in document:
            raise _refuse("data_base64", "an event carries data or data_base64, not both")
        data = document["data"]
    elif "data_base64" in document:
        data = _decode_base64_json(document["data_base64"])
    else:
        raise _refuse("data", "the event has no data: put the parameters in data")
    if not isinstance(data, dict):
        raise _refuse("data", "the event's data must be a JSON object of CreateListener parameters")
    return data


def request_parameters(body: bytes, content_type: str | None = None) -> object:
    """The CreateListener parameters of a message body, checked exactly as the pipeline does.

    For callers outside the pipeline (the ``validate``, ``submit`` and ``demo`` commands): size,
    content type, JSON and the CloudEvents envelope; raises ``RequestInvalid``. Feed the result
    to ``parse_request``.
    """
    document, structured = parse_document(body, content_type)
    return parameters_of(document, structured=structured)


def _decode_base64_json(value: object) -> object:
    if not isinstance(value, str):
        raise _refuse("data_base64", "data_base64 must be a base64 string")
    try:
        raw = binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        raise _refuse("data_base64", "data_base64 is not valid base64") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _refuse("data_base64", "data_base64 does not hold JSON") from None

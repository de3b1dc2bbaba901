"""The one translation of failures into the exception tree, and its completeness."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from schemas.errors import ApiError, ApiRefused, ApiUnavailable, AuthFailed, TransportFailed
from worker.ga._errors import TRANSLATED, ErrorAnswer, translate


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


AIOHTTP_ERRORS = sorted(_subclasses(aiohttp.ClientError) | {aiohttp.ClientError}, key=str)

# The reference's error table (CreateListener), plus the codes every Alibaba API may answer.
CODES = [
    (400, "Resource.QuotaFull", ApiRefused),
    (400, "ProtocalIllegal.Listener", ApiRefused),
    (400, "NotExist.Accelerator", ApiRefused),
    (400, "StateError.Accelerator", ApiUnavailable),
    (400, "QuotaExceeded.Listener", ApiRefused),
    (400, "QuotaExceeded.ListenerPort", ApiRefused),
    (400, "NotExist.ListenerPort", ApiRefused),
    (400, "PortRangeIllegal.Listener", ApiRefused),
    (400, "PortRangeIllegal.Count", ApiRefused),
    (400, "PortConflict.Listener", ApiRefused),
    (400, "PortRangeIllegal.ExceedGaAbility", ApiRefused),
    (400, "PortRangeIllegal.UDP", ApiRefused),
    (400, "SystemPort.Listener", ApiRefused),
    (400, "PortRanges.MustOne", ApiRefused),
    (400, "SecurityPolicyId.NotNeed", ApiRefused),
    (400, "SecurityPolicyIdIllegal.Listener", ApiRefused),
    (403, "Forbbiden.SubUser", AuthFailed),
    (403, "Forbidden", AuthFailed),
    (403, "Forbidden.RAM", AuthFailed),
    (403, "NoPermission", AuthFailed),
    (500, "UnknownError", ApiUnavailable),
    (400, "Throttling", ApiUnavailable),
    (400, "Throttling.User", ApiUnavailable),
    (400, "Throttling.Api", ApiUnavailable),
    (400, "Rejected.Throttling", ApiUnavailable),
    (503, "ServiceUnavailable", ApiUnavailable),
    (500, "InternalError", ApiUnavailable),
    (400, "SystemBusy", ApiUnavailable),
    (400, "NotActive.Listener", ApiUnavailable),
    (400, "SignatureNonceUsed", ApiUnavailable),
    (404, "InvalidAccessKeyId.NotFound", AuthFailed),
    (400, "InvalidAccessKeyId.Inactive", AuthFailed),
    (400, "SignatureDoesNotMatch", AuthFailed),
    (400, "IncompleteSignature", AuthFailed),
    (400, "InvalidTimeStamp.Expired", AuthFailed),
    (400, "InvalidSecurityToken.Expired", AuthFailed),
    (400, "MissingParameter", ApiRefused),
    (400, "InvalidParameter", ApiRefused),
    (404, "NotExist.Listener", ApiRefused),
    (502, "Whatever", ApiUnavailable),
    (429, "TooMany", ApiUnavailable),
]


@pytest.mark.parametrize(("status", "code", "kind"), CODES, ids=[c for _, c, _ in CODES])
def test_api_codes_map_to_their_kind(status: int, code: str, kind: type[ApiError]) -> None:
    """Every known code maps to exactly its kind and keeps status, code, message, RequestId."""
    body = orjson.dumps({"RequestId": "rid-1", "Code": code, "Message": "m", "HostId": "h"})
    error = translate(ErrorAnswer(status, body))
    expected = (kind, code, "m", status, "rid-1", kind is ApiUnavailable)
    actual = (
        type(error),
        error.code,
        error.api_message,
        error.http_status,
        error.request_id,
        error.retryable,
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("status", "kind"), [(502, ApiUnavailable), (404, ApiRefused), (429, ApiUnavailable)]
)
def test_non_json_answers_are_classified_by_status(status: int, kind: type[ApiError]) -> None:
    """An HTML error page (a proxy's) is classified by status, with code HTTP<status>."""
    error = translate(ErrorAnswer(status, b"<html>bad gateway</html>", "hdr-rid"))
    expected = (kind, f"HTTP{status}", "hdr-rid")
    assert expected == (type(error), error.code, error.request_id)


@pytest.mark.parametrize("cls", AIOHTTP_ERRORS, ids=lambda c: c.__name__)
def test_every_aiohttp_error_is_a_transport_failure(cls: type[BaseException]) -> None:
    """Every aiohttp ClientError subclass, however built, becomes a retryable TransportFailed."""
    exc = cls.__new__(cls)
    error = translate(exc)
    assert isinstance(error, TransportFailed)
    assert error.retryable


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (TimeoutError(), "TimeoutError"),
        (ConnectionResetError(104, "reset"), "ConnectionResetError"),
        (orjson.JSONDecodeError("bad", "{", 0), "MalformedResponse"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), "MalformedResponse"),
        (ValueError("no ListenerId"), "MalformedResponse"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_other_transport_failures(exc: BaseException, code: str) -> None:
    """Timeouts, socket errors and undecodable answers are TransportFailed named by kind."""
    error = translate(exc)
    expected = (TransportFailed, code)
    assert expected == (type(error), error.code)


def test_translated_covers_what_the_transport_catches() -> None:
    """The exceptions the transport catches are exactly the ones translate accepts."""
    for exc_type in TRANSLATED:
        assert isinstance(translate(exc_type.__new__(exc_type)), ApiError)


def test_anything_else_is_a_bug() -> None:
    """An exception outside TRANSLATED is not swallowed into the tree."""
    with pytest.raises(TypeError, match="KeyError"):
        translate(KeyError("x"))


def test_messages_drop_url_queries() -> None:
    """A URL's query (an RPC V1 signature) never reaches the message."""
    exc = aiohttp.InvalidURL("http://h/?Signature=abc%3D&AccessKeyId=testid")
    error = translate(exc)
    assert "Signature" not in str(error)
    assert "abc" not in error.api_message

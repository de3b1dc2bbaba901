"""Tests of handlers._envelope: size, content type, JSON and CloudEvents unwrapping."""

from __future__ import annotations

import base64

import orjson
import pytest

from handlers._envelope import MAX_BODY_BYTES, parameters_of, parse_document
from schemas.errors import RequestInvalid

PARAMS = {"AcceleratorId": "ga-bp1x", "Protocol": "tcp"}
PARAMS_JSON = orjson.dumps(PARAMS)


def _event(**fields: object) -> bytes:
    return orjson.dumps({"specversion": "1.0", "id": "e-1", "source": "t", "type": "x", **fields})


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "Application/JSON; charset=utf-8",
        "text/json",
        " application/json ",
    ],
)
def test_json_content_types_are_accepted(content_type: str | None) -> None:
    """Plain JSON under any accepted content type parses to the document itself."""
    document, structured = parse_document(PARAMS_JSON, content_type)
    expected = (PARAMS, False)
    assert expected == (document, structured)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/octet-stream",
        "application/cloudevents-batch+json",
    ],
)
def test_other_content_types_are_refused(content_type: str) -> None:
    """A content type that is not JSON is a validation error before the body is read."""
    with pytest.raises(RequestInvalid) as caught:
        parse_document(PARAMS_JSON, content_type)
    expected = ("", "InvalidParameter")
    assert expected == (caught.value.violations[0].path, caught.value.code)


def test_long_content_type_is_not_echoed_whole() -> None:
    """A hostile content type shows up in the message at most as a short prefix."""
    with pytest.raises(RequestInvalid) as caught:
        parse_document(PARAMS_JSON, "x" * 10_000)
    assert len(caught.value.message) < 300


def test_body_at_the_limit_is_read() -> None:
    """Exactly 256 KiB is allowed."""
    body = PARAMS_JSON[:-1] + b',"Description":"' + b"a" * MAX_BODY_BYTES
    body = body[: MAX_BODY_BYTES - 2] + b'"}'
    document, _ = parse_document(body, "application/json")
    assert isinstance(document, dict)


def test_body_over_the_limit_is_refused() -> None:
    """One byte over 256 KiB is a validation error, whatever the bytes."""
    with pytest.raises(RequestInvalid) as caught:
        parse_document(b" " * (MAX_BODY_BYTES + 1), "application/json")
    assert "over the limit" in caught.value.violations[0].message


@pytest.mark.parametrize(
    "body", [b"", b"{", b"not json", b"\xff\xfe{}", b'{"a": 1} trailing', b"[1e400]"]
)
def test_bodies_that_are_not_json_are_refused(body: bytes) -> None:
    """Anything orjson cannot read is a validation error."""
    with pytest.raises(RequestInvalid) as caught:
        parse_document(body, "application/json")
    assert caught.value.violations[0].message.startswith("the body is not JSON")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_event(data=PARAMS), "application/cloudevents+json"),
        (_event(data=PARAMS), "application/json"),
        (_event(data=PARAMS), None),
        (_event(data=PARAMS, datacontenttype="application/json"), "application/cloudevents+json"),
        (_event(data_base64=base64.b64encode(PARAMS_JSON).decode()), "application/json"),
    ],
)
def test_cloudevents_envelopes_yield_their_data(body: bytes, content_type: str | None) -> None:
    """A structured-mode CloudEvent is unwrapped to its data, also when sent as plain JSON."""
    document, structured = parse_document(body, content_type)
    expected = PARAMS
    assert expected == parameters_of(document, structured=structured)


def _parameters(body: bytes) -> object:
    document, structured = parse_document(body, "application/cloudevents+json")
    return parameters_of(document, structured=structured)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (orjson.dumps([PARAMS]), ""),
        (orjson.dumps(PARAMS), "specversion"),
        (_event(specversion="0.3", data=PARAMS), "specversion"),
        (_event(), "data"),
        (_event(data="{}"), "data"),
        (_event(data=[PARAMS]), "data"),
        (_event(data=None), "data"),
        (_event(data=PARAMS, data_base64="e30="), "data_base64"),
        (_event(data_base64=12), "data_base64"),
        (_event(data_base64="%%%"), "data_base64"),
        (_event(data_base64="é"), "data_base64"),
        (_event(data_base64=base64.b64encode(b"nope").decode()), "data_base64"),
        (_event(data_base64=base64.b64encode(b"[1]").decode()), "data"),
        (_event(data=PARAMS, datacontenttype="application/xml"), "datacontenttype"),
        (_event(data=PARAMS, datacontenttype=7), "datacontenttype"),
    ],
)
def test_broken_envelopes_are_refused(body: bytes, path: str) -> None:
    """Every way a CloudEvents envelope can be broken is a validation error at its field."""
    with pytest.raises(RequestInvalid) as caught:
        _parameters(body)
    assert path == caught.value.violations[0].path


def test_missing_data_is_an_invalid_parameter() -> None:
    """An event without data is ``InvalidParameter``, the generic code (CONTRACT §4)."""
    document, _ = parse_document(_event(), None)
    with pytest.raises(RequestInvalid) as caught:
        parameters_of(document, structured=True)
    expected = "InvalidParameter"
    assert expected == caught.value.code


def test_plain_json_that_is_not_an_object_is_left_to_the_request_parser() -> None:
    """Only envelopes are checked here: a JSON array body passes through unchanged."""
    document, structured = parse_document(b"[1, 2]", "application/json")
    expected = [1, 2]
    assert expected == parameters_of(document, structured=structured)

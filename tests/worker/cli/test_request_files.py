"""Tests of worker.cli._request_files: message ids and content types of request files."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest

from worker.cli._request_files import message_id_for, read_request_file


def test_same_json_same_id_whatever_the_formatting() -> None:
    """Re-indenting or reordering a file keeps its message_id, so re-submitting is idempotent."""
    compact = b'{"AcceleratorId":"ga-1","Protocol":"tcp"}'
    spread = b'{\n  "Protocol": "tcp",\n  "AcceleratorId": "ga-1"\n}\n'

    assert message_id_for(compact) == message_id_for(spread)


def test_different_requests_different_ids() -> None:
    """Two different requests never share a message_id."""
    first, _ = message_id_for(b'{"AcceleratorId": "ga-1"}')
    second, _ = message_id_for(b'{"AcceleratorId": "ga-2"}')

    assert first != second


@pytest.mark.parametrize(
    "body",
    [b'{"ClientToken": "tok-1", "Protocol": "tcp"}', b'{"client_token": "tok-1"}'],
)
def test_client_token_is_the_message_id(body: bytes) -> None:
    """A request with its own ClientToken is sent with that token as its message_id."""
    expected = ("tok-1", "application/json")
    assert expected == message_id_for(body)


def test_cloudevents_envelope() -> None:
    """A CloudEvents envelope is sent as such, with the ClientToken of its data."""
    body = b'{"specversion": "1.0", "type": "x", "data": {"ClientToken": "tok-2"}}'

    expected = ("tok-2", "application/cloudevents+json")
    assert expected == message_id_for(body)


def test_not_json_hashes_the_bytes() -> None:
    """A body that is not JSON still gets a stable id (the worker answers validation_error)."""
    first, content_type = message_id_for(b"not json")

    assert (first, "application/json") == (message_id_for(b"not json")[0], content_type)
    assert first != message_id_for(b"not json either")[0]


def test_read_request_file(tmp_path: Path) -> None:
    """Reading a file keeps its bytes as they are."""
    path = tmp_path / "req.json"
    path.write_bytes(b'{"ClientToken": "abc"}')

    request = read_request_file(path)

    expected = (b'{"ClientToken": "abc"}', "abc", "req.json")
    assert expected == (request.body, request.message_id, request.name)


def test_cloudevents_envelope_with_data_base64() -> None:
    """The ClientToken inside data_base64 is the message id, as the worker would read it."""
    encoded = base64.b64encode(b'{"ClientToken": "tok-3"}').decode()
    body = orjson.dumps(
        {"specversion": "1.0", "id": "e", "source": "s", "type": "x", "data_base64": encoded}
    )

    expected = ("tok-3", "application/cloudevents+json")
    assert expected == message_id_for(body)

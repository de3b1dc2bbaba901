"""Tests of handlers._tokens: the ClientToken derivation."""

from __future__ import annotations

import orjson
import pytest

from handlers._tokens import UNPARSED, derive_client_token, own_client_token


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"ClientToken": "abc-123"}, "abc-123"),
        ({"client_token": "abc-123"}, "abc-123"),
        ({"ClientToken": "x" * 64}, "x" * 64),
        ({"ClientToken": "x" * 65}, None),
        ({"ClientToken": ""}, None),
        ({"ClientToken": "tökén"}, None),
        ({"ClientToken": 12}, None),
        ({"ClientToken": None}, None),
        ({}, None),
        ([{"ClientToken": "abc"}], None),
        ("ClientToken", None),
    ],
)
def test_own_client_token(parameters: object, expected: str | None) -> None:
    """A body's own token is used only when the API would take it: 1-64 ASCII characters."""
    assert expected == own_client_token(parameters)


def test_own_token_wins() -> None:
    """The body's own token beats the message id and the body hash."""
    token = derive_client_token(own="mine", message_id="m-1", document={}, body=b"{}")
    expected = "mine"
    assert expected == token


def test_message_id_token_is_deterministic_and_valid() -> None:
    """The same message id always gives the same token, whatever the body; 46 ASCII chars."""
    first = derive_client_token(own=None, message_id="m-1", document={"a": 1}, body=b"x")
    again = derive_client_token(own=None, message_id="m-1", document={"b": 2}, body=b"y")
    other = derive_client_token(own=None, message_id="m-2", document={"a": 1}, body=b"x")
    expected = (first, True, 46, True)
    assert expected == (again, first.startswith("gaw-m-"), len(first), first != other)


def test_message_id_with_lone_surrogate_is_hashed() -> None:
    """A message id that is not encodable as plain UTF-8 still derives a token."""
    token = derive_client_token(own=None, message_id="\udc80", document=UNPARSED, body=b"")
    assert token.startswith("gaw-m-")


def test_body_token_ignores_key_order_and_whitespace() -> None:
    """Without a message id, the canonical body decides: re-serialising changes nothing."""
    one = orjson.loads(b'{"a": 1, "b": [1, {"c": 2, "d": 3}]}')
    two = orjson.loads(b'{"b":[1,{"d":3,"c":2}],"a":1}')
    token_one = derive_client_token(own=None, message_id=None, document=one, body=b"1")
    token_two = derive_client_token(own=None, message_id="", document=two, body=b"2")
    assert (token_one, True) == (token_two, token_one.startswith("gaw-b-"))


def test_body_token_differs_for_different_bodies() -> None:
    """Different requests get different tokens."""
    one = derive_client_token(own=None, message_id=None, document={"a": 1}, body=b"")
    two = derive_client_token(own=None, message_id=None, document={"a": 2}, body=b"")
    assert one != two


def test_unparsed_body_hashes_its_bytes() -> None:
    """A body that never became JSON is identified by its bytes."""
    one = derive_client_token(own=None, message_id=None, document=UNPARSED, body=b"\x00\x01")
    two = derive_client_token(own=None, message_id=None, document=UNPARSED, body=b"\x00\x01")
    three = derive_client_token(own=None, message_id=None, document=UNPARSED, body=b"\x00\x02")
    assert (one, True) == (two, one != three)


def test_too_deep_for_orjson_falls_back_to_bytes() -> None:
    """A document nested deeper than orjson writes still derives a stable token."""
    deep: object = 1
    for _ in range(300):
        deep = [deep]
    one = derive_client_token(own=None, message_id=None, document=deep, body=b"deep")
    two = derive_client_token(own=None, message_id=None, document=deep, body=b"deep")
    assert one == two

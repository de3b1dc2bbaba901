"""Primitive field types that accept exactly what the GA API accepts on the wire.

The API receives every parameter as a query-string value, so ``"80"`` is as good as ``80`` and
``"True"`` as good as ``true``. pydantic's lax mode goes further than the API would (a JSON
``true`` becomes port 1, ``"yes"`` becomes ``True``, ``80.0`` becomes 80) and its strict mode
refuses the query-string forms the emulator hands back through ``wire.from_query``. These
validators sit in between. They also refuse strings that cannot be UTF-8 encoded (lone
surrogates), which would otherwise only fail much later, while signing the request.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

_INT_TEXT = re.compile(r"[+-]?[0-9]{1,18}")
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


def _wire_int(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str and _INT_TEXT.fullmatch(value):
        return int(value)
    raise PydanticCustomError("wire_int", "must be an integer")


def _wire_bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    if type(value) is str:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    raise PydanticCustomError("wire_bool", "must be true or false")


def _wire_str(value: Any) -> Any:
    if type(value) is not str:
        raise PydanticCustomError("wire_str", "must be a string")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise PydanticCustomError("wire_str", "must be valid Unicode text") from None
    return value


def _empty_as_none(value: list[Any] | None) -> list[Any] | None:
    return value or None


def _lower(value: Any) -> Any:
    return value.lower() if type(value) is str else value


WireInt = Annotated[int, BeforeValidator(_wire_int)]
"""An integer: a JSON integer (never a boolean, never a float) or its decimal text."""

WireBool = Annotated[bool, BeforeValidator(_wire_bool)]
"""A boolean: JSON ``true``/``false`` or the text ``true``/``True``/``false``/``False``."""

WireStr = Annotated[str, BeforeValidator(_wire_str)]
"""A string that can travel in a UTF-8 query string."""

Item = TypeVar("Item")
WireList = Annotated[list[Item] | None, AfterValidator(_empty_as_none)]
"""An optional list; empty is the same as absent, as on the wire (the SDK sends nothing)."""

Lowercased = BeforeValidator(_lower)
"""Put in front of a ``Literal`` of lower-case values to accept any case."""

"""The CreateListener query: ``schemas.wire.to_query`` once it exists, else a local flattening.

``schemas.wire`` (the foundation issue) owns the SDK-identical encoding. Until it lands, this
adapter flattens the request's wire-name dump the way the official SDK does (``Key.N.Sub``,
lists from 1, booleans ``true``/``false``), so the client works against either.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any, cast

from schemas.request import CreateListenerRequest

__all__ = ["flatten", "to_query"]

_Encoder = Callable[[CreateListenerRequest], dict[str, str]]


def flatten(value: Any, prefix: str = "", out: dict[str, str] | None = None) -> dict[str, str]:
    """SDK-style flattening of nested dicts/lists into ``{"A.1.B": "v"}``; ``None`` omitted."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            flatten(item, f"{prefix}.{index}", out)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is not None:
        out[prefix] = str(value)
    return out


@cache
def _encoder() -> _Encoder | None:
    try:
        module = importlib.import_module("schemas.wire")
    except ImportError:
        return None
    return cast("_Encoder", module.to_query)


def to_query(request: CreateListenerRequest) -> dict[str, str]:
    """The flattened CreateListener parameters (without ``Action`` and signing parameters)."""
    encoder = _encoder()
    if encoder is not None:
        return dict(encoder(request))
    return flatten(request.model_dump(mode="json", by_alias=True, exclude_none=True))

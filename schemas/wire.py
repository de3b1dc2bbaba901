"""The CreateListener request on the wire: flattened query parameters, and back.

The official SDK sends every parameter in the query string, nested ones flattened as
``Key.N.Sub`` with list positions from 1 (``alibabacloud_tea_openapi.utils.Utils.query``).
``to_query`` produces exactly that, except that booleans are written ``true``/``false`` (the SDK
writes Python's ``True``/``False``; the API takes both). ``from_query`` undoes it, so that a
server (the emulator) can run ``parse_request(from_query(params))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.request import CreateListenerRequest

# The RPC-style common parameters that travel beside the operation's own (signature V1 puts
# them in the query; V3 in headers). They are not CreateListener parameters.
COMMON_PARAMETERS = frozenset(
    {
        "AccessKeyId",
        "Action",
        "Format",
        "SecurityToken",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureType",
        "SignatureVersion",
        "Timestamp",
        "Version",
    }
)
# Deeper than any CreateListener parameter (nine parts); longer keys are kept whole, as unknown.
_MAX_PARTS = 12


def to_query(request: CreateListenerRequest) -> dict[str, str]:
    """The query parameters the official SDK sends for ``request``; unset fields omitted."""
    out: dict[str, str] = {}
    _flatten(request.model_dump(by_alias=True, exclude_none=True), "", out)
    return out


def _flatten(value: Any, key: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _flatten(item, f"{key}.{name}" if key else name, out)
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            _flatten(item, f"{key}.{index}", out)
    elif value is True:
        out[key] = "true"
    elif value is False:
        out[key] = "false"
    elif value is not None:
        out[key] = str(value)


def from_query(params: Mapping[str, str]) -> dict[str, Any]:
    """The nested request body behind flattened query parameters (values stay strings).

    ``PortRanges.1.FromPort=80`` becomes ``{"PortRanges": [{"FromPort": "80"}]}``: numeric
    parts are list positions (kept in order, gaps closed). Common RPC parameters (``Action``,
    ``Signature``, ...) are left out. Whatever the input, the result is plain data that
    ``parse_request`` can judge; a key that is both a value and a container keeps the container.
    """
    root: dict[str, Any] = {}
    for key, value in params.items():
        if key in COMMON_PARAMETERS:
            continue
        parts = key.split(".")
        if len(parts) > _MAX_PARTS:
            parts = [key]
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    return {key: _listify(value) for key, value in root.items()}


def _position(item: tuple[str, Any]) -> tuple[int, str]:
    digits = item[0].lstrip("0")  # numeric order without int(): keys may be any length
    return len(digits), digits


def _listify(node: Any) -> Any:
    """Dicts whose keys are all positions become lists, in position order."""
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() and key.isascii() for key in node):
        ordered = sorted(node.items(), key=_position)
        return [_listify(value) for _, value in ordered]
    return {key: _listify(value) for key, value in node.items()}


__all__ = ["COMMON_PARAMETERS", "from_query", "to_query"]

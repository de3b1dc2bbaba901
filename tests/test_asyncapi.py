"""Tests of worker.asyncapi and docs/asyncapi.yaml: the AsyncAPI document of the contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from schemas.outcome import ErrorType
from worker.asyncapi import build_document, render_yaml

_DOC = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.yaml"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_committed_document_is_up_to_date() -> None:
    """docs/asyncapi.yaml is what the models generate (regenerate with
    ``python -m worker.asyncapi > docs/asyncapi.yaml``)."""
    expected = render_yaml(build_document())
    assert expected == _DOC.read_text(encoding="utf-8"), (
        "docs/asyncapi.yaml is stale: python -m worker.asyncapi > docs/asyncapi.yaml"
    )


def test_every_reference_resolves() -> None:
    """Every local $ref of the document points at something."""
    document = yaml.safe_load(_DOC.read_text(encoding="utf-8"))

    unresolved = []
    for ref in _refs(document):
        try:
            _resolve(document, ref)
        except (KeyError, TypeError):
            unresolved.append(ref)

    assert not unresolved, unresolved


def test_failed_routing_keys_name_every_error_type() -> None:
    """The listener.failed.{errorType} channel lists exactly the error types of the outcomes."""
    channel = build_document()["channels"]["listenerFailed"]

    expected = [member.value for member in ErrorType]
    assert expected == channel["parameters"]["errorType"]["enum"]


def test_payloads_use_wire_names() -> None:
    """The request schema uses the API's parameter names, as producers must send them."""
    schema = build_document()["components"]["schemas"]["CreateListenerRequest"]

    assert {"AcceleratorId", "PortRanges", "Protocol"} <= set(schema["properties"])

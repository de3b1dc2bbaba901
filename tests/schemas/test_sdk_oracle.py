"""The official SDK (alibabacloud-ga20191120) as oracle for schemas.request and schemas.wire.

The SDK is a dev-only dependency: only tests import it.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from pathlib import Path
from typing import Any

import orjson
import pytest
from alibabacloud_ga20191120 import models as sdk_models
from alibabacloud_ga20191120.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from pydantic import BaseModel

from schemas.request import CreateListenerRequest, parse_request
from schemas.wire import to_query

DATA = Path(__file__).parent / "data"
RICH = sorted(DATA.glob("rich-*.json"))


class _CapturedQueryError(Exception):
    """Carries the query the SDK built, instead of sending it."""


def sdk_query(body: dict[str, Any]) -> dict[str, str]:
    """What the SDK's ``create_listener`` puts in the query for the same parameters."""
    client = Client(
        Config(
            access_key_id="id", access_key_secret="secret", endpoint="ga.cn-hangzhou.aliyuncs.com"
        )
    )

    def call_api(params: Any, request: Any, runtime: Any) -> Any:
        raise _CapturedQueryError(request.query)

    client.call_api = call_api  # type: ignore[method-assign]
    with pytest.raises(_CapturedQueryError) as captured:
        client.create_listener(sdk_models.CreateListenerRequest().from_map(body))
    query: dict[str, str] = captured.value.args[0]
    return query


def _booleans_as_ours(query: dict[str, str]) -> dict[str, str]:
    spelled = {"True": "true", "False": "false"}
    return {key: spelled.get(value, value) for key, value in query.items()}


@pytest.mark.parametrize("path", RICH, ids=lambda p: p.name)
def test_query_equals_the_sdk(path: Path) -> None:
    """A rich request flattens to exactly the SDK's query (booleans spelled true/false)."""
    request = parse_request(orjson.loads(path.read_bytes()))
    wire_body = request.model_dump(by_alias=True, exclude_none=True)

    assert _booleans_as_ours(sdk_query(wire_body)) == to_query(request)


def test_rich_requests_cover_every_parameter() -> None:
    """Between them the rich requests set every parameter the SDK knows."""
    seen: set[str] = set()
    for path in RICH:
        request = parse_request(orjson.loads(path.read_bytes()))
        seen.update(_general(key) for key in to_query(request))

    assert sdk_wire_names() == seen


def _general(key: str) -> str:
    return re.sub(r"\.\d+(?=\.|$)", ".N", key)


def _sdk_sample(cls: type) -> Any:
    """An instance of an SDK model with every field set (nested models too)."""
    hints = inspect.signature(cls.__init__).parameters
    values: dict[str, Any] = {}
    for name, parameter in hints.items():
        if name == "self":
            continue
        values[name] = _sdk_value(str(parameter.annotation))
    return cls(**values)


def _sdk_value(annotation: str) -> Any:
    inner = re.fullmatch(r"List\[(.+)\]", annotation)
    if inner:
        return [_sdk_value(inner.group(1))]
    if annotation.startswith("main_models."):
        return _sdk_sample(getattr(sdk_models, annotation.removeprefix("main_models.")))
    return {"str": "s", "int": 1, "bool": True}[annotation]


def sdk_wire_names() -> set[str]:
    """Every query key the SDK can send for CreateListener, list positions written ``N``."""
    sample = _sdk_sample(sdk_models.CreateListenerRequest)
    return {_general(key) for key in sdk_query(sample.to_map())}


def schema_wire_names(model: type[BaseModel] = CreateListenerRequest, prefix: str = "") -> set[str]:
    """Every query key our model can produce, list positions written ``N``."""
    names: set[str] = set()
    for info in model.model_fields.values():
        key = f"{prefix}{info.serialization_alias or info.alias}"
        annotation = _without_none(info.annotation)
        if typing.get_origin(annotation) is list:
            key = f"{key}.N"
            annotation = _without_none(typing.get_args(annotation)[0])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= schema_wire_names(annotation, f"{key}.")
        else:
            names.add(key)
    return names


def _without_none(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _without_none(members[0])
    return annotation


def test_every_sdk_wire_name_is_known() -> None:
    """Every parameter the SDK can send is one the schema knows, under the same wire name."""
    assert set() == sdk_wire_names() - schema_wire_names()


def test_every_schema_wire_name_is_the_sdks() -> None:
    """The schema invents no parameter the SDK does not know."""
    assert set() == schema_wire_names() - sdk_wire_names()


def test_the_oracle_sees_nested_names() -> None:
    """The SDK walk reaches the deepest parameters (so the comparisons above mean something)."""
    assert {
        "CustomRoutingEndpointGroupConfigurations.N.EndpointConfigurations.N"
        ".PolicyConfigurations.N.PortRanges.N.FromPort",
        "EndpointGroupConfigurations.N.EndpointConfigurations.N.VSwitchIds.N",
        "XForwardedForConfig.XForwardedForGaIdEnabled",
    } <= sdk_wire_names()

"""Property tests: parse_request judges any input, never crashes."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.errors import RequestInvalid
from schemas.request import CreateListenerRequest, parse_request
from schemas.wire import from_query
from tests.schemas._strategies import JSON, valid_bodies

FUZZ = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])


def _judge(data: object) -> None:
    violations = []
    try:
        result: object = parse_request(data)
    except RequestInvalid as exc:
        violations = exc.violations
        result = None
    assert violations or isinstance(result, CreateListenerRequest)
    assert all(isinstance(v.path, str) and v.code and v.message for v in violations)


@FUZZ
@given(JSON)
def test_arbitrary_json(data: Any) -> None:
    """Arbitrary JSON yields a model or RequestInvalid, nothing else."""
    _judge(data)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(CreateListenerRequest.WIRE_NAMES.values())), JSON))
def test_arbitrary_values_under_known_names(data: dict[str, Any]) -> None:
    """Arbitrary values under the request's own parameter names are judged, not crashed on."""
    _judge(data)


@st.composite
def _spliced(draw: st.DrawFn) -> dict[str, Any]:
    """A valid body with one value somewhere inside replaced by arbitrary JSON."""
    body = draw(valid_bodies())
    spots: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            spots.append((node, key))
            if isinstance(value, dict | list):
                collect(value)

    body = copy.deepcopy(body)
    collect(body)
    node, key = draw(st.sampled_from(spots))
    node[key] = draw(JSON)
    return body


@FUZZ
@given(_spliced())
def test_valid_request_with_arbitrary_json_inside(data: dict[str, Any]) -> None:
    """Garbage anywhere inside an otherwise valid request is judged, not crashed on."""
    _judge(data)


@FUZZ
@given(
    st.dictionaries(
        st.text(st.sampled_from("PortRanges.1FromToEndpoint"), max_size=30), st.text(max_size=6)
    )
)
def test_arbitrary_query(params: dict[str, str]) -> None:
    """Any query a client sends, parse_request(from_query(...)) judges (as the emulator does)."""
    _judge(from_query(params))


@FUZZ
@given(valid_bodies())
def test_valid_bodies_are_valid(data: dict[str, Any]) -> None:
    """The valid-body strategy (used by other properties) only makes valid requests."""
    parse_request(data)

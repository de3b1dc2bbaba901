"""Hostile request messages, generated with hypothesis: each with the outcome kinds it may earn.

Seven families, each a strategy of :class:`Hostile`: bodies that are not JSON, deep nesting, huge
bodies (over the 256 KiB limit), wrong types under the real parameter names, boundary values in
an otherwise valid request, wrong content types, and CloudEvents envelopes broken in every part.
A message that is broken by construction may only end ``validation_error``; one that may happen
to be valid (a boundary value inside the rules, a random content type that says JSON) may also
end ``created`` or ``api_error`` (say, an unknown accelerator) — but never without an outcome.

:func:`generate` draws examples outside any test with ``@given`` over a collector, so the
scenario can publish them all at once to a running worker.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Final

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

__all__ = ["ANY_KIND", "FAMILIES", "INVALID", "Hostile", "generate"]

INVALID: Final = frozenset({"validation_error"})
ANY_KIND: Final = frozenset({"validation_error", "created", "api_error"})
LIMIT: Final = 256 * 1024
KNOWN_ACCELERATORS: Final = tuple(f"ga-hostile-{n}" for n in range(8))


@dataclass(frozen=True, slots=True)
class Hostile:
    """One hostile message: body, content type, the outcome kinds it may end in, its family."""

    family: str
    body: bytes
    content_type: str | None
    allowed: frozenset[str]


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_PARAMETER_NAMES = (
    "AcceleratorId",
    "accelerator_id",
    "RegionId",
    "Name",
    "Protocol",
    "PortRanges",
    "ClientToken",
    "ClientAffinity",
    "Certificates",
    "SecurityPolicyId",
    "Type",
    "EndpointGroupConfigurations",
    "CustomRoutingEndpointGroupConfigurations",
    "XForwardedForConfig",
    "ProxyProtocol",
    "IdleTimeout",
    "RequestTimeout",
    "HttpVersion",
    "Description",
)


def _dumps(value: Any) -> bytes:
    # The standard library, not orjson: it writes integers past 64 bits, a hostile input too.
    return json.dumps(value, ensure_ascii=False).encode()


def _valid(accelerator: str, port: int, name: str = "hostile") -> dict[str, Any]:
    return {
        "AcceleratorId": accelerator,
        "Name": name,
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": port, "ToPort": port}],
    }


def _not_json(raw: bytes) -> Hostile:
    return Hostile("not_json", raw, "application/json", INVALID)


def _nested(depth: int, kind: str) -> Hostile:
    if kind == "lists":
        body = b"[" * depth + b"]" * depth
    elif kind == "objects":
        body = b'{"a":' * depth + b"1" + b"}" * depth
    else:  # deep inside a real parameter
        inner = b'{"x":' * depth + b"1" + b"}" * depth
        body = b'{"AcceleratorId":"ga-hostile-0","Name":' + inner + b"}"
    return Hostile("deep_nesting", body, "application/json", INVALID)


def _huge(size: int, filler: str) -> Hostile:
    doc = _valid(KNOWN_ACCELERATORS[0], 9000)
    doc["Description"] = filler * (size // len(filler))
    return Hostile("huge_body", _dumps(doc), "application/json", INVALID)


def _wrong_types(doc: dict[str, Any]) -> Hostile:
    return Hostile("wrong_types", _dumps(doc), "application/json", ANY_KIND)


def _boundary(accelerator: str, port: Any, name: Any, protocol: Any) -> Hostile:
    doc = _valid(accelerator, 0)
    doc["PortRanges"] = [{"FromPort": port, "ToPort": port}]
    doc["Name"] = name
    doc["Protocol"] = protocol
    return Hostile("boundary_values", _dumps(doc), "application/json", ANY_KIND)


def _content_type(content_type: str | None, port: int, surely_wrong: bool) -> Hostile:
    body = _dumps(_valid(KNOWN_ACCELERATORS[1], port))
    return Hostile("content_type", body, content_type, INVALID if surely_wrong else ANY_KIND)


def _cloudevent(envelope: dict[str, Any], as_json: bool) -> Hostile:
    broken = envelope.get("specversion") != "1.0" or (
        "data" not in envelope and "data_base64" not in envelope
    )
    content_type = "application/json" if as_json else "application/cloudevents+json"
    return Hostile("cloudevents", _dumps(envelope), content_type, INVALID if broken else ANY_KIND)


_ports = st.sampled_from(
    [0, 1, 1023, 1024, 65499, 65500, 65535, 65536, -1, 2**31, 2**63, 2**64, 1.5, "80", True, None]
) | st.integers(min_value=-5, max_value=70000)
_names = st.sampled_from(["", "a", "x" * 128, "x" * 129, "x" * 10_000, "名前", "\u0000", None, 7])
_protocols = st.sampled_from(["tcp", "udp", "http", "https", "TCP", "", "sctp", None, 1])
_WRONG_CONTENT_TYPES = [
    "text/plain",
    "application/xml",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "image/png",
]
_ce_data = st.one_of(
    st.just(_valid(KNOWN_ACCELERATORS[2], 7000)),
    _json_values,
    st.text(max_size=20),
)
_ce_base64 = st.one_of(
    st.text(max_size=20),
    st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode()),
    st.just(base64.b64encode(_dumps(_valid(KNOWN_ACCELERATORS[3], 7100))).decode()),
    st.integers(),
)
_envelopes = st.fixed_dictionaries(
    {},
    optional={
        "specversion": st.sampled_from(["1.0", "0.3", "2.0", 1.0, None, ""]),
        "id": st.text(max_size=10) | st.integers(),
        "source": st.text(max_size=10),
        "type": st.text(max_size=10),
        "datacontenttype": st.sampled_from(
            ["application/json", "text/plain", "application/xml", 5, None]
        ),
        "data": _ce_data,
        "data_base64": _ce_base64,
    },
)

#: family -> (strategy, examples to draw).
FAMILIES: Final[dict[str, tuple[st.SearchStrategy[Hostile], int]]] = {
    "not_json": (
        st.binary(min_size=0, max_size=300).filter(lambda b: not _parses(b)).map(_not_json),
        250,
    ),
    "deep_nesting": (
        st.builds(
            _nested,
            st.integers(min_value=500, max_value=60_000),
            st.sampled_from(["lists", "objects", "inside"]),
        ),
        120,
    ),
    "huge_body": (
        st.builds(
            _huge,
            st.integers(min_value=LIMIT + 1, max_value=LIMIT + 64 * 1024),
            st.sampled_from(["x", "é", "\\u0000", "ab"]),
        ),
        25,
    ),
    "wrong_types": (
        st.dictionaries(st.sampled_from(_PARAMETER_NAMES), _json_values, max_size=6).map(
            _wrong_types
        ),
        300,
    ),
    "boundary_values": (
        st.builds(
            _boundary,
            st.sampled_from([*KNOWN_ACCELERATORS, "ga-unknown", "", "ga-" + "x" * 300]),
            _ports,
            _names,
            _protocols,
        ),
        300,
    ),
    "content_type": (
        st.one_of(
            st.builds(
                _content_type,
                st.sampled_from(_WRONG_CONTENT_TYPES),
                st.integers(min_value=1024, max_value=65499),
                st.just(True),
            ),
            st.builds(
                _content_type,
                st.none() | st.text(max_size=60),
                st.integers(min_value=1024, max_value=65499),
                st.just(False),
            ),
        ),
        200,
    ),
    "cloudevents": (
        st.builds(_cloudevent, _envelopes, st.booleans()),
        300,
    ),
}


def _parses(raw: bytes) -> bool:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return True


def generate(strategy: st.SearchStrategy[Hostile], count: int) -> list[Hostile]:
    """Draw up to ``count`` examples of ``strategy`` (derandomized: the same every run)."""
    drawn: list[Hostile] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: Hostile) -> None:
        drawn.append(example)

    collect()
    return drawn

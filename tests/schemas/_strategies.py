"""Hypothesis strategies for CreateListener request bodies: valid ones, and arbitrary JSON."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,30}", fullmatch=True)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).filter(
    lambda text: "http://" not in text and "https://" not in text
)
TOKENS = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=64)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["80", "true", "tcp", "https", "Ip", "", "65500", "-1"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


@st.composite
def _listener_ports(draw: st.DrawFn, protocol: str) -> list[dict[str, Any]]:
    if protocol in ("http", "https"):
        port = draw(st.integers(1, 65499))
        return [{"FromPort": port, "ToPort": port}]
    starts = draw(st.lists(st.integers(5000, 60000), min_size=1, max_size=3, unique=True))
    ranges: list[dict[str, Any]] = []
    for start in sorted(starts):
        width = draw(st.integers(0, 40 if len(starts) > 1 else 5000))
        if not ranges or start > ranges[-1]["ToPort"]:
            ranges.append({"FromPort": start, "ToPort": min(start + width, 65499)})
    return ranges


def _maybe(
    draw: st.DrawFn, body: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]
) -> None:
    if draw(st.booleans()):
        body[key] = draw(strategy)


@st.composite
def _endpoint(draw: st.DrawFn, protocol: str) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "Type": draw(
            st.sampled_from(["Domain", "Ip", "PublicIp", "ECS", "SLB", "ALB", "OSS", "NLB"])
        ),
        "Endpoint": draw(NAMES),
        "Weight": draw(st.integers(0, 255)),
    }
    preserve = draw(st.none() | st.booleans())
    if preserve is not None:
        endpoint["EnableClientIPPreservation"] = preserve
    if protocol == "tcp" and not preserve:
        _maybe(draw, endpoint, "EnableProxyProtocol", st.booleans())
    return endpoint


@st.composite
def _group(draw: st.DrawFn, protocol: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
    group: dict[str, Any] = {
        "EndpointGroupRegion": draw(st.sampled_from(["cn-hangzhou", "cn-beijing"]))
    }
    _maybe(draw, group, "EndpointGroupName", NAMES)
    _maybe(draw, group, "EndpointGroupDescription", TEXT)
    _maybe(draw, group, "TrafficPercentage", st.integers(1, 100))
    _maybe(draw, group, "HealthCheckEnabled", st.booleans())
    _maybe(draw, group, "HealthCheckPort", st.integers(1, 65535))
    _maybe(draw, group, "HealthCheckProtocol", st.sampled_from(["tcp", "TCP", "http", "HTTPS"]))
    _maybe(draw, group, "ThresholdCount", st.integers(2, 10))
    if protocol in ("http", "https"):
        _maybe(draw, group, "EndpointRequestProtocol", st.just("HTTP"))
    group["EndpointConfigurations"] = draw(st.lists(_endpoint(protocol), max_size=3))
    if draw(st.booleans()):
        port = ports[0]["FromPort"]
        group["PortOverrides"] = [
            {"ListenerPort": port, "EndpointPort": draw(st.integers(1, 65499))}
        ]
    return group


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A CreateListener body that breaks no rule (Standard routing, every protocol)."""
    protocol = draw(st.sampled_from(["tcp", "udp", "http", "https"]))
    ports = draw(_listener_ports(protocol))
    body: dict[str, Any] = {
        "AcceleratorId": draw(st.from_regex(r"ga-[a-z0-9]{1,20}", fullmatch=True)),
        "Protocol": protocol,
        "PortRanges": ports,
    }
    _maybe(draw, body, "ClientToken", TOKENS)
    _maybe(draw, body, "Name", NAMES)
    _maybe(draw, body, "Description", TEXT)
    _maybe(draw, body, "ClientAffinity", st.sampled_from(["SOURCE_IP", "NONE"]))
    if protocol == "https":
        body["Certificates"] = [{"Id": draw(NAMES)}]
        _maybe(draw, body, "SecurityPolicyId", st.just("tls_cipher_policy_1_1"))
        _maybe(draw, body, "HttpVersion", st.sampled_from(["http3", "http2", "http1.1"]))
    if protocol in ("http", "https"):
        _maybe(
            draw,
            body,
            "XForwardedForConfig",
            st.fixed_dictionaries(
                {},
                optional={
                    "XRealIpEnabled": st.booleans(),
                    "XForwardedForGaIdEnabled": st.booleans(),
                },
            ),
        )
        _maybe(draw, body, "RequestTimeout", st.integers(1, 180))
    _maybe(draw, body, "IdleTimeout", st.integers(10, 20))
    _maybe(draw, body, "EndpointGroupConfigurations", st.lists(_group(protocol, ports), max_size=2))
    return body

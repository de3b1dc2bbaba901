"""Tests of schemas.request: the model, parse_request, and every rule of the API reference."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.errors import RequestInvalid
from schemas.request import CreateListenerRequest, parse_request

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"

_ENDPOINT = {"Type": "Ip", "Endpoint": "47.98.1.1", "Weight": 20}
_GROUP = {"EndpointGroupRegion": "cn-hangzhou", "EndpointConfigurations": [_ENDPOINT]}
BASES: dict[str, dict[str, Any]] = {
    "tcp": {
        "AcceleratorId": "ga-demo-1",
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": 80, "ToPort": 90}],
        "EndpointGroupConfigurations": [_GROUP],
    },
    "udp": {
        "AcceleratorId": "ga-demo-2",
        "Protocol": "udp",
        "PortRanges": [{"FromPort": 5000, "ToPort": 5010}],
        "EndpointGroupConfigurations": [_GROUP],
    },
    "http": {
        "AcceleratorId": "ga-demo-3",
        "Protocol": "http",
        "PortRanges": [{"FromPort": 80, "ToPort": 80}],
        "EndpointGroupConfigurations": [_GROUP],
    },
    "https": {
        "AcceleratorId": "ga-demo-4",
        "Protocol": "https",
        "PortRanges": [{"FromPort": 443, "ToPort": 443}],
        "Certificates": [{"Id": "cert-1"}],
        "EndpointGroupConfigurations": [_GROUP],
    },
    "custom": {
        "AcceleratorId": "ga-demo-5",
        "Type": "CustomRouting",
        "PortRanges": [{"FromPort": 10000, "ToPort": 10100}],
        "CustomRoutingEndpointGroupConfigurations": [
            {
                "EndpointGroupRegion": "cn-hangzhou",
                "DestinationConfigurations": [{"Protocols": ["TCP"], "FromPort": 80, "ToPort": 90}],
                "EndpointConfigurations": [
                    {
                        "Endpoint": "vsw-1",
                        "TrafficToEndpointPolicy": "AllowCustom",
                        "PolicyConfigurations": [
                            {"Address": "10.0.0.1", "PortRanges": [{"FromPort": 80, "ToPort": 85}]}
                        ],
                    }
                ],
            }
        ],
    },
}
_DELETE = object()


def body(kind: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of a valid base request with ``{"Dotted.1.Path": value}`` changes applied."""
    data = copy.deepcopy(BASES[kind])
    for path, value in (changes or {}).items():
        node: Any = data
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part) - 1] if part.isdigit() else node.setdefault(part, {})
        key: Any = int(last) - 1 if last.isdigit() else last
        if value is _DELETE:
            del node[key]
        else:
            node[key] = value
    return data


def violations_of(data: object) -> list[tuple[str, str]]:
    """(path, code) of every violation; fails the test when the request is valid."""
    with pytest.raises(RequestInvalid) as caught:
        parse_request(data)
    return [(v.path, v.code) for v in caught.value.violations]


def _group(**extra: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_GROUP), **extra}


def _ports(*spans: tuple[int, int]) -> list[dict[str, int]]:
    return [{"FromPort": first, "ToPort": last} for first, last in spans]


CUSTOM_GROUPS = "CustomRoutingEndpointGroupConfigurations"
CUSTOM = f"{CUSTOM_GROUPS}.1"
GROUP = "EndpointGroupConfigurations.1"
ENDPOINT = f"{GROUP}.EndpointConfigurations.1"

# (kind, changes, path, code): one broken rule each.
RULES: list[tuple[str, dict[str, Any], str, str]] = [
    # the listener's own fields
    ("tcp", {"AcceleratorId": _DELETE}, "AcceleratorId", "InvalidParameter"),
    ("tcp", {"AcceleratorId": ""}, "AcceleratorId", "InvalidParameter"),
    ("tcp", {"RegionId": "cn-beijing"}, "RegionId", "InvalidParameter"),
    ("tcp", {"ClientToken": "tökén"}, "ClientToken", "InvalidParameter"),
    ("tcp", {"ClientToken": "x" * 65}, "ClientToken", "InvalidParameter"),
    ("tcp", {"ClientToken": ""}, "ClientToken", "InvalidParameter"),
    ("tcp", {"Name": "1web"}, "Name", "InvalidParameter"),
    ("tcp", {"Name": "w" * 129}, "Name", "InvalidParameter"),
    ("tcp", {"Name": "web site"}, "Name", "InvalidParameter"),
    ("tcp", {"Description": "https://example.com"}, "Description", "InvalidParameter"),
    ("tcp", {"Description": "d" * 201}, "Description", "InvalidParameter"),
    ("tcp", {"Protocol": "sctp"}, "Protocol", "ProtocalIllegal.Listener"),
    ("tcp", {"Type": "Fancy"}, "Type", "InvalidParameter"),
    ("tcp", {"ClientAffinity": "SOURCE_PORT"}, "ClientAffinity", "InvalidParameter"),
    ("tcp", {"Foo": 1}, "Foo", "InvalidParameter"),
    # listener ports
    ("tcp", {"PortRanges": _DELETE}, "PortRanges", "InvalidParameter"),
    ("tcp", {"PortRanges": []}, "PortRanges", "InvalidParameter"),
    ("tcp", {"PortRanges.1.FromPort": _DELETE}, "PortRanges.1.FromPort", "InvalidParameter"),
    ("tcp", {"PortRanges.1.FromPort": 0}, "PortRanges.1.FromPort", "PortRangeIllegal.Listener"),
    ("tcp", {"PortRanges.1.ToPort": 65500}, "PortRanges.1.ToPort", "SystemPort.Listener"),
    ("tcp", {"PortRanges.1.ToPort": 65535}, "PortRanges.1.ToPort", "SystemPort.Listener"),
    ("tcp", {"PortRanges.1.ToPort": 65536}, "PortRanges.1.ToPort", "PortRangeIllegal.Listener"),
    ("tcp", {"PortRanges.1.FromPort": 91}, "PortRanges.1", "PortRangeIllegal.Listener"),
    ("tcp", {"PortRanges.1.FromPort": True}, "PortRanges.1.FromPort", "InvalidParameter"),
    ("tcp", {"PortRanges.1.FromPort": 80.0}, "PortRanges.1.FromPort", "InvalidParameter"),
    ("tcp", {"PortRanges.1.FromPort": "eighty"}, "PortRanges.1.FromPort", "InvalidParameter"),
    (
        "tcp",
        {"PortRanges": _ports((80, 90), (85, 95))},
        "PortRanges.2",
        "PortRangeIllegal.Listener",
    ),
    ("tcp", {"PortRanges": _ports((1, 400), (500, 500))}, "PortRanges", "PortRangeIllegal.Count"),
    ("udp", {"PortRanges": _ports((200, 300))}, "PortRanges.1", "PortRangeIllegal.UDP"),
    ("udp", {"PortRanges": _ports((4789, 4789))}, "PortRanges.1", "PortRangeIllegal.UDP"),
    ("udp", {"PortRanges": _ports((4790, 4800))}, "PortRanges.1", "PortRangeIllegal.UDP"),
    ("http", {"PortRanges": _ports((80, 80), (81, 81))}, "PortRanges", "PortRanges.MustOne"),
    ("https", {"PortRanges": _ports((443, 444))}, "PortRanges", "PortRanges.MustOne"),
    # protocol-bound fields
    ("https", {"Certificates": _DELETE}, "Certificates", "InvalidParameter"),
    ("https", {"Certificates": [{}]}, "Certificates.1.Id", "InvalidParameter"),
    (
        "tcp",
        {"SecurityPolicyId": "tls_cipher_policy_1_2"},
        "SecurityPolicyId",
        "SecurityPolicyId.NotNeed",
    ),
    (
        "http",
        {"SecurityPolicyId": "tls_cipher_policy_1_2"},
        "SecurityPolicyId",
        "SecurityPolicyId.NotNeed",
    ),
    (
        "https",
        {"SecurityPolicyId": "tls_1_3"},
        "SecurityPolicyId",
        "SecurityPolicyIdIllegal.Listener",
    ),
    (
        "udp",
        {"XForwardedForConfig": {"XRealIpEnabled": True}},
        "XForwardedForConfig.XRealIpEnabled",
        "InvalidParameter",
    ),
    (
        "http",
        {"XForwardedForConfig": {"XRealIpEnabled": "yes"}},
        "XForwardedForConfig.XRealIpEnabled",
        "InvalidParameter",
    ),
    ("tcp", {"IdleTimeout": 9}, "IdleTimeout", "InvalidParameter"),
    ("tcp", {"IdleTimeout": 901}, "IdleTimeout", "InvalidParameter"),
    ("udp", {"IdleTimeout": 21}, "IdleTimeout", "InvalidParameter"),
    ("http", {"IdleTimeout": 61}, "IdleTimeout", "InvalidParameter"),
    ("https", {"IdleTimeout": 0}, "IdleTimeout", "InvalidParameter"),
    ("tcp", {"RequestTimeout": 60}, "RequestTimeout", "InvalidParameter"),
    ("http", {"RequestTimeout": 181}, "RequestTimeout", "InvalidParameter"),
    ("http", {"HttpVersion": "http2"}, "HttpVersion", "InvalidParameter"),
    ("https", {"HttpVersion": "http4"}, "HttpVersion", "InvalidParameter"),
    # routing type
    ("tcp", {CUSTOM_GROUPS: BASES["custom"][CUSTOM_GROUPS]}, CUSTOM_GROUPS, "InvalidParameter"),
    (
        "custom",
        {"EndpointGroupConfigurations": [_GROUP]},
        "EndpointGroupConfigurations",
        "InvalidParameter",
    ),
    # standard endpoint groups
    (
        "tcp",
        {"EndpointGroupConfigurations": [_GROUP] * 11},
        "EndpointGroupConfigurations",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.EndpointGroupRegion": _DELETE},
        f"{GROUP}.EndpointGroupRegion",
        "InvalidParameter",
    ),
    ("tcp", {f"{GROUP}.EndpointGroupName": "-x"}, f"{GROUP}.EndpointGroupName", "InvalidParameter"),
    (
        "tcp",
        {f"{GROUP}.EndpointGroupDescription": "see http://x"},
        f"{GROUP}.EndpointGroupDescription",
        "InvalidParameter",
    ),
    ("tcp", {f"{GROUP}.TrafficPercentage": 0}, f"{GROUP}.TrafficPercentage", "InvalidParameter"),
    ("tcp", {f"{GROUP}.TrafficPercentage": 101}, f"{GROUP}.TrafficPercentage", "InvalidParameter"),
    ("tcp", {f"{GROUP}.ThresholdCount": 1}, f"{GROUP}.ThresholdCount", "InvalidParameter"),
    ("tcp", {f"{GROUP}.ThresholdCount": 11}, f"{GROUP}.ThresholdCount", "InvalidParameter"),
    ("tcp", {f"{GROUP}.HealthCheckPort": 0}, f"{GROUP}.HealthCheckPort", "InvalidParameter"),
    ("tcp", {f"{GROUP}.HealthCheckPort": 65536}, f"{GROUP}.HealthCheckPort", "InvalidParameter"),
    (
        "tcp",
        {f"{GROUP}.HealthCheckProtocol": "Tcp"},
        f"{GROUP}.HealthCheckProtocol",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.HealthCheckIntervalSeconds": 0},
        f"{GROUP}.HealthCheckIntervalSeconds",
        "InvalidParameter",
    ),
    (
        "http",
        {f"{GROUP}.HealthCheckPath": "healthz"},
        f"{GROUP}.HealthCheckPath",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.EndpointGroupType": "virtual"},
        f"{GROUP}.EndpointGroupType",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.EndpointRequestProtocol": "HTTP"},
        f"{GROUP}.EndpointRequestProtocol",
        "InvalidParameter",
    ),
    (
        "http",
        {f"{GROUP}.EndpointRequestProtocol": "HTTPS"},
        f"{GROUP}.EndpointRequestProtocol",
        "InvalidParameter",
    ),
    (
        "https",
        {f"{GROUP}.EndpointProtocolVersion": "HTTP2"},
        f"{GROUP}.EndpointProtocolVersion",
        "InvalidParameter",
    ),
    (
        "https",
        {f"{GROUP}.EndpointRequestProtocol": "HTTP", f"{GROUP}.EndpointProtocolVersion": "HTTP2"},
        f"{GROUP}.EndpointProtocolVersion",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.PortOverrides": [{"ListenerPort": 80, "EndpointPort": 8080}] * 6},
        f"{GROUP}.PortOverrides",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.PortOverrides": [{"ListenerPort": 91, "EndpointPort": 8080}]},
        f"{GROUP}.PortOverrides.1.ListenerPort",
        "NotExist.ListenerPort",
    ),
    (
        "tcp",
        {f"{GROUP}.PortOverrides": [{"ListenerPort": 80, "EndpointPort": 0}]},
        f"{GROUP}.PortOverrides.1.EndpointPort",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{GROUP}.PortOverrides": [{"ListenerPort": 80}]},
        f"{GROUP}.PortOverrides.1.EndpointPort",
        "InvalidParameter",
    ),
    (
        "http",
        {
            "EndpointGroupConfigurations": [
                _group(PortOverrides=[{"ListenerPort": 80, "EndpointPort": 8080}]),
                _group(EndpointGroupType="virtual"),
            ]
        },
        f"{GROUP}.PortOverrides",
        "InvalidParameter",
    ),
    # standard endpoints
    (
        "tcp",
        {f"{GROUP}.EndpointConfigurations": [_ENDPOINT] * 101},
        f"{GROUP}.EndpointConfigurations",
        "InvalidParameter",
    ),
    ("tcp", {f"{ENDPOINT}.Weight": _DELETE}, f"{ENDPOINT}.Weight", "InvalidParameter"),
    ("tcp", {f"{ENDPOINT}.Endpoint": _DELETE}, f"{ENDPOINT}.Endpoint", "InvalidParameter"),
    ("tcp", {f"{ENDPOINT}.Type": _DELETE}, f"{ENDPOINT}.Type", "InvalidParameter"),
    ("tcp", {f"{ENDPOINT}.Weight": 256}, f"{ENDPOINT}.Weight", "InvalidParameter"),
    ("tcp", {f"{ENDPOINT}.Weight": -1}, f"{ENDPOINT}.Weight", "InvalidParameter"),
    ("tcp", {f"{ENDPOINT}.Type": "Lambda"}, f"{ENDPOINT}.Type", "InvalidParameter"),
    (
        "tcp",
        {f"{ENDPOINT}.Type": "IpTarget", f"{ENDPOINT}.VSwitchIds": ["vsw-1"]},
        f"{ENDPOINT}.VpcId",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{ENDPOINT}.Type": "IpTarget", f"{ENDPOINT}.VpcId": "vpc-1"},
        f"{ENDPOINT}.VSwitchIds",
        "InvalidParameter",
    ),
    ("tcp", {f"{ENDPOINT}.VpcId": "vpc-1"}, f"{ENDPOINT}.VpcId", "InvalidParameter"),
    (
        "tcp",
        {
            f"{ENDPOINT}.Type": "IpTarget",
            f"{ENDPOINT}.VpcId": "vpc-1",
            f"{ENDPOINT}.VSwitchIds": ["a", "b", "c"],
        },
        f"{ENDPOINT}.VSwitchIds",
        "InvalidParameter",
    ),
    ("tcp", {f"{ENDPOINT}.SubAddress": "10.0.0.1"}, f"{ENDPOINT}.SubAddress", "InvalidParameter"),
    (
        "tcp",
        {f"{ENDPOINT}.EnableClientIPPreservation": True, f"{ENDPOINT}.EnableProxyProtocol": True},
        f"{ENDPOINT}.EnableProxyProtocol",
        "InvalidParameter",
    ),
    (
        "udp",
        {f"{ENDPOINT}.EnableProxyProtocol": True},
        f"{ENDPOINT}.EnableProxyProtocol",
        "InvalidParameter",
    ),
    (
        "tcp",
        {f"{ENDPOINT}.EnableProxyProtocol": 1},
        f"{ENDPOINT}.EnableProxyProtocol",
        "InvalidParameter",
    ),
    # custom routing endpoint groups
    (
        "custom",
        {CUSTOM_GROUPS: BASES["custom"][CUSTOM_GROUPS] * 6},
        CUSTOM_GROUPS,
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointGroupRegion": _DELETE},
        f"{CUSTOM}.EndpointGroupRegion",
        "InvalidParameter",
    ),
    ("custom", {f"{CUSTOM}.Name": "_x"}, f"{CUSTOM}.Name", "InvalidParameter"),
    ("custom", {f"{CUSTOM}.Description": "http://x"}, f"{CUSTOM}.Description", "InvalidParameter"),
    (
        "custom",
        {
            f"{CUSTOM}.DestinationConfigurations": [
                {"Protocols": ["TCP"], "FromPort": 80, "ToPort": 90}
            ]
            * 21
        },
        f"{CUSTOM}.DestinationConfigurations",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.DestinationConfigurations.1.Protocols": ["SCTP"]},
        f"{CUSTOM}.DestinationConfigurations.1.Protocols.1",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.DestinationConfigurations.1.Protocols": ["TCP"] * 5},
        f"{CUSTOM}.DestinationConfigurations.1.Protocols",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.DestinationConfigurations.1.Protocols": []},
        f"{CUSTOM}.DestinationConfigurations.1.Protocols",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.DestinationConfigurations.1.FromPort": 95},
        f"{CUSTOM}.DestinationConfigurations.1",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.DestinationConfigurations.1.ToPort": 65500},
        f"{CUSTOM}.DestinationConfigurations.1.ToPort",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.Endpoint": _DELETE},
        f"{CUSTOM}.EndpointConfigurations.1.Endpoint",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.Type": "Subnet"},
        f"{CUSTOM}.EndpointConfigurations.1.Type",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.TrafficToEndpointPolicy": "AllowSome"},
        f"{CUSTOM}.EndpointConfigurations.1.TrafficToEndpointPolicy",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations": [{"Endpoint": "vsw-1"}] * 11},
        f"{CUSTOM}.EndpointConfigurations",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations": [{"Address": "10.0.0.1"}] * 21},
        f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.Address": _DELETE},
        f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.Address",
        "InvalidParameter",
    ),
    (
        "custom",
        {
            f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.PortRanges": _ports((80, 80))
            * 6
        },
        f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.PortRanges",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.PortRanges": _ports((85, 95))},
        f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.PortRanges.1",
        "InvalidParameter",
    ),
    (
        "custom",
        {f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.PortRanges": _ports((90, 85))},
        f"{CUSTOM}.EndpointConfigurations.1.PolicyConfigurations.1.PortRanges.1",
        "InvalidParameter",
    ),
]


@pytest.mark.parametrize("kind", sorted(BASES))
def test_valid_request_of_each_kind(kind: str) -> None:
    """A well-formed request of each listener kind parses."""
    request = parse_request(body(kind))

    assert BASES[kind]["AcceleratorId"] == request.accelerator_id


@pytest.mark.parametrize(
    ("kind", "changes", "path", "code"),
    RULES,
    ids=[f"{path}={code}#{n}" for n, (_, _, path, code) in enumerate(RULES)],
)
def test_each_rule_with_its_code(kind: str, changes: dict[str, Any], path: str, code: str) -> None:
    """A request that breaks one rule is refused at that path with the API's code."""
    assert (path, code) in violations_of(body(kind, changes))


def test_an_empty_required_list_is_missing() -> None:
    """A required list sent empty is reported exactly as one left out."""
    path = f"{CUSTOM}.DestinationConfigurations.1.Protocols"
    with pytest.raises(RequestInvalid) as caught:
        parse_request(body("custom", {path: []}))
    expected = [(path, "this parameter is required")]
    assert expected == [(v.path, v.message) for v in caught.value.violations if v.path == path]


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("tcp", {"PortRanges.1.FromPort": "80", "PortRanges.1.ToPort": "+90"}),
        ("tcp", {"PortRanges": _ports((1, 65499))}),
        ("tcp", {"PortRanges": _ports((80, 80), (81, 81), (100, 200))}),
        ("tcp", {"Protocol": "TCP"}),
        ("tcp", {"ClientAffinity": "NONE", "IdleTimeout": 10}),
        ("tcp", {f"{GROUP}.HealthCheckEnabled": "True", f"{GROUP}.HealthCheckProtocol": "TCP"}),
        ("tcp", {f"{GROUP}.HealthCheckPort": 65535, f"{ENDPOINT}.Weight": 0}),
        ("tcp", {f"{GROUP}.PortOverrides": [{"ListenerPort": 85, "EndpointPort": 8085}]}),
        ("tcp", {f"{ENDPOINT}.EnableProxyProtocol": True}),
        ("tcp", {"Name": "网站-1", "Description": "mirror of http://example.com"}),
        ("udp", {"PortRanges": _ports((249, 249), (251, 260), (4791, 4800))}),
        ("http", {"XForwardedForConfig": {"XForwardedForProtoEnabled": "false"}}),
        ("http", {f"{GROUP}.EndpointGroupType": "virtual", "RequestTimeout": 180}),
        ("https", {"SecurityPolicyId": "tls_cipher_policy_1_2_strict_with_1_3"}),
        ("https", {"HttpVersion": "http1.1", "IdleTimeout": 60}),
        ("tcp", {"XForwardedForConfig": {"XRealIpEnabled": False}}),
        ("tcp", {"Certificates": [{"Id": "cert-1"}]}),
        ("tcp", {"ClientToken": "x" * 64}),
        ("custom", {f"{CUSTOM}.EndpointConfigurations.1.TrafficToEndpointPolicy": "DenyAll"}),
    ],
)
def test_valid_edges(kind: str, changes: dict[str, Any]) -> None:
    """Values at the edge of what the API takes, in any spelling it takes, are accepted."""
    parse_request(body(kind, changes))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("valid-*.json")), ids=lambda p: p.name)
def test_valid_examples(path: Path) -> None:
    """Every deploy/examples/valid-*.json request is valid."""
    parse_request(orjson.loads(path.read_bytes()))


INVALID_EXAMPLES = {
    "invalid-https-without-certificate.json": ("Certificates", "InvalidParameter"),
    "invalid-http-two-ports.json": ("PortRanges", "PortRanges.MustOne"),
    "invalid-udp-reserved-port.json": ("PortRanges.1", "PortRangeIllegal.UDP"),
    "invalid-system-port.json": ("PortRanges.1.FromPort", "SystemPort.Listener"),
    "invalid-security-policy-on-tcp.json": ("SecurityPolicyId", "SecurityPolicyId.NotNeed"),
}


def test_every_invalid_example_is_described() -> None:
    """Each deploy/examples/invalid-*.json has its expected violation in this test."""
    assert sorted(INVALID_EXAMPLES) == sorted(p.name for p in EXAMPLES.glob("invalid-*.json"))


@pytest.mark.parametrize(("name", "expected"), sorted(INVALID_EXAMPLES.items()))
def test_invalid_examples(name: str, expected: tuple[str, str]) -> None:
    """Every deploy/examples/invalid-*.json request is refused with the API's code."""
    assert expected in violations_of(orjson.loads((EXAMPLES / name).read_bytes()))


def test_snake_case_and_sdk_spellings_are_accepted() -> None:
    """snake_case names, and the SDK's own irregular ones, mean the same as the wire names."""
    pascal = body("http", {"XForwardedForConfig": {"XRealIpEnabled": True}})
    snake = {
        "accelerator_id": "ga-demo-3",
        "protocol": "http",
        "port_ranges": [{"from_port": 80, "to_port": 80}],
        "xforwarded_for_config": {"xreal_ip_enabled": True},
        "endpoint_group_configurations": [
            {
                "endpoint_group_region": "cn-hangzhou",
                "endpoint_configurations": [{"type": "Ip", "endpoint": "47.98.1.1", "weight": 20}],
            }
        ],
    }

    assert parse_request(pascal) == parse_request(snake)


def test_defaults() -> None:
    """RegionId, Protocol and Type default as the API's do; Protocol is kept in lower case."""
    request = parse_request({"AcceleratorId": "ga-1", "PortRanges": _ports((80, 80))})
    upper = parse_request(body("tcp", {"Protocol": "TCP"}))

    assert ("cn-hangzhou", "tcp", "Standard", None) == (
        request.region_id,
        request.protocol,
        request.type,
        request.client_token,
    )
    assert "tcp" == upper.protocol


def test_all_violations_at_once() -> None:
    """Every broken rule is reported in one error, each with its own path and code."""
    data = body(
        "tcp",
        {
            "Name": "9",
            "PortRanges": _ports((65500, 65501), (10, 5)),
            "SecurityPolicyId": "tls_cipher_policy_1_0",
            f"{ENDPOINT}.Weight": 300,
            "Bogus": True,
        },
    )

    assert {
        ("Name", "InvalidParameter"),
        ("PortRanges.1.FromPort", "SystemPort.Listener"),
        ("PortRanges.1.ToPort", "SystemPort.Listener"),
        ("PortRanges.2", "PortRangeIllegal.Listener"),
        ("SecurityPolicyId", "SecurityPolicyId.NotNeed"),
        (f"{ENDPOINT}.Weight", "InvalidParameter"),
        ("Bogus", "InvalidParameter"),
    } == set(violations_of(data))


def test_rules_still_run_beside_malformed_fields() -> None:
    """Cross-field rules run on the rest of the request when some fields are malformed."""
    data = body(
        "http",
        {
            "PortRanges": [{"FromPort": True, "ToPort": 80}, {"FromPort": 81, "ToPort": 65500}],
            "SecurityPolicyId": "tls_cipher_policy_1_0",
            f"{ENDPOINT}.Weight": "heavy",
            f"{ENDPOINT}.EnableProxyProtocol": True,
        },
    )

    assert {
        ("PortRanges.1.FromPort", "InvalidParameter"),
        ("PortRanges.2.ToPort", "SystemPort.Listener"),
        ("PortRanges", "PortRanges.MustOne"),
        ("SecurityPolicyId", "SecurityPolicyId.NotNeed"),
        (f"{ENDPOINT}.Weight", "InvalidParameter"),
        (f"{ENDPOINT}.EnableProxyProtocol", "InvalidParameter"),
    } == set(violations_of(data))


def test_malformed_protocol_skips_protocol_rules() -> None:
    """With the protocol unknown, rules that depend on it are not guessed at."""
    data = body("http", {"Protocol": 7, "XForwardedForConfig": {"XRealIpEnabled": True}})

    assert [("Protocol", "ProtocalIllegal.Listener")] == violations_of(data)


def test_malformed_items_are_reported_once() -> None:
    """A malformed list item is one violation, not one per field it lacks."""
    data = body("tcp", {"EndpointGroupConfigurations": [_GROUP, "group", None]})

    assert [
        ("EndpointGroupConfigurations.2", "InvalidParameter"),
        ("EndpointGroupConfigurations.3", "InvalidParameter"),
    ] == violations_of(data)


def test_input_is_not_modified() -> None:
    """parse_request never changes the caller's data, valid or not."""
    data = body("tcp", {"PortRanges.1.FromPort": True, f"{ENDPOINT}.Weight": "x", "Foo": 1})
    before = copy.deepcopy(data)

    violations_of(data)

    assert before == data


@pytest.mark.parametrize(
    "data",
    [None, [], "request", 42, 1.5, True, b"{}"],
    ids=repr,
)
def test_not_an_object(data: object) -> None:
    """Anything but a JSON object is one violation at the root."""
    assert [("", "InvalidParameter")] == violations_of(data)


@pytest.mark.parametrize(
    "port",
    [10**40, -(10**40), "9" * 5000, math.nan, math.inf, None, [], {}],
    ids=lambda value: repr(value)[:20],
)
def test_odd_port_values(port: object) -> None:
    """Huge, non-finite, null or structured ports are refused, never raised."""
    assert violations_of(body("tcp", {"PortRanges.1.FromPort": port}))


def test_unencodable_text_is_refused() -> None:
    """A lone surrogate cannot travel in a UTF-8 query string."""
    assert [("Description", "InvalidParameter")] == violations_of(
        body("tcp", {"Description": "caf\ud800"})
    )


def test_self_referencing_data() -> None:
    """A cyclic structure is refused, not a crash."""
    data = body("tcp")
    data["EndpointGroupConfigurations"][0]["EndpointConfigurations"] = data[
        "EndpointGroupConfigurations"
    ]

    assert violations_of(data)


def test_json_schema_uses_wire_names() -> None:
    """The JSON Schema names parameters as the API does and lists what it requires."""
    schema = CreateListenerRequest.model_json_schema(by_alias=True)
    endpoint = schema["$defs"]["EndpointConfiguration"]

    assert {"AcceleratorId", "PortRanges", "EndpointGroupConfigurations"} <= set(
        schema["properties"]
    )
    assert {"AcceleratorId", "PortRanges"} <= set(schema["required"])
    assert ["Endpoint", "Type", "Weight"] == endpoint["required"]
    assert ["http", "https", "tcp", "udp"] == sorted(schema["properties"]["Protocol"]["enum"])

"""Tests of schemas.wire: the SDK's query flattening and its inverse."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.request import parse_request
from schemas.wire import from_query, to_query
from tests.schemas._strategies import valid_bodies

HTTP_BODY: dict[str, Any] = {
    "AcceleratorId": "ga-demo-3",
    "Protocol": "HTTP",
    "PortRanges": [{"FromPort": 80, "ToPort": "80"}],
    "XForwardedForConfig": {"XRealIpEnabled": True, "XForwardedForGaIdEnabled": "False"},
    "EndpointGroupConfigurations": [
        {
            "EndpointGroupRegion": "cn-hangzhou",
            "EndpointConfigurations": [
                {"Type": "Ip", "Endpoint": "47.98.1.1", "Weight": 20},
                {"Type": "Domain", "Endpoint": "b.example.com", "Weight": 0},
            ],
            "PortOverrides": [{"ListenerPort": 80, "EndpointPort": 8080}],
        }
    ],
}
HTTP_QUERY = {
    "RegionId": "cn-hangzhou",
    "AcceleratorId": "ga-demo-3",
    "Protocol": "http",
    "Type": "Standard",
    "PortRanges.1.FromPort": "80",
    "PortRanges.1.ToPort": "80",
    "XForwardedForConfig.XRealIpEnabled": "true",
    "XForwardedForConfig.XForwardedForGaIdEnabled": "false",
    "EndpointGroupConfigurations.1.EndpointGroupRegion": "cn-hangzhou",
    "EndpointGroupConfigurations.1.EndpointConfigurations.1.Type": "Ip",
    "EndpointGroupConfigurations.1.EndpointConfigurations.1.Endpoint": "47.98.1.1",
    "EndpointGroupConfigurations.1.EndpointConfigurations.1.Weight": "20",
    "EndpointGroupConfigurations.1.EndpointConfigurations.2.Type": "Domain",
    "EndpointGroupConfigurations.1.EndpointConfigurations.2.Endpoint": "b.example.com",
    "EndpointGroupConfigurations.1.EndpointConfigurations.2.Weight": "0",
    "EndpointGroupConfigurations.1.PortOverrides.1.ListenerPort": "80",
    "EndpointGroupConfigurations.1.PortOverrides.1.EndpointPort": "8080",
}


def test_to_query_known_answer() -> None:
    """Nested lists flatten from 1, booleans are true/false, unset fields are left out."""
    assert HTTP_QUERY == to_query(parse_request(HTTP_BODY))


def test_from_query_known_answer() -> None:
    """The flattened query unflattens to nested wire names, values still strings."""
    assert {
        "AcceleratorId": "ga-1",
        "PortRanges": [{"FromPort": "80", "ToPort": "80"}],
        "EndpointGroupConfigurations": [
            {"EndpointConfigurations": [{"VSwitchIds": ["vsw-a", "vsw-b"]}]}
        ],
    } == from_query(
        {
            "AcceleratorId": "ga-1",
            "PortRanges.1.FromPort": "80",
            "PortRanges.1.ToPort": "80",
            "EndpointGroupConfigurations.1.EndpointConfigurations.1.VSwitchIds.2": "vsw-b",
            "EndpointGroupConfigurations.1.EndpointConfigurations.1.VSwitchIds.1": "vsw-a",
        }
    )


def test_from_query_leaves_out_common_parameters() -> None:
    """Action, Version and the RPC signature parameters are not CreateListener parameters."""
    params = {
        "Action": "CreateListener",
        "Version": "2019-11-20",
        "Format": "JSON",
        "AccessKeyId": "testid",
        "Signature": "c2ln",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "n",
        "SignatureVersion": "1.0",
        "Timestamp": "2024-01-01T00:00:00Z",
        "AcceleratorId": "ga-1",
    }

    assert {"AcceleratorId": "ga-1"} == from_query(params)


def test_from_query_orders_positions_numerically() -> None:
    """Positions sort as numbers (2 before 10), and gaps close."""
    params = {"VSwitchIds.10": "c", "VSwitchIds.2": "b", "VSwitchIds.1": "a"}

    assert {"VSwitchIds": ["a", "b", "c"]} == from_query(params)


def test_from_query_odd_keys() -> None:
    """A key that is both a value and a container keeps the container; very deep keys stay whole."""
    deep = ".".join(["A"] * 40)
    params = {"PortRanges": "80", "PortRanges.1.FromPort": "80", deep: "x", "N." + "9" * 5000: "y"}

    assert {
        "PortRanges": [{"FromPort": "80"}],
        deep: "x",
        "N": ["y"],
    } == from_query(params)


@settings(deadline=None, max_examples=150)
@given(valid_bodies())
def test_from_query_inverts_to_query(data: dict[str, Any]) -> None:
    """parse_request(from_query(to_query(r))) == r for any valid request r."""
    request = parse_request(data)

    assert request == parse_request(from_query(to_query(request)))


@settings(deadline=None)
@given(st.dictionaries(st.text(st.sampled_from("AB1.0"), max_size=12), st.text(max_size=5)))
def test_from_query_takes_any_mapping(params: dict[str, str]) -> None:
    """Any mapping of strings unflattens without an error."""
    assert isinstance(from_query(params), dict)

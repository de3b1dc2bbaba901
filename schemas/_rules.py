"""The rules of the CreateListener API reference, each with the error code the API gives.

Pure functions over an already typed request: they collect, never stop at the first problem.
``unknown`` names the top-level fields that were malformed and set aside; rules that depend on
them (the protocol, the routing type, the listener's ports) are skipped rather than guessed.
Codes are the reference's where it names one; otherwise ``InvalidParameter``, something required
and left out included.
"""

from __future__ import annotations

import re
from collections.abc import Sized
from typing import TYPE_CHECKING, TypeGuard

from schemas.errors import INVALID_PARAMETER, Violation

if TYPE_CHECKING:
    from schemas.request import (
        CreateListenerRequest,
        CustomRoutingEndpointGroupConfiguration,
        EndpointConfiguration,
        EndpointGroupConfiguration,
        WireModel,
    )

MIN_PORT, MAX_PORT = 1, 65499
SYSTEM_PORTS = range(65500, 65536)
UDP_RESERVED_PORTS = (250, 4789, 4790)
HUGE_PORT_COUNT = 300
IDLE_TIMEOUT = {"tcp": (10, 900), "udp": (10, 20), "http": (1, 60), "https": (1, 60)}
HTTP_PROTOCOLS = frozenset({"http", "https"})
MAX_ENDPOINT_GROUPS = 10
MAX_ENDPOINTS = 100
MAX_PORT_OVERRIDES = 5
MAX_VSWITCHES = 2
MAX_CUSTOM_GROUPS = 5
MAX_DESTINATIONS = 20
MAX_DESTINATION_PROTOCOLS = 4
MAX_CUSTOM_ENDPOINTS = 10
MAX_POLICIES = 20
MAX_POLICY_PORT_RANGES = 5
MAX_CLIENT_TOKEN = 64
MAX_DESCRIPTION = 200
REGION_ID = "cn-hangzhou"  # the only region the GA API is called in, and the request's default

# 1-128 characters: letters, digits, '.', '_', '-'; starts with a letter (the SDK docs add
# Chinese characters, which the console accepts too).
_NAME = re.compile(r"[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._-]{0,127}")
_URL_PREFIXES = ("http://", "https://")


def check(request: CreateListenerRequest, unknown: frozenset[str]) -> list[Violation]:
    """Every rule broken by ``request``, in a stable order."""
    out: list[Violation] = []
    _required(request, "", out)
    _listener_fields(request, out)
    protocol = None if "Protocol" in unknown else request.protocol
    routing = None if "Type" in unknown else request.type
    ports_known = "PortRanges" not in unknown
    listener_ports: list[tuple[int, int]] | None = None
    if ports_known:
        listener_ports = _port_ranges(request, protocol, out)
    if protocol is not None:
        _protocol_fields(request, protocol, out)
    _routing(request, routing, out)
    groups = request.endpoint_group_configurations or []
    _count(groups, MAX_ENDPOINT_GROUPS, "", "EndpointGroupConfigurations", out)
    has_virtual = any(g.endpoint_group_type == "virtual" for g in groups)
    for index, group in enumerate(groups, 1):
        path = f"EndpointGroupConfigurations.{index}"
        _endpoint_group(
            group,
            path,
            protocol=protocol,
            listener_ports=listener_ports,
            has_virtual=has_virtual,
            out=out,
        )
    custom_groups = request.custom_routing_endpoint_group_configurations or []
    _count(custom_groups, MAX_CUSTOM_GROUPS, "", "CustomRoutingEndpointGroupConfigurations", out)
    for index, custom in enumerate(custom_groups, 1):
        _custom_group(custom, f"CustomRoutingEndpointGroupConfigurations.{index}", out)
    return out


def _required(model: WireModel, path: str, out: list[Violation]) -> None:
    """``InvalidParameter`` for every wire-required field left out, at any depth."""
    cls = type(model)
    prefix = f"{path}." if path else ""
    for attr, wire in cls.REQUIRED_FIELDS:
        # A required list is a WireList, so an empty one reads as None too.
        if getattr(model, attr) is None:
            out.append(Violation(prefix + wire, INVALID_PARAMETER, "this parameter is required"))
    for attr, wire in cls.NESTED_FIELDS:
        value = getattr(model, attr)
        if value is None:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value, 1):
                _required(item, f"{prefix}{wire}.{index}", out)
        else:
            _required(value, prefix + wire, out)


def is_valid_client_token(token: object) -> TypeGuard[str]:
    """A ClientToken the API takes: a string of 1 to 64 ASCII characters."""
    return isinstance(token, str) and 0 < len(token) <= MAX_CLIENT_TOKEN and token.isascii()


def _listener_fields(request: CreateListenerRequest, out: list[Violation]) -> None:
    if request.region_id != REGION_ID:
        out.append(Violation("RegionId", INVALID_PARAMETER, f"RegionId must be {REGION_ID}"))
    if not request.accelerator_id:
        out.append(Violation("AcceleratorId", INVALID_PARAMETER, "this parameter is required"))
    token = request.client_token
    if token is not None and not is_valid_client_token(token):
        out.append(Violation("ClientToken", INVALID_PARAMETER, "1 to 64 ASCII characters"))
    _name(request.name, "", "Name", out)
    _description(request.description, "", "Description", out, anywhere=False)


def _at(base: str, field: str) -> str:
    """The wire path of ``field`` in the object at ``base`` (built only for a violation)."""
    return f"{base}.{field}" if base else field


def _name(value: str | None, base: str, field: str, out: list[Violation]) -> None:
    if value is not None and not _NAME.fullmatch(value):
        out.append(
            Violation(
                _at(base, field),
                INVALID_PARAMETER,
                "1 to 128 letters, digits, '.', '_' or '-', starting with a letter",
            )
        )


def _description(
    value: str | None, base: str, field: str, out: list[Violation], *, anywhere: bool
) -> None:
    if value is None:
        return
    path = _at(base, field)
    if len(value) > MAX_DESCRIPTION:
        out.append(Violation(path, INVALID_PARAMETER, "at most 200 characters"))
    if anywhere and any(prefix in value for prefix in _URL_PREFIXES):
        out.append(Violation(path, INVALID_PARAMETER, "must not contain http:// or https://"))
    elif not anywhere and value.startswith(_URL_PREFIXES):
        out.append(Violation(path, INVALID_PARAMETER, "must not start with http:// or https://"))


def _port_ranges(
    request: CreateListenerRequest, protocol: str | None, out: list[Violation]
) -> list[tuple[int, int]] | None:
    """The listener's port rules; returns its ranges when every one of them is sound."""
    ranges = request.port_ranges
    if not ranges:
        out.append(
            Violation("PortRanges", INVALID_PARAMETER, "at least one port range is required")
        )
        return None
    good: list[tuple[int, int, int]] = []
    for index, port_range in enumerate(ranges, 1):
        path = f"PortRanges.{index}"
        first, last = port_range.from_port, port_range.to_port
        sound = _listener_port(first, path, "FromPort", out)
        sound = _listener_port(last, path, "ToPort", out) and sound
        if not sound or first is None or last is None:
            continue
        if first > last:
            out.append(
                Violation(path, "PortRangeIllegal.Listener", "FromPort must not exceed ToPort")
            )
            continue
        good.append((first, last, index))
        if protocol == "udp":
            reserved = [p for p in UDP_RESERVED_PORTS if first <= p <= last]
            if reserved:
                out.append(
                    Violation(
                        path,
                        "PortRangeIllegal.UDP",
                        "UDP ports 250, 4789 and 4790 are system reserved ports",
                    )
                )
    good.sort()
    reach = 0
    for first, last, index in good:
        if first <= reach:
            out.append(
                Violation(
                    f"PortRanges.{index}",
                    "PortRangeIllegal.Listener",
                    "port ranges must not overlap",
                )
            )
        reach = max(reach, last)
    if protocol in HTTP_PROTOCOLS:
        if len(ranges) != 1 or (len(good) == 1 and good[0][0] != good[0][1]):
            out.append(
                Violation(
                    "PortRanges",
                    "PortRanges.MustOne",
                    "an HTTP or HTTPS listener takes exactly one port",
                )
            )
    elif len(ranges) > 1 and sum(last - first + 1 for first, last, _ in good) > HUGE_PORT_COUNT:
        out.append(
            Violation(
                "PortRanges",
                "PortRangeIllegal.Count",
                "a listener with more than 300 ports takes one port range only",
            )
        )
    if len(good) != len(ranges):
        return None
    return [(first, last) for first, last, _ in good]


def _listener_port(port: int | None, base: str, field: str, out: list[Violation]) -> bool:
    if port is None:  # reported as missing or malformed already
        return False
    if port in SYSTEM_PORTS:
        out.append(
            Violation(
                _at(base, field),
                "SystemPort.Listener",
                "ports 65500-65535 are system reserved ports",
            )
        )
        return False
    if not MIN_PORT <= port <= MAX_PORT:
        out.append(Violation(_at(base, field), "PortRangeIllegal.Listener", "a port is 1 to 65499"))
        return False
    return True


def _protocol_fields(request: CreateListenerRequest, protocol: str, out: list[Violation]) -> None:
    http = protocol in HTTP_PROTOCOLS
    if protocol == "https" and not request.certificates:
        out.append(
            Violation("Certificates", INVALID_PARAMETER, "an HTTPS listener needs a certificate")
        )
    if request.security_policy_id is not None and protocol != "https":
        out.append(
            Violation(
                "SecurityPolicyId",
                "SecurityPolicyId.NotNeed",
                "only an HTTPS listener takes a security policy",
            )
        )
    forwarded = request.x_forwarded_for_config
    if forwarded is not None and not http:
        for attr, wire in type(forwarded).WIRE_NAMES.items():
            if getattr(forwarded, attr):
                out.append(
                    Violation(
                        f"XForwardedForConfig.{wire}",
                        INVALID_PARAMETER,
                        "only HTTP and HTTPS listeners add forwarding headers",
                    )
                )
    low, high = IDLE_TIMEOUT[protocol]
    if request.idle_timeout is not None and not low <= request.idle_timeout <= high:
        out.append(
            Violation(
                "IdleTimeout", INVALID_PARAMETER, f"a {protocol} listener takes {low} to {high}"
            )
        )
    if request.request_timeout is not None:
        if not http:
            out.append(
                Violation(
                    "RequestTimeout", INVALID_PARAMETER, "only HTTP and HTTPS listeners take one"
                )
            )
        elif not 1 <= request.request_timeout <= 180:
            out.append(Violation("RequestTimeout", INVALID_PARAMETER, "1 to 180 seconds"))
    if request.http_version is not None and protocol != "https":
        out.append(Violation("HttpVersion", INVALID_PARAMETER, "only an HTTPS listener takes one"))


def _routing(request: CreateListenerRequest, routing: str | None, out: list[Violation]) -> None:
    if routing == "Standard" and request.custom_routing_endpoint_group_configurations:
        out.append(
            Violation(
                "CustomRoutingEndpointGroupConfigurations",
                INVALID_PARAMETER,
                "only a CustomRouting listener takes custom routing endpoint groups",
            )
        )
    if routing == "CustomRouting" and request.endpoint_group_configurations:
        out.append(
            Violation(
                "EndpointGroupConfigurations",
                INVALID_PARAMETER,
                "only a Standard listener takes these endpoint groups",
            )
        )


def _endpoint_group(
    group: EndpointGroupConfiguration,
    path: str,
    *,
    protocol: str | None,
    listener_ports: list[tuple[int, int]] | None,
    has_virtual: bool,
    out: list[Violation],
) -> None:
    _name(group.endpoint_group_name, path, "EndpointGroupName", out)
    _description(
        group.endpoint_group_description, path, "EndpointGroupDescription", out, anywhere=True
    )
    _within(group.traffic_percentage, (1, 100), path, "TrafficPercentage", out)
    _within(group.health_check_interval_seconds, (1, 50), path, "HealthCheckIntervalSeconds", out)
    _within(group.health_check_port, (1, 65535), path, "HealthCheckPort", out)
    _within(group.threshold_count, (2, 10), path, "ThresholdCount", out)
    if group.health_check_path is not None and not group.health_check_path.startswith("/"):
        out.append(Violation(f"{path}.HealthCheckPath", INVALID_PARAMETER, "must start with /"))
    http = protocol in HTTP_PROTOCOLS
    if group.endpoint_group_type == "virtual" and protocol is not None and not http:
        out.append(
            Violation(
                f"{path}.EndpointGroupType",
                INVALID_PARAMETER,
                "only HTTP and HTTPS listeners take virtual endpoint groups",
            )
        )
    request_protocol = group.endpoint_request_protocol
    if request_protocol is not None and protocol is not None:
        if not http:
            out.append(
                Violation(
                    f"{path}.EndpointRequestProtocol",
                    INVALID_PARAMETER,
                    "only HTTP and HTTPS listeners take a backend protocol",
                )
            )
        elif protocol == "http" and request_protocol != "HTTP":
            out.append(
                Violation(
                    f"{path}.EndpointRequestProtocol",
                    INVALID_PARAMETER,
                    "an HTTP listener's backend is HTTP",
                )
            )
    if group.endpoint_protocol_version is not None and request_protocol != "HTTPS":
        out.append(
            Violation(
                f"{path}.EndpointProtocolVersion",
                INVALID_PARAMETER,
                "only with EndpointRequestProtocol HTTPS",
            )
        )
    overrides = group.port_overrides or []
    _count(overrides, MAX_PORT_OVERRIDES, path, "PortOverrides", out)
    if overrides and has_virtual:
        out.append(
            Violation(
                f"{path}.PortOverrides",
                INVALID_PARAMETER,
                "port overrides cannot be configured beside a virtual endpoint group",
            )
        )
    for index, override in enumerate(overrides, 1):
        here = f"{path}.PortOverrides.{index}"
        listener_port = override.listener_port
        if _within(listener_port, (MIN_PORT, MAX_PORT), here, "ListenerPort", out) and (
            listener_ports is not None
            and listener_port is not None
            and not any(first <= listener_port <= last for first, last in listener_ports)
        ):
            out.append(
                Violation(
                    f"{here}.ListenerPort",
                    "NotExist.ListenerPort",
                    f"listener port {listener_port} is not one of the listener's ports",
                )
            )
        _within(override.endpoint_port, (MIN_PORT, MAX_PORT), here, "EndpointPort", out)
    endpoints = group.endpoint_configurations or []
    _count(endpoints, MAX_ENDPOINTS, path, "EndpointConfigurations", out)
    for index, endpoint in enumerate(endpoints, 1):
        _endpoint(endpoint, f"{path}.EndpointConfigurations.{index}", protocol, out)


def _endpoint(
    endpoint: EndpointConfiguration, path: str, protocol: str | None, out: list[Violation]
) -> None:
    _within(endpoint.weight, (0, 255), path, "Weight", out)
    if endpoint.enable_client_ip_preservation and endpoint.enable_proxy_protocol:
        out.append(
            Violation(
                f"{path}.EnableProxyProtocol",
                INVALID_PARAMETER,
                "EnableClientIPPreservation and EnableProxyProtocol cannot both be true",
            )
        )
    if endpoint.enable_proxy_protocol and protocol is not None and protocol != "tcp":
        out.append(
            Violation(
                f"{path}.EnableProxyProtocol",
                INVALID_PARAMETER,
                "only a TCP listener takes proxy protocol",
            )
        )
    if endpoint.type == "IpTarget":
        if not endpoint.vpc_id:
            out.append(
                Violation(f"{path}.VpcId", INVALID_PARAMETER, "an IpTarget endpoint needs a VPC")
            )
        if not endpoint.v_switch_ids:
            out.append(
                Violation(
                    f"{path}.VSwitchIds", INVALID_PARAMETER, "an IpTarget endpoint needs vSwitches"
                )
            )
    elif endpoint.type is not None:
        for wire, value in (("VpcId", endpoint.vpc_id), ("VSwitchIds", endpoint.v_switch_ids)):
            if value is not None:
                out.append(
                    Violation(
                        f"{path}.{wire}", INVALID_PARAMETER, "only an IpTarget endpoint takes this"
                    )
                )
    _count(endpoint.v_switch_ids or [], MAX_VSWITCHES, path, "VSwitchIds", out)
    if endpoint.sub_address is not None and endpoint.type not in (None, "ENI"):
        out.append(
            Violation(f"{path}.SubAddress", INVALID_PARAMETER, "only an ENI endpoint takes this")
        )


def _custom_group(
    group: CustomRoutingEndpointGroupConfiguration, path: str, out: list[Violation]
) -> None:
    _name(group.name, path, "Name", out)
    _description(group.description, path, "Description", out, anywhere=True)
    destinations = group.destination_configurations or []
    _count(destinations, MAX_DESTINATIONS, path, "DestinationConfigurations", out)
    backend: list[tuple[int, int]] | None = []
    for index, destination in enumerate(destinations, 1):
        here = f"{path}.DestinationConfigurations.{index}"
        _count(destination.protocols or [], MAX_DESTINATION_PROTOCOLS, here, "Protocols", out)
        span = _range(destination.from_port, destination.to_port, here, out)
        if span is None:
            backend = None
        elif backend is not None:
            backend.append(span)
    endpoints = group.endpoint_configurations or []
    _count(endpoints, MAX_CUSTOM_ENDPOINTS, path, "EndpointConfigurations", out)
    for index, endpoint in enumerate(endpoints, 1):
        here = f"{path}.EndpointConfigurations.{index}"
        policies = endpoint.policy_configurations or []
        _count(policies, MAX_POLICIES, here, "PolicyConfigurations", out)
        allow_custom = endpoint.traffic_to_endpoint_policy == "AllowCustom"
        for number, policy in enumerate(policies, 1):
            where = f"{here}.PolicyConfigurations.{number}"
            if allow_custom and not policy.address:
                out.append(
                    Violation(f"{where}.Address", INVALID_PARAMETER, "AllowCustom needs an address")
                )
            port_ranges = policy.port_ranges or []
            _count(port_ranges, MAX_POLICY_PORT_RANGES, where, "PortRanges", out)
            for position, port_range in enumerate(port_ranges, 1):
                at = f"{where}.PortRanges.{position}"
                span = _range(port_range.from_port, port_range.to_port, at, out)
                if span is not None and backend and not _inside(span, backend):
                    out.append(
                        Violation(
                            at,
                            INVALID_PARAMETER,
                            "must fall within the endpoint group's destination ports",
                        )
                    )


def _range(
    first: int | None, last: int | None, path: str, out: list[Violation]
) -> tuple[int, int] | None:
    """A nested port range (not the listener's): 1-65499, FromPort <= ToPort."""
    sound = _within(first, (MIN_PORT, MAX_PORT), path, "FromPort", out)
    sound = _within(last, (MIN_PORT, MAX_PORT), path, "ToPort", out) and sound
    if not sound or first is None or last is None:
        return None
    if first > last:
        out.append(Violation(path, INVALID_PARAMETER, "FromPort must not exceed ToPort"))
        return None
    return first, last


def _inside(span: tuple[int, int], ranges: list[tuple[int, int]]) -> bool:
    return any(first <= span[0] and span[1] <= last for first, last in ranges)


def _within(
    value: int | None, bounds: tuple[int, int], base: str, field: str, out: list[Violation]
) -> bool:
    """True when ``value`` is set and within ``bounds``; a violation when set and outside."""
    if value is None:
        return False
    low, high = bounds
    if low <= value <= high:
        return True
    out.append(Violation(_at(base, field), INVALID_PARAMETER, f"must be {low} to {high}"))
    return False


def _count(items: Sized, most: int, base: str, field: str, out: list[Violation]) -> None:
    if len(items) > most:
        out.append(Violation(_at(base, field), INVALID_PARAMETER, f"at most {most} items"))

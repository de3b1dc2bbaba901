"""The CreateListener request (GA API 2019-11-20), every parameter under its wire name.

Attributes are snake_case; the API's PascalCase names are the aliases, and both are accepted on
input, as are the official SDK's own snake spellings of the few irregular names
(``xforwarded_for_config``, ``enable_client_ippreservation``, ...). The models check shapes and
types only; the rules of the API reference (ranges, which field goes with which protocol, counts,
the API's error codes) live in ``schemas._rules`` so that they can all run, and all be reported,
even when some fields are malformed. ``parse_request`` is the one entry point that does both.

Fields the API requires inside nested objects are typed optional here and enforced by the rules
(``InvalidParameter``): after ``parse_request`` succeeds they are never ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from schemas._rules import REGION_ID, check, is_valid_client_token
from schemas._salvage import not_under, prune, spellings, wire_path
from schemas._types import Lowercased, WireBool, WireInt, WireList, WireStr
from schemas.errors import INVALID_PARAMETER, RequestInvalid, Violation

ListenerProtocol = Literal["tcp", "udp", "http", "https"]
ListenerType = Literal["Standard", "CustomRouting"]
SecurityPolicyId = Literal[
    "tls_cipher_policy_1_0",
    "tls_cipher_policy_1_1",
    "tls_cipher_policy_1_2",
    "tls_cipher_policy_1_2_strict",
    "tls_cipher_policy_1_2_strict_with_1_3",
]
EndpointType = Literal[
    "Domain", "Ip", "PublicIp", "ECS", "SLB", "ALB", "OSS", "ENI", "NLB", "IpTarget"
]
HealthCheckProtocol = Literal["tcp", "TCP", "http", "HTTP", "https", "HTTPS"]


def _wire(name: str, *, sdk: str | None = None, default: Any = None, required: bool = False) -> Any:
    """A field known on the wire as ``name``; ``sdk`` is one more accepted input spelling."""
    if sdk is None:
        if required:
            return Field(alias=name)
        return Field(default, alias=name)
    alias = AliasChoices(name, sdk)
    if required:
        return Field(validation_alias=alias, serialization_alias=name)
    return Field(default, validation_alias=alias, serialization_alias=name)


def _mark_required(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    required = getattr(cls, "WIRE_REQUIRED", ())
    if required:
        schema["required"] = sorted({*schema.get("required", ()), *required})


class WireModel(BaseModel):
    """Base of every request model: both spellings in, unknown parameters refused."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="forbid",
        json_schema_extra=_mark_required,
    )

    WIRE_REQUIRED: ClassVar[tuple[str, ...]] = ()
    """Wire names the API requires that the model types as optional (checked by the rules)."""

    WIRE_NAMES: ClassVar[Mapping[str, str]] = {}
    """attribute name -> wire name, filled in per subclass."""

    REQUIRED_FIELDS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(attribute, wire name) of ``WIRE_REQUIRED``, filled in per subclass."""

    NESTED_FIELDS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(attribute, wire name) of the fields that hold models or lists of models."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.WIRE_NAMES = {
            attr: str(info.serialization_alias or info.alias)
            for attr, info in cls.model_fields.items()
        }
        cls.REQUIRED_FIELDS = tuple(
            (attr, wire) for attr, wire in cls.WIRE_NAMES.items() if wire in cls.WIRE_REQUIRED
        )
        cls.NESTED_FIELDS = tuple(
            (attr, cls.WIRE_NAMES[attr])
            for attr, info in cls.model_fields.items()
            if _holds_model(info.annotation)
        )


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in get_args(annotation))


class PortRange(WireModel):
    """One listener port range, ``FromPort`` to ``ToPort`` inclusive."""

    WIRE_REQUIRED = ("FromPort", "ToPort")
    from_port: WireInt | None = _wire("FromPort")
    to_port: WireInt | None = _wire("ToPort")


class Certificate(WireModel):
    """An SSL certificate of an HTTPS listener."""

    WIRE_REQUIRED = ("Id",)
    id: WireStr | None = _wire("Id")


class XForwardedForConfig(WireModel):
    """Which ``GA-*`` / ``X-Real-IP`` headers an HTTP(S) listener adds."""

    x_forwarded_for_ga_id_enabled: WireBool | None = _wire(
        "XForwardedForGaIdEnabled", sdk="xforwarded_for_ga_id_enabled"
    )
    x_forwarded_for_ga_ap_enabled: WireBool | None = _wire(
        "XForwardedForGaApEnabled", sdk="xforwarded_for_ga_ap_enabled"
    )
    x_forwarded_for_proto_enabled: WireBool | None = _wire(
        "XForwardedForProtoEnabled", sdk="xforwarded_for_proto_enabled"
    )
    x_forwarded_for_port_enabled: WireBool | None = _wire(
        "XForwardedForPortEnabled", sdk="xforwarded_for_port_enabled"
    )
    x_real_ip_enabled: WireBool | None = _wire("XRealIpEnabled", sdk="xreal_ip_enabled")


class PortOverride(WireModel):
    """A port mapping: listener port -> endpoint port."""

    WIRE_REQUIRED = ("ListenerPort", "EndpointPort")
    listener_port: WireInt | None = _wire("ListenerPort")
    endpoint_port: WireInt | None = _wire("EndpointPort")


class EndpointConfiguration(WireModel):
    """An endpoint of an intelligent-routing (Standard) endpoint group."""

    WIRE_REQUIRED = ("Type", "Weight", "Endpoint")
    type: EndpointType | None = _wire("Type")
    weight: WireInt | None = _wire("Weight")
    endpoint: WireStr | None = _wire("Endpoint")
    sub_address: WireStr | None = _wire("SubAddress")
    enable_client_ip_preservation: WireBool | None = _wire(
        "EnableClientIPPreservation", sdk="enable_client_ippreservation"
    )
    enable_proxy_protocol: WireBool | None = _wire("EnableProxyProtocol")
    vpc_id: WireStr | None = _wire("VpcId")
    v_switch_ids: WireList[WireStr] = _wire("VSwitchIds")
    provider: WireStr | None = _wire("Provider")
    api_keys: WireList[WireStr] = _wire("ApiKeys")


class EndpointGroupConfiguration(WireModel):
    """An endpoint group of an intelligent-routing (Standard) listener."""

    WIRE_REQUIRED = ("EndpointGroupRegion",)
    endpoint_group_name: WireStr | None = _wire("EndpointGroupName")
    endpoint_group_description: WireStr | None = _wire("EndpointGroupDescription")
    endpoint_group_region: WireStr | None = _wire("EndpointGroupRegion")
    endpoint_group_type: Literal["default", "virtual"] | None = _wire("EndpointGroupType")
    traffic_percentage: WireInt | None = _wire("TrafficPercentage")
    health_check_enabled: WireBool | None = _wire("HealthCheckEnabled")
    health_check_interval_seconds: WireInt | None = _wire("HealthCheckIntervalSeconds")
    health_check_path: WireStr | None = _wire("HealthCheckPath")
    health_check_port: WireInt | None = _wire("HealthCheckPort")
    health_check_protocol: HealthCheckProtocol | None = _wire("HealthCheckProtocol")
    health_check_host: WireStr | None = _wire("HealthCheckHost")
    threshold_count: WireInt | None = _wire("ThresholdCount")
    endpoint_request_protocol: Literal["HTTP", "HTTPS"] | None = _wire("EndpointRequestProtocol")
    endpoint_protocol_version: Literal["HTTP1.1", "HTTP2"] | None = _wire("EndpointProtocolVersion")
    endpoint_ip_version: Literal["IPv4", "IPv6", "ProtocolAffinity"] | None = _wire(
        "EndpointIpVersion"
    )
    endpoint_configurations: WireList[EndpointConfiguration] = _wire("EndpointConfigurations")
    port_overrides: WireList[PortOverride] = _wire("PortOverrides")


class DestinationPortRange(WireModel):
    """A port range a custom-routing policy lets traffic through to."""

    WIRE_REQUIRED = ("FromPort", "ToPort")
    from_port: WireInt | None = _wire("FromPort")
    to_port: WireInt | None = _wire("ToPort")


class PolicyConfiguration(WireModel):
    """A destination a custom-routing endpoint lets traffic through to (``AllowCustom``)."""

    WIRE_REQUIRED = ("Address",)
    address: WireStr | None = _wire("Address")
    port_ranges: WireList[DestinationPortRange] = _wire("PortRanges")


class CustomRoutingEndpointConfiguration(WireModel):
    """An endpoint (a vSwitch) of a custom-routing endpoint group."""

    WIRE_REQUIRED = ("Endpoint",)
    endpoint: WireStr | None = _wire("Endpoint")
    type: Literal["PrivateSubNet"] | None = _wire("Type")
    traffic_to_endpoint_policy: Literal["DenyAll", "AllowAll", "AllowCustom"] | None = _wire(
        "TrafficToEndpointPolicy"
    )
    policy_configurations: WireList[PolicyConfiguration] = _wire("PolicyConfigurations")


class DestinationConfiguration(WireModel):
    """A backend port range and its protocols, mapped onto the listener's ports."""

    WIRE_REQUIRED = ("Protocols", "FromPort", "ToPort")
    protocols: WireList[Literal["TCP", "UDP", "TCP,UDP"]] = _wire("Protocols")
    from_port: WireInt | None = _wire("FromPort")
    to_port: WireInt | None = _wire("ToPort")


class CustomRoutingEndpointGroupConfiguration(WireModel):
    """An endpoint group of a custom-routing listener."""

    WIRE_REQUIRED = ("EndpointGroupRegion",)
    endpoint_group_region: WireStr | None = _wire("EndpointGroupRegion")
    name: WireStr | None = _wire("Name")
    description: WireStr | None = _wire("Description")
    destination_configurations: WireList[DestinationConfiguration] = _wire(
        "DestinationConfigurations"
    )
    endpoint_configurations: WireList[CustomRoutingEndpointConfiguration] = _wire(
        "EndpointConfigurations"
    )


def _none_if_unset(value: XForwardedForConfig | None) -> XForwardedForConfig | None:
    """An object with nothing set sends nothing on the wire: the same as leaving it out."""
    if value is None or all(item is None for item in value.__dict__.values()):
        return None
    return value


class CreateListenerRequest(WireModel):
    """The parameters of one CreateListener call.

    ``protocol`` defaults to ``tcp`` and ``type`` to ``Standard``, as the API does; ``protocol``
    is accepted in any case and kept in lower case.
    """

    region_id: WireStr = _wire("RegionId", default=REGION_ID)
    client_token: WireStr | None = _wire("ClientToken")
    accelerator_id: WireStr = _wire("AcceleratorId", required=True)
    name: WireStr | None = _wire("Name")
    description: WireStr | None = _wire("Description")
    protocol: Annotated[ListenerProtocol, Lowercased] = _wire("Protocol", default="tcp")
    port_ranges: list[PortRange] = _wire("PortRanges", required=True)
    type: ListenerType = _wire("Type", default="Standard")
    client_affinity: Literal["SOURCE_IP", "NONE"] | None = _wire("ClientAffinity")
    certificates: WireList[Certificate] = _wire("Certificates")
    security_policy_id: SecurityPolicyId | None = _wire("SecurityPolicyId")
    x_forwarded_for_config: Annotated[
        XForwardedForConfig | None, AfterValidator(_none_if_unset)
    ] = _wire("XForwardedForConfig", sdk="xforwarded_for_config")
    idle_timeout: WireInt | None = _wire("IdleTimeout")
    request_timeout: WireInt | None = _wire("RequestTimeout")
    http_version: Literal["http3", "http2", "http1.1"] | None = _wire("HttpVersion")
    endpoint_group_configurations: WireList[EndpointGroupConfiguration] = _wire(
        "EndpointGroupConfigurations"
    )
    custom_routing_endpoint_group_configurations: WireList[
        CustomRoutingEndpointGroupConfiguration
    ] = _wire("CustomRoutingEndpointGroupConfigurations")


# Stand-ins for required top-level fields that failed, so the rules can still run on the rest.
_PLACEHOLDERS: dict[str, object] = {"AcceleratorId": "", "PortRanges": []}
# Which error code a malformed value of these fields gets (the API's own), else InvalidParameter.
_VALUE_CODES = {
    "Protocol": "ProtocalIllegal.Listener",  # [sic], the API's spelling
    "SecurityPolicyId": "SecurityPolicyIdIllegal.Listener",
}
_MODELS: tuple[type[WireModel], ...] = (
    CreateListenerRequest,
    PortRange,
    Certificate,
    XForwardedForConfig,
    EndpointGroupConfiguration,
    EndpointConfiguration,
    PortOverride,
    CustomRoutingEndpointGroupConfiguration,
    DestinationConfiguration,
    CustomRoutingEndpointConfiguration,
    PolicyConfiguration,
    DestinationPortRange,
)
_SPELLINGS = spellings(_MODELS)
_MAX_PASSES = 4


def parse_request(data: object) -> CreateListenerRequest:
    """Validate a decoded request body: the model, or ``RequestInvalid`` with every violation.

    Never raises anything else, whatever ``data`` is. Malformed fields are reported, set aside,
    and the rules then run on what is left, so one response lists every problem.
    """
    if not isinstance(data, dict):
        raise RequestInvalid([Violation("", INVALID_PARAMETER, "the request must be an object")])
    try:
        request = CreateListenerRequest.model_validate(data)
    except ValidationError as exc:
        return _fail(data, exc)
    except (RecursionError, ValueError, TypeError) as exc:
        raise RequestInvalid([Violation("", INVALID_PARAMETER, _unreadable(exc))]) from None
    violations = check(request, frozenset())
    if violations:
        raise RequestInvalid(violations)
    return request


def _fail(data: dict[Any, Any], exc: ValidationError) -> CreateListenerRequest:
    typed: list[Violation] = []
    failed: set[str] = set()
    request: CreateListenerRequest | None = None
    salvaged: dict[Any, Any] = data
    for attempt in range(_MAX_PASSES):
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        locs = [error["loc"] for error in errors]
        if attempt == 0:
            typed = [_violation(error) for error in errors]
        salvaged, gone = prune(salvaged, locs, _SPELLINGS, _PLACEHOLDERS, whole_field=attempt > 0)
        failed.update(gone)
        try:
            request = CreateListenerRequest.model_validate(salvaged)
        except ValidationError as again:
            exc = again
            continue
        except (RecursionError, ValueError, TypeError):
            break
        break
    ruled = check(request, frozenset(failed)) if request is not None else []
    raise RequestInvalid(typed + not_under(ruled, [v.path for v in typed]))


def _violation(error: Any) -> Violation:
    path = wire_path(error["loc"], _SPELLINGS)
    if error["type"] == "missing":
        return Violation(path, INVALID_PARAMETER, "this parameter is required")
    if error["type"] == "extra_forbidden":
        return Violation(path, INVALID_PARAMETER, "unknown parameter")
    return Violation(path, _VALUE_CODES.get(path, INVALID_PARAMETER), str(error["msg"]))


def _unreadable(exc: BaseException) -> str:
    return f"the request cannot be read: {type(exc).__name__}"


__all__ = [
    "REGION_ID",
    "Certificate",
    "CreateListenerRequest",
    "CustomRoutingEndpointConfiguration",
    "CustomRoutingEndpointGroupConfiguration",
    "DestinationConfiguration",
    "DestinationPortRange",
    "EndpointConfiguration",
    "EndpointGroupConfiguration",
    "EndpointType",
    "HealthCheckProtocol",
    "ListenerProtocol",
    "ListenerType",
    "PolicyConfiguration",
    "PortOverride",
    "PortRange",
    "SecurityPolicyId",
    "WireModel",
    "XForwardedForConfig",
    "is_valid_client_token",
    "parse_request",
]

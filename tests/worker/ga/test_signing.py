"""Signing: the documented vectors, and agreement with the official SDK's own functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_tea_openapi.utils import Utils
from hypothesis import given
from hypothesis import strategies as st

from tests.worker.ga._sdk import sdk_authorization
from worker.ga.credentials import Credentials
from worker.ga.signing import (
    EMPTY_PAYLOAD_SHA256,
    acs3_signature,
    canonical_query_string,
    parse_acs3_authorization,
    percent_encode,
    rpc_v1_signature,
    sign_acs3,
    sign_rpc_v1,
)

_VECTORS = json.loads((Path(__file__).parent / "data" / "signing_vectors.json").read_text())

RICH_QUERY = {
    "Action": "CreateListener",
    "AcceleratorId": "ga-bp1odcab8tmno0hdq****",
    "Name": "web listener ~ with spaces",
    "Description": "监听器 für Ärger: a*b+c/d?e=f&g",
    "PortRanges.1.FromPort": "80",
    "PortRanges.1.ToPort": "80",
    "PortRanges.2.FromPort": "443",
    "PortRanges.2.ToPort": "443",
    "ProxyProtocol": "true",
    "EndpointGroupConfigurations.1.EndpointConfigurations.1.Weight": "100",
    "EndpointGroupConfigurations.1.EndpointConfigurations.1.Endpoint": "47.0.0.1",
    "EndpointGroupConfigurations.1.EnableClientIPPreservationToa": "False",
    "ClientToken": "tok-~_.-123",
}

_safe_keys = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.",
    min_size=1,
    max_size=30,
)


@pytest.mark.parametrize("vector", _VECTORS["acs3"], ids=lambda v: v["id"])
def test_acs3_documented_vector(vector: dict[str, Any]) -> None:
    """The documented V3 example reproduces its Authorization header exactly."""
    headers = sign_acs3(
        credentials=Credentials(vector["access_key_id"], vector["access_key_secret"]),
        method=vector["method"],
        host=vector["host"],
        path=vector["path"],
        query=vector["query"],
        body=vector["body"].encode(),
        action=vector["action"],
        version=vector["version"],
        date=vector["date"],
        nonce=vector["nonce"],
    )
    assert vector["authorization"] == headers["Authorization"]
    assert vector["hashed_payload"] == headers["x-acs-content-sha256"]
    assert vector["canonical_query"] == canonical_query_string(vector["query"])


@pytest.mark.parametrize("vector", _VECTORS["acs3"], ids=lambda v: v["id"])
def test_acs3_signature_verifies_documented_vector(vector: dict[str, Any]) -> None:
    """A verifier given the documented headers recomputes the documented signature."""
    parsed = parse_acs3_authorization(vector["authorization"])
    headers = {
        "host": vector["host"],
        "x-acs-action": vector["action"],
        "x-acs-version": vector["version"],
        "x-acs-date": vector["date"],
        "x-acs-signature-nonce": vector["nonce"],
        "x-acs-content-sha256": vector["hashed_payload"],
    }
    actual = acs3_signature(
        secret=vector["access_key_secret"],
        method=vector["method"],
        path=vector["path"],
        query=vector["query"],
        headers=headers,
        signed_headers=parsed.signed_headers,
        hashed_payload=vector["hashed_payload"],
    )
    assert parsed.signature == actual


@pytest.mark.parametrize("vector", _VECTORS["rpc_v1"], ids=lambda v: v["id"])
def test_rpc_v1_documented_vector(vector: dict[str, Any]) -> None:
    """The documented RPC V1 DescribeRegions example reproduces its signature exactly."""
    actual = rpc_v1_signature(
        secret=vector["access_key_secret"], method=vector["method"], params=vector["params"]
    )
    assert vector["signature"] == actual


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a b", "a%20b"),
        ("a*b", "a%2Ab"),
        ("a~b", "a~b"),
        ("a+b", "a%2Bb"),
        ("a/b", "a%2Fb"),
        ("-_.", "-_."),
        ("é", "%C3%A9"),
        ("2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z"),
    ],
)
def test_percent_encode(raw: str, expected: str) -> None:
    """Percent-encoding follows Alibaba Cloud's rules (space %20, * %2A, ~ kept)."""
    assert expected == percent_encode(raw)


def test_acs3_matches_sdk_for_rich_query() -> None:
    """For nested lists, booleans, spaces, ~, * and non-ASCII, the SDK computes our signature."""
    credentials = Credentials("testid", "testsecret")
    headers = sign_acs3(
        credentials=credentials,
        method="POST",
        host="ga.cn-hangzhou.aliyuncs.com",
        path="/",
        query=RICH_QUERY,
        body=b"",
        action="CreateListener",
        version="2019-11-20",
        date="2026-12-03T12:00:00Z",
        nonce="n-1",
    )
    assert headers["Authorization"] == sdk_authorization(RICH_QUERY, headers, "testsecret")


def test_acs3_matches_sdk_with_sts_token() -> None:
    """With an STS token the extra headers are signed and the SDK agrees."""
    credentials = Credentials("STS.id", "stssecret", "token/with+chars==")
    headers = sign_acs3(
        credentials=credentials,
        method="POST",
        host="ga.cn-hangzhou.aliyuncs.com",
        path="/",
        query=RICH_QUERY,
        body=b"",
        action="CreateListener",
        version="2019-11-20",
        date="2026-12-03T12:00:00Z",
        nonce="n-2",
    )
    expected = ("token/with+chars==", "STS.id")
    assert expected == (headers["x-acs-security-token"], headers["x-acs-accesskey-id"])
    signed = parse_acs3_authorization(headers["Authorization"]).signed_headers
    assert set(headers) - {"Authorization"} == set(signed)
    assert headers["Authorization"] == sdk_authorization(RICH_QUERY, headers, "stssecret")


@given(
    query=st.dictionaries(_safe_keys, st.text(max_size=40), max_size=12),
    secret=st.text(min_size=1, max_size=20),
    nonce=st.text(min_size=1, max_size=20),
)
def test_acs3_matches_sdk_property(query: dict[str, str], secret: str, nonce: str) -> None:
    """For any query, secret and nonce, the SDK's get_authorization computes our header."""
    headers = sign_acs3(
        credentials=Credentials("id", secret),
        method="POST",
        host="h.example",
        path="/",
        query=query,
        body=b"",
        action="A",
        version="V",
        date="2026-12-03T12:00:00Z",
        nonce=nonce.strip() or "x",
    )
    assert headers["Authorization"] == sdk_authorization(query, headers, secret)


@given(
    query=st.dictionaries(_safe_keys, st.text(max_size=40), max_size=12),
    secret=st.text(min_size=1, max_size=20),
)
def test_rpc_v1_matches_sdk_property(query: dict[str, str], secret: str) -> None:
    """For any query the SDK's get_rpcsignature computes our RPC V1 signature."""
    params = sign_rpc_v1(
        credentials=Credentials("id", secret),
        method="POST",
        query=query,
        action="CreateListener",
        version="2019-11-20",
        timestamp="2026-12-03T12:00:00Z",
        nonce="n",
    )
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    assert Utils.get_rpcsignature(unsigned, "POST", secret) == params["Signature"]


def test_sign_rpc_v1_common_parameters() -> None:
    """sign_rpc_v1 adds every common parameter, the token, and a verifiable Signature."""
    params = sign_rpc_v1(
        credentials=Credentials("testid", "testsecret", "tok"),
        method="POST",
        query={"AcceleratorId": "ga-1"},
        action="CreateListener",
        version="2019-11-20",
        timestamp="2026-12-03T12:00:00Z",
        nonce="abc",
    )
    expected_keys = {
        "AcceleratorId",
        "AccessKeyId",
        "Action",
        "Format",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "SecurityToken",
        "Signature",
    }
    assert expected_keys == set(params)
    assert params["Signature"] == rpc_v1_signature(
        secret="testsecret", method="POST", params=params
    )


def test_sign_acs3_headers_without_token() -> None:
    """Without a token exactly host and the x-acs-* headers are sent and signed."""
    headers = sign_acs3(
        credentials=Credentials("testid", "testsecret"),
        method="POST",
        host="h",
        path="/",
        query={},
        body=b"",
        action="A",
        version="V",
        date="d",
        nonce="n",
    )
    expected = {
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
        "Authorization",
    }
    assert expected == set(headers)
    expected_hash = EMPTY_PAYLOAD_SHA256
    assert expected_hash == headers["x-acs-content-sha256"]


def test_parse_acs3_authorization_rejects_garbage() -> None:
    """A header that is not ACS3 raises ValueError without echoing its value."""
    with pytest.raises(ValueError, match="malformed") as info:
        parse_acs3_authorization("Bearer s3cr3t")
    assert "s3cr3t" not in str(info.value)

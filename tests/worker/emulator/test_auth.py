"""Tests of ``worker.emulator._auth``: ACS3 and RPC V1 verification, clocks and nonces."""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.errors import ApiError
from tests.worker.emulator._clock import Clock
from worker.emulator import SignatureVerifier
from worker.ga.credentials import Credentials
from worker.ga.signing import sign_acs3, sign_rpc_v1

NOW = datetime(2025, 3, 7, 8, 0, 0, tzinfo=UTC).timestamp()
GOOD = Credentials("testid", "testsecret")
QUERY = {"AcceleratorId": "ga-1", "ListenerId": "lsr-1 x", "RegionId": "cn-hangzhou"}


def _stamp(offset: float = 0) -> str:
    return datetime.fromtimestamp(NOW + offset, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _acs3(
    credentials: Credentials = GOOD, *, nonce: str = "n-1", offset: float = 0
) -> dict[str, str]:
    return sign_acs3(
        credentials=credentials,
        method="POST",
        host="127.0.0.1:8099",
        path="/",
        query=QUERY,
        body=b"",
        action="DescribeListener",
        version="2019-11-20",
        date=_stamp(offset),
        nonce=nonce,
    )


def _rpc(
    credentials: Credentials = GOOD, *, nonce: str = "n-1", offset: float = 0
) -> dict[str, str]:
    return sign_rpc_v1(
        credentials=credentials,
        method="GET",
        query=QUERY,
        action="DescribeListener",
        version="2019-11-20",
        timestamp=_stamp(offset),
        nonce=nonce,
    )


@pytest.fixture(name="clock")
def fixture_clock() -> Clock:
    """A clock at ``NOW``."""
    return Clock(NOW)


@pytest.fixture(name="verifier")
def fixture_verifier(clock: Clock) -> SignatureVerifier:
    """A verifier knowing ``testid``/``testsecret``."""
    return SignatureVerifier({"testid": "testsecret"}, clock=clock)


def _verify_acs3(verifier: SignatureVerifier, headers: dict[str, str]) -> str:
    return verifier.verify(
        method="POST", path="/", query=QUERY, params=QUERY, headers=headers, body=b""
    )


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(ApiError) as info:
        call()
    return info.value.code


def test_acs3_accepts_a_good_signature(verifier: SignatureVerifier) -> None:
    """A correctly signed V3 request verifies and names its account."""
    assert "testid" == _verify_acs3(verifier, _acs3())


def test_acs3_accepts_an_sts_token(verifier: SignatureVerifier) -> None:
    """A request with an STS security token verifies too."""
    creds = Credentials("testid", "testsecret", security_token="sts-token")
    assert "testid" == _verify_acs3(verifier, _acs3(creds))


def test_acs3_wrong_secret(verifier: SignatureVerifier) -> None:
    """A wrong secret gives ``SignatureDoesNotMatch``."""
    headers = _acs3(Credentials("testid", "wrong"))
    assert "SignatureDoesNotMatch" == _code(lambda: _verify_acs3(verifier, headers))


def test_acs3_tampered_query(verifier: SignatureVerifier) -> None:
    """A query changed after signing gives ``SignatureDoesNotMatch``."""
    headers = _acs3()
    assert "SignatureDoesNotMatch" == _code(
        lambda: verifier.verify(
            method="POST",
            path="/",
            query={**QUERY, "ListenerId": "lsr-2"},
            params={**QUERY, "ListenerId": "lsr-2"},
            headers=headers,
            body=b"",
        )
    )


def test_acs3_missing_signed_header(verifier: SignatureVerifier) -> None:
    """A signed header that did not arrive gives ``SignatureDoesNotMatch``."""
    headers = _acs3()
    del headers["x-acs-action"]
    assert "SignatureDoesNotMatch" == _code(lambda: _verify_acs3(verifier, headers))


def test_unknown_access_key(verifier: SignatureVerifier) -> None:
    """An unknown AccessKey ID gives ``InvalidAccessKeyId.NotFound`` (404)."""
    with pytest.raises(ApiError) as info:
        _verify_acs3(verifier, _acs3(Credentials("nobody", "testsecret")))
    assert ("InvalidAccessKeyId.NotFound", 404) == (info.value.code, info.value.http_status)


@pytest.mark.parametrize("offset", [-15 * 60 - 1, 15 * 60 + 1, -86400])
def test_stale_or_future_date(verifier: SignatureVerifier, offset: float) -> None:
    """A date more than 15 minutes off gives ``InvalidTimeStamp.Expired``."""
    headers = _acs3(offset=offset)
    assert "InvalidTimeStamp.Expired" == _code(lambda: _verify_acs3(verifier, headers))


def test_date_within_the_window(verifier: SignatureVerifier) -> None:
    """A date 14 minutes old is fine."""
    assert "testid" == _verify_acs3(verifier, _acs3(offset=-14 * 60))


def test_reused_nonce(verifier: SignatureVerifier) -> None:
    """The same nonce twice gives ``SignatureNonceUsed`` the second time."""
    _verify_acs3(verifier, _acs3(nonce="again"))
    headers = _acs3(nonce="again")
    assert "SignatureNonceUsed" == _code(lambda: _verify_acs3(verifier, headers))


def test_forged_request_does_not_burn_a_nonce(verifier: SignatureVerifier) -> None:
    """A request with a wrong signature leaves its nonce usable."""
    bad = _acs3(Credentials("testid", "wrong"), nonce="mine")
    assert "SignatureDoesNotMatch" == _code(lambda: _verify_acs3(verifier, bad))
    assert "testid" == _verify_acs3(verifier, _acs3(nonce="mine"))


def test_nonces_are_forgotten_after_the_window(verifier: SignatureVerifier, clock: Clock) -> None:
    """Nonce memory drops nonces whose window has passed."""
    for i in range(100):
        _verify_acs3(verifier, _acs3(nonce=f"n{i}"))
    assert 100 == verifier.nonce_count
    clock.now += 15 * 60 + 1
    _verify_acs3(verifier, _acs3(nonce="late", offset=15 * 60 + 1))
    assert 1 == verifier.nonce_count


def test_nonce_memory_is_capped(clock: Clock) -> None:
    """Never more than ``max_nonces`` are kept."""
    verifier = SignatureVerifier({"testid": "testsecret"}, max_nonces=10, clock=clock)
    for i in range(50):
        _verify_acs3(verifier, _acs3(nonce=f"n{i}"))
    assert 10 == verifier.nonce_count


@pytest.mark.parametrize(
    "authorization",
    [
        "garbage",
        "ACS3-HMAC-SHA256 Credential=testid",
        "HMAC-SHA1 Credential=testid,SignedHeaders=x-acs-date;x-acs-signature-nonce,Signature=ab",
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host,Signature=ab",
    ],
)
def test_malformed_authorization(verifier: SignatureVerifier, authorization: str) -> None:
    """A malformed Authorization header gives ``IncompleteSignature``."""
    headers = {**_acs3(), "Authorization": authorization}
    assert "IncompleteSignature" == _code(lambda: _verify_acs3(verifier, headers))


def test_no_signature_at_all(verifier: SignatureVerifier) -> None:
    """A request with no signature gives ``IncompleteSignature``."""
    assert "IncompleteSignature" == _code(
        lambda: verifier.verify(
            method="GET", path="/", query=QUERY, params=QUERY, headers={}, body=b""
        )
    )


def test_bad_date_format(verifier: SignatureVerifier) -> None:
    """A date that is not ISO 8601 gives ``InvalidTimeStamp.Format``."""
    headers = _acs3()
    headers["x-acs-date"] = "yesterday"
    assert "InvalidTimeStamp.Format" == _code(lambda: _verify_acs3(verifier, headers))


def _verify_rpc(verifier: SignatureVerifier, params: dict[str, str]) -> str:
    return verifier.verify(
        method="GET", path="/", query=params, params=params, headers={}, body=b""
    )


def test_rpc_v1_accepts_a_good_signature(verifier: SignatureVerifier) -> None:
    """A correctly signed RPC V1 request verifies."""
    assert "testid" == _verify_rpc(verifier, _rpc())


def test_rpc_v1_in_a_form_body(verifier: SignatureVerifier) -> None:
    """RPC V1 parameters split between query and form body verify together."""
    params = _rpc()
    query = {k: v for k, v in params.items() if k != "AcceleratorId"}
    assert "testid" == verifier.verify(
        method="GET", path="/", query=query, params=params, headers={}, body=b""
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (_rpc(Credentials("testid", "nope")), "SignatureDoesNotMatch"),
        (_rpc(Credentials("other", "testsecret")), "InvalidAccessKeyId.NotFound"),
        (_rpc(offset=-3600), "InvalidTimeStamp.Expired"),
        ({k: v for k, v in _rpc().items() if k != "SignatureNonce"}, "IncompleteSignature"),
    ],
)
def test_rpc_v1_refusals(verifier: SignatureVerifier, params: dict[str, str], code: str) -> None:
    """RPC V1 refusals carry the gateway's codes."""
    assert code == _code(lambda: _verify_rpc(verifier, params))


def test_rpc_v1_reused_nonce(verifier: SignatureVerifier) -> None:
    """RPC V1 nonces are single-use too."""
    _verify_rpc(verifier, _rpc(nonce="x"))
    assert "SignatureNonceUsed" == _code(lambda: _verify_rpc(verifier, _rpc(nonce="x")))


def test_errors_never_carry_the_secret(verifier: SignatureVerifier) -> None:
    """No refusal message contains the secret or the signature."""
    headers = _acs3(Credentials("testid", "wrong"))
    with pytest.raises(ApiError) as info:
        _verify_acs3(verifier, headers)
    text = str(info.value) + info.value.api_message
    assert "testsecret" not in text
    assert headers["Authorization"].rsplit("=", 1)[1] not in text

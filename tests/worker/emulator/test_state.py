"""Tests of ``worker.emulator._state``: the lazy listener state machine and the stateful rules."""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

from typing import Any

import pytest

from schemas.errors import ApiError
from schemas.request import CreateListenerRequest, parse_request
from tests.worker.emulator._clock import Clock
from worker.emulator import EmulatorState


def _request(**fields: Any) -> CreateListenerRequest:
    data: dict[str, Any] = {
        "AcceleratorId": "ga-1",
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": 80, "ToPort": 80}],
    }
    data.update(fields)
    return parse_request(data)


def _ports(frm: int, to: int) -> list[dict[str, int]]:
    return [{"FromPort": frm, "ToPort": to}]


def _listener(protocol: str, frm: int, to: int) -> CreateListenerRequest:
    extra: dict[str, Any] = {"Certificates": [{"Id": "cert-1"}]} if protocol == "https" else {}
    return _request(Protocol=protocol, PortRanges=_ports(frm, to), **extra)


@pytest.fixture(name="clock")
def fixture_clock() -> Clock:
    """A clock the test moves by hand."""
    return Clock(1000.0)


@pytest.fixture(name="state")
def fixture_state(clock: Clock) -> EmulatorState:
    """State with one active accelerator ``ga-1`` (quota 10), 5 s activation, 3 s deletion."""
    state = EmulatorState(activation_seconds=5, deletion_seconds=3, clock=clock)
    state.add_accelerator("ga-1")
    return state


def _code(state: EmulatorState, request: CreateListenerRequest, account: str = "a") -> str:
    with pytest.raises(ApiError) as info:
        state.create_listener(request, account=account)
    assert 400 == info.value.http_status
    return info.value.code


def test_listener_goes_init_then_active(state: EmulatorState, clock: Clock) -> None:
    """A new listener is ``init`` until ``activation_seconds`` pass, then ``active``."""
    listener_id = state.create_listener(_request(), account="a")
    assert listener_id.startswith("lsr-")
    assert "init" == state.describe_listener(listener_id)["State"]
    clock.now += 5
    assert "active" == state.describe_listener(listener_id)["State"]


def test_describe_has_the_api_fields(state: EmulatorState) -> None:
    """DescribeListener carries the request's fields under the API's names."""
    listener_id = state.create_listener(
        _request(Name="web", Description="d", ClientToken="t"), account="a"
    )
    body = state.describe_listener(listener_id)
    expected = {
        "ListenerId": listener_id,
        "AcceleratorId": "ga-1",
        "Name": "web",
        "Description": "d",
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": 80, "ToPort": 80}],
        "ClientAffinity": "NONE",
        "Type": "Standard",
        "IdleTimeout": 900,
        "Certificates": [],
        "State": "init",
    }
    assert expected == {key: body[key] for key in expected}
    assert body["CreateTime"].isdigit()


def test_https_listener_fields(state: EmulatorState) -> None:
    """An HTTPS listener shows its certificate, policy, HTTP version and XFF config."""
    listener_id = state.create_listener(
        _request(
            Protocol="https",
            PortRanges=_ports(443, 443),
            Certificates=[{"Id": "cert-1"}],
            SecurityPolicyId="tls_cipher_policy_1_2",
            XForwardedForConfig={"XRealIpEnabled": "true"},
        ),
        account="a",
    )
    body = state.describe_listener(listener_id)
    assert [{"Id": "cert-1", "Type": "Server"}] == body["Certificates"]
    assert "tls_cipher_policy_1_2" == body["SecurityPolicyId"]
    assert "http2" == body["HttpVersion"]
    assert 60 == body["RequestTimeout"]
    assert body["XForwardedForConfig"]["XRealIpEnabled"] is True
    assert body["XForwardedForConfig"]["XForwardedForGaIdEnabled"] is False


def test_unknown_accelerator(state: EmulatorState) -> None:
    """An accelerator nobody created gives ``NotExist.Accelerator``."""
    assert "NotExist.Accelerator" == _code(state, _request(AcceleratorId="ga-nope"))


def test_inactive_accelerator(state: EmulatorState) -> None:
    """An accelerator that is not ``active`` gives ``StateError.Accelerator``."""
    state.add_accelerator("ga-2", state="configuring")
    assert "StateError.Accelerator" == _code(state, _request(AcceleratorId="ga-2"))


def test_second_create_while_init(state: EmulatorState, clock: Clock) -> None:
    """While one listener is ``init`` on the accelerator, another create is refused."""
    state.create_listener(_request(), account="a")
    assert "StateError.Accelerator" == _code(state, _request(PortRanges=_ports(81, 81)))
    clock.now += 5
    state.create_listener(_request(PortRanges=_ports(81, 81)), account="a")


def test_other_accelerator_is_not_busy(state: EmulatorState) -> None:
    """An ``init`` listener blocks only its own accelerator."""
    state.add_accelerator("ga-2")
    state.create_listener(_request(), account="a")
    state.create_listener(_request(AcceleratorId="ga-2"), account="a")


def test_client_token_is_idempotent(state: EmulatorState) -> None:
    """A repeated ClientToken returns the first ListenerId and creates nothing, even in init."""
    first = state.create_listener(_request(ClientToken="tok"), account="a")
    again = state.create_listener(_request(ClientToken="tok"), account="a")
    assert first == again
    assert 1 == len(state.snapshot()["listeners"])


def test_client_token_is_per_account(state: EmulatorState, clock: Clock) -> None:
    """Another account's identical ClientToken is a new request."""
    state.create_listener(_request(ClientToken="tok"), account="a")
    clock.now += 5
    other = state.create_listener(
        _request(ClientToken="tok", PortRanges=_ports(81, 81)), account="b"
    )
    assert 2 == len(state.snapshot()["listeners"])
    assert other == state.tokens[("b", "tok")]


def test_failed_create_does_not_keep_the_token(state: EmulatorState, clock: Clock) -> None:
    """A refused create leaves its ClientToken free for the retry."""
    state.create_listener(_request(), account="a")
    retry = _request(ClientToken="tok", PortRanges=_ports(81, 81))
    assert "StateError.Accelerator" == _code(state, retry)
    clock.now += 5
    assert state.create_listener(retry, account="a").startswith("lsr-")


def test_quota(state: EmulatorState) -> None:
    """The accelerator's listener quota gives ``QuotaExceeded.Listener``."""
    state.configure(activation_seconds=0)
    state.add_accelerator("ga-1", quota=2)
    state.create_listener(_request(PortRanges=_ports(1, 1)), account="a")
    state.create_listener(_request(PortRanges=_ports(2, 2)), account="a")
    assert "QuotaExceeded.Listener" == _code(state, _request(PortRanges=_ports(3, 3)))


def test_quota_frees_when_a_listener_is_gone(state: EmulatorState, clock: Clock) -> None:
    """A deleted listener counts until it is gone, then frees its slot."""
    state.configure(activation_seconds=0)
    state.add_accelerator("ga-1", quota=1)
    listener_id = state.create_listener(_request(), account="a")
    state.delete_listener(listener_id)
    assert "QuotaExceeded.Listener" == _code(state, _request(PortRanges=_ports(3, 3)))
    clock.now += 3
    state.create_listener(_request(PortRanges=_ports(3, 3)), account="a")


@pytest.mark.parametrize(
    ("existing", "new", "conflict"),
    [
        (("tcp", 80, 90), ("tcp", 90, 95), True),
        (("tcp", 80, 90), ("tcp", 91, 95), False),
        (("tcp", 80, 90), ("tcp", 70, 79), False),
        (("tcp", 80, 90), ("tcp", 1, 1000), True),
        (("tcp", 80, 80), ("http", 80, 80), True),
        (("https", 443, 443), ("tcp", 400, 500), True),
        (("tcp", 80, 90), ("udp", 80, 90), False),
        (("udp", 53, 53), ("udp", 53, 53), True),
    ],
)
def test_port_conflicts(
    state: EmulatorState,
    existing: tuple[str, int, int],
    new: tuple[str, int, int],
    conflict: bool,
) -> None:
    """Overlapping ports in one protocol family conflict (TCP, HTTP, HTTPS share; UDP apart)."""
    state.configure(activation_seconds=0)
    state.create_listener(_listener(*existing), account="a")
    request = _listener(*new)
    if conflict:
        assert "PortConflict.Listener" == _code(state, request)
    else:
        state.create_listener(request, account="a")


def test_ports_free_after_the_listener_is_gone(state: EmulatorState, clock: Clock) -> None:
    """A listener's ports stay taken while ``deleting`` and free once gone."""
    state.configure(activation_seconds=0)
    listener_id = state.create_listener(_request(), account="a")
    state.delete_listener(listener_id)
    assert "PortConflict.Listener" == _code(state, _request())
    clock.now += 3
    state.create_listener(_request(), account="a")


def test_one_huge_listener_per_family(state: EmulatorState) -> None:
    """A second listener of over 300 ports in one family gives ``ExceedGaAbility``."""
    state.configure(activation_seconds=0)
    state.create_listener(_request(PortRanges=_ports(1000, 1400)), account="a")
    assert "PortRangeIllegal.ExceedGaAbility" == _code(
        state, _request(PortRanges=_ports(2000, 2400))
    )
    state.create_listener(_request(PortRanges=_ports(2000, 2299)), account="a")
    state.create_listener(_request(Protocol="udp", PortRanges=_ports(2000, 2400)), account="a")


def test_delete_goes_deleting_then_gone(state: EmulatorState, clock: Clock) -> None:
    """DeleteListener: ``deleting`` at once, then ``NotExist.Listener`` once gone."""
    listener_id = state.create_listener(_request(), account="a")
    state.delete_listener(listener_id)
    assert "deleting" == state.describe_listener(listener_id)["State"]
    clock.now += 3
    with pytest.raises(ApiError) as info:
        state.describe_listener(listener_id)
    assert "NotExist.Listener" == info.value.code
    assert [] == state.snapshot()["listeners"]


def test_deleting_the_init_listener_frees_the_accelerator(state: EmulatorState) -> None:
    """Deleting the listener being created lets the next create through."""
    listener_id = state.create_listener(_request(), account="a")
    state.delete_listener(listener_id)
    state.create_listener(_request(PortRanges=_ports(81, 81)), account="a")


def test_delete_unknown_or_wrong_accelerator(state: EmulatorState) -> None:
    """Deleting an unknown listener, or naming the wrong accelerator, is ``NotExist.Listener``."""
    listener_id = state.create_listener(_request(), account="a")
    for call in (
        lambda: state.delete_listener("lsr-nope"),
        lambda: state.delete_listener(listener_id, accelerator_id="ga-2"),
    ):
        with pytest.raises(ApiError) as info:
            call()
        assert "NotExist.Listener" == info.value.code


def test_list_listeners_pages(state: EmulatorState) -> None:
    """ListListeners pages through an accelerator's listeners in creation order."""
    state.configure(activation_seconds=0)
    state.add_accelerator("ga-1", quota=100)
    ids = [
        state.create_listener(_request(PortRanges=_ports(p, p)), account="a") for p in range(1, 8)
    ]
    page = state.list_listeners(accelerator_id="ga-1", page_number=2, page_size=3)
    assert ids[3:6] == [item["ListenerId"] for item in page["Listeners"]]
    assert (7, 2, 3) == (page["TotalCount"], page["PageNumber"], page["PageSize"])
    assert isinstance(page["Listeners"][0]["CreateTime"], int)


def test_list_filters_protocol(state: EmulatorState) -> None:
    """ListListeners filters by protocol."""
    state.configure(activation_seconds=0)
    state.create_listener(_request(), account="a")
    udp = state.create_listener(_request(Protocol="udp"), account="a")
    page = state.list_listeners(accelerator_id="ga-1", protocol="UDP")
    assert [udp] == [item["ListenerId"] for item in page["Listeners"]]


def test_thousands_of_listeners(clock: Clock) -> None:
    """Ten thousand listeners on one accelerator: creates stay cheap and conflicts exact."""
    state = EmulatorState(activation_seconds=0, clock=clock)
    state.add_accelerator("ga-big", quota=20_000)
    for port in range(1, 10_001):
        state.create_listener(
            _request(AcceleratorId="ga-big", PortRanges=_ports(port, port)), account="a"
        )
    assert "PortConflict.Listener" == _code(
        state, _request(AcceleratorId="ga-big", PortRanges=_ports(5000, 5000))
    )
    assert 10_000 == state.list_listeners(accelerator_id="ga-big")["TotalCount"]


def test_reset_forgets_everything(state: EmulatorState) -> None:
    """``reset`` drops accelerators, listeners, tokens and counts and restores the timing."""
    state.create_listener(_request(ClientToken="t"), account="a")
    state.calls["CreateListener"] += 1
    state.configure(activation_seconds=99)
    state.reset()
    expected = {
        "accelerators": [],
        "listeners": [],
        "calls": {},
        "config": {"activation_seconds": 5.0, "deletion_seconds": 3.0},
    }
    assert expected == state.snapshot()
    assert {} == state.tokens


def test_snapshot_lists_listener_fields(state: EmulatorState) -> None:
    """The admin snapshot shows each listener's id, accelerator, token, state, ports."""
    listener_id = state.create_listener(_request(ClientToken="tok"), account="a")
    (item,) = state.snapshot()["listeners"]
    expected = {
        "ListenerId": listener_id,
        "AcceleratorId": "ga-1",
        "ClientToken": "tok",
        "State": "init",
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": 80, "ToPort": 80}],
    }
    assert expected == {key: item[key] for key in expected}

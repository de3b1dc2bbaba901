"""What the emulated GA service knows: accelerators, listeners, ClientTokens and call counts.

The listener state machine is lazy: a listener stores when it was created and when it was
deleted, and its state (``init`` -> ``active``, ``deleting`` -> gone) is computed from those
times whenever someone looks. No timers, no background tasks, so ten thousand listeners cost ten
thousand small objects and nothing more. A listener that is gone is dropped the next time a read
or a rule meets it.

Port rules per accelerator and protocol family (TCP, HTTP and HTTPS share TCP ports; UDP has its
own) keep each family's live port ranges in a sorted list of non-overlapping intervals, so a
conflict check is a bisection, not a scan, even with thousands of listeners on one accelerator.
"""

from __future__ import annotations

import bisect
import itertools
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas._rules import HUGE_PORT_COUNT
from worker.emulator._catalog import api_error

if TYPE_CHECKING:
    from schemas.request import CreateListenerRequest

__all__ = [
    "ACTIVATION_SECONDS",
    "ACTIVE",
    "DEFAULT_LISTENER_QUOTA",
    "DELETING",
    "DELETION_SECONDS",
    "INIT",
    "Accelerator",
    "EmulatorState",
    "Listener",
]

INIT = "init"
ACTIVE = "active"
DELETING = "deleting"

#: How long a new listener stays ``init``, and a deleted one ``deleting``, unless configured.
ACTIVATION_SECONDS = 2.0
DELETION_SECONDS = 1.0
#: Listeners per accelerator unless an accelerator is given its own quota.
DEFAULT_LISTENER_QUOTA = 10
_FAMILY = {"tcp": "tcp", "http": "tcp", "https": "tcp", "udp": "udp"}
_IDLE_TIMEOUT = {"tcp": 900, "udp": 20, "http": 15, "https": 15}
_XFF_FIELDS = (
    "XForwardedForGaApEnabled",
    "XForwardedForGaIdEnabled",
    "XForwardedForPortEnabled",
    "XForwardedForProtoEnabled",
    "XRealIpEnabled",
)


@dataclass(slots=True)
class Accelerator:
    """A GA instance as far as listeners care: its state, its quota, its listeners."""

    accelerator_id: str
    state: str = ACTIVE
    listener_quota: int = DEFAULT_LISTENER_QUOTA
    listener_ids: dict[str, None] = field(default_factory=dict)  # an ordered set
    busy_until: float = 0.0  # clock time until which a listener on it is still ``init``
    # per protocol family: sorted (FromPort, ToPort, ListenerId) of live listeners
    intervals: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    huge: dict[str, str] = field(default_factory=dict)  # family -> the >300-port listener

    def to_json(self) -> dict[str, Any]:
        """The admin API's view."""
        return {
            "AcceleratorId": self.accelerator_id,
            "State": self.state,
            "ListenerQuota": self.listener_quota,
            "ListenerCount": len(self.listener_ids),
        }


@dataclass(slots=True)
class Listener:
    """One listener: its DescribeListener view (minus ``State``) plus the clock times."""

    listener_id: str
    accelerator_id: str
    client_token: str | None
    family: str
    port_ranges: list[tuple[int, int]]
    view: dict[str, Any]
    ready_at: float
    deleted_at: float | None = None
    gone_at: float | None = None

    def state_at(self, now: float) -> str | None:
        """``init``, ``active``, ``deleting``, or ``None`` once it is gone."""
        if self.gone_at is not None:
            return None if now >= self.gone_at else DELETING
        return ACTIVE if now >= self.ready_at else INIT

    @property
    def port_count(self) -> int:
        """How many ports all of its ranges cover."""
        return sum(to - frm + 1 for frm, to in self.port_ranges)


def _new_listener_id() -> str:
    return "lsr-" + secrets.token_hex(10)


class EmulatorState:
    """All of the emulated service's state, and the stateful rules of CreateListener.

    Methods raise ``schemas.errors.ApiError`` (from the catalogue) for a refusal. ``clock`` is
    monotonic seconds (injectable for tests); ``wall_clock`` gives ``CreateTime``.
    """

    activation_seconds: float  # set by configure()
    deletion_seconds: float

    def __init__(
        self,
        *,
        activation_seconds: float = ACTIVATION_SECONDS,
        deletion_seconds: float = DELETION_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._defaults = {
            "activation_seconds": float(activation_seconds),
            "deletion_seconds": float(deletion_seconds),
        }
        self.clock = clock
        self.wall_clock = wall_clock
        self.accelerators: dict[str, Accelerator] = {}
        self.listeners: dict[str, Listener] = {}
        self.tokens: dict[tuple[str, str], str] = {}  # (account, ClientToken) -> ListenerId
        self.calls: Counter[str] = Counter()
        self.configure(**self._defaults)

    # -- administration -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget accelerators, listeners, tokens and counts; timing back to its start values."""
        self.accelerators.clear()
        self.listeners.clear()
        self.tokens.clear()
        self.calls.clear()
        self.configure(**self._defaults)

    def configure(
        self, *, activation_seconds: float | None = None, deletion_seconds: float | None = None
    ) -> dict[str, float]:
        """Change the state machine's timing (for listeners created or deleted from now on)."""
        if activation_seconds is not None:
            if activation_seconds < 0:
                raise ValueError("activation_seconds must be >= 0")
            self.activation_seconds = float(activation_seconds)
        if deletion_seconds is not None:
            if deletion_seconds < 0:
                raise ValueError("deletion_seconds must be >= 0")
            self.deletion_seconds = float(deletion_seconds)
        return self.config()

    def config(self) -> dict[str, float]:
        """The current timing."""
        return {
            "activation_seconds": self.activation_seconds,
            "deletion_seconds": self.deletion_seconds,
        }

    def add_accelerator(
        self, accelerator_id: str, *, state: str = ACTIVE, quota: int = DEFAULT_LISTENER_QUOTA
    ) -> Accelerator:
        """Create or replace an accelerator's state and quota (its listeners stay)."""
        if not accelerator_id:
            raise ValueError("AcceleratorId must not be empty")
        if quota < 0:
            raise ValueError("ListenerQuota must be >= 0")
        acc = self.accelerators.get(accelerator_id)
        if acc is None:
            acc = Accelerator(accelerator_id, state=state, listener_quota=quota)
            self.accelerators[accelerator_id] = acc
        else:
            acc.state = state
            acc.listener_quota = quota
        return acc

    def snapshot(self) -> dict[str, Any]:
        """The admin API's ``GET /_emulator/state``."""
        now = self.clock()
        listeners = []
        for listener in list(self.listeners.values()):
            state = listener.state_at(now)
            if state is None:
                self._purge(listener)
                continue
            item = dict(listener.view)
            item["State"] = state
            item["ClientToken"] = listener.client_token
            listeners.append(item)
        return {
            "accelerators": [acc.to_json() for acc in self.accelerators.values()],
            "listeners": listeners,
            "calls": dict(self.calls),
            "config": self.config(),
        }

    # -- the API ---------------------------------------------------------------------------

    def create_listener(self, request: CreateListenerRequest, *, account: str) -> str:
        """Apply CreateListener's stateful rules to a valid request; return the ``ListenerId``.

        A ``ClientToken`` seen before for ``account`` returns the first call's id and creates
        nothing, whatever has happened since.
        """
        token = request.client_token
        if token:
            known = self.tokens.get((account, token))
            if known is not None:
                return known
        wire = request.model_dump(by_alias=True, exclude_none=True, mode="json")
        protocol = str(wire.get("Protocol", "tcp")).lower()
        family = _FAMILY.get(protocol, "tcp")
        ranges = [(int(r["FromPort"]), int(r["ToPort"])) for r in wire.get("PortRanges", [])]
        now = self.clock()

        acc = self.accelerators.get(request.accelerator_id)
        if acc is None:
            raise api_error("NotExist.Accelerator")
        if acc.state != ACTIVE:
            raise api_error("StateError.Accelerator")
        if acc.busy_until > now:
            raise api_error(
                "StateError.Accelerator",
                "The state of the accelerated instance is invalid: a listener is being created.",
            )
        if len(acc.listener_ids) >= acc.listener_quota:
            self._purge_gone(acc, now)
            if len(acc.listener_ids) >= acc.listener_quota:
                raise api_error("QuotaExceeded.Listener")
        self._check_ports(acc, family, ranges, now)

        listener = Listener(
            listener_id=_new_listener_id(),
            accelerator_id=acc.accelerator_id,
            client_token=token,
            family=family,
            port_ranges=ranges,
            view={},
            ready_at=now + self.activation_seconds,
        )
        listener.view = _describe_view(listener, wire, protocol, self.wall_clock())
        self._insert(acc, listener)
        if token:
            self.tokens[(account, token)] = listener.listener_id
        return listener.listener_id

    def describe_listener(self, listener_id: str) -> dict[str, Any]:
        """DescribeListener's body (without ``RequestId``); ``NotExist.Listener`` once gone."""
        listener, state = self._live(listener_id)
        body = dict(listener.view)
        body["State"] = state
        return body

    def list_listeners(
        self,
        *,
        accelerator_id: str | None,
        protocol: str | None = None,
        page_number: int = 1,
        page_size: int = 10,
    ) -> dict[str, Any]:
        """ListListeners' body (without ``RequestId``), in creation order."""
        now = self.clock()
        if accelerator_id is not None:
            acc = self.accelerators.get(accelerator_id)
            if acc is None:
                raise api_error("NotExist.Accelerator")
            candidates: Iterable[Listener] = [self.listeners[i] for i in acc.listener_ids]
        else:
            candidates = list(self.listeners.values())
        wanted = protocol.lower() if protocol else None
        items = []
        for listener in candidates:
            state = listener.state_at(now)
            if state is None:
                self._purge(listener)
                continue
            if wanted is not None and listener.view["Protocol"] != wanted:
                continue
            items.append((listener, state))
        start = (page_number - 1) * page_size
        page = []
        for listener, state in items[start : start + page_size]:
            item = dict(listener.view)
            item["State"] = state
            item["CreateTime"] = int(item["CreateTime"])  # an integer in ListListeners
            page.append(item)
        return {
            "Listeners": page,
            "TotalCount": len(items),
            "PageNumber": page_number,
            "PageSize": page_size,
        }

    def delete_listener(self, listener_id: str, *, accelerator_id: str | None = None) -> None:
        """Start deleting: ``deleting`` now, gone after ``deletion_seconds``."""
        listener, _state = self._live(listener_id)
        if accelerator_id is not None and accelerator_id != listener.accelerator_id:
            raise api_error("NotExist.Listener")
        if listener.deleted_at is not None:
            return  # already on its way out: deleting again changes nothing
        now = self.clock()
        listener.deleted_at = now
        listener.gone_at = now + self.deletion_seconds
        acc = self.accelerators.get(listener.accelerator_id)
        if acc is not None and listener.ready_at > now:
            # It was the one being created: the accelerator is free again (unless another is).
            acc.busy_until = max(
                (
                    other.ready_at
                    for other in (self.listeners[i] for i in acc.listener_ids)
                    if other.deleted_at is None
                ),
                default=0.0,
            )

    # -- internals -------------------------------------------------------------------------

    def _live(self, listener_id: str) -> tuple[Listener, str]:
        listener = self.listeners.get(listener_id)
        if listener is None:
            raise api_error("NotExist.Listener")
        state = listener.state_at(self.clock())
        if state is None:
            self._purge(listener)
            raise api_error("NotExist.Listener")
        return listener, state

    def _check_ports(
        self, acc: Accelerator, family: str, ranges: list[tuple[int, int]], now: float
    ) -> None:
        ordered = sorted(ranges)
        for (_f1, t1), (f2, _t2) in itertools.pairwise(ordered):
            if f2 <= t1:
                raise api_error(
                    "PortRangeIllegal.Listener", "The listener's own port ranges overlap."
                )
        if sum(to - frm + 1 for frm, to in ranges) > HUGE_PORT_COUNT:
            self._check_huge(acc, family, now)
        self._check_conflicts(acc, family, ranges, now)

    def _check_huge(self, acc: Accelerator, family: str, now: float) -> None:
        holder = acc.huge.get(family)
        if holder is None:
            return
        other = self.listeners.get(holder)
        if other is not None and other.state_at(now) is not None:
            raise api_error("PortRangeIllegal.ExceedGaAbility")
        if other is not None:
            self._purge(other)
        acc.huge.pop(family, None)

    def _check_conflicts(
        self, acc: Accelerator, family: str, ranges: list[tuple[int, int]], now: float
    ) -> None:
        intervals = acc.intervals.get(family)
        if not intervals:
            return
        for frm, to in ranges:
            while True:
                # Live intervals never overlap, so ends ascend with starts: the last interval
                # starting at or before ``to`` is the only one that can reach ``frm``.
                idx = bisect.bisect_right(intervals, (to, 1 << 30, ""))
                if idx == 0 or intervals[idx - 1][1] < frm:
                    break
                other = self.listeners.get(intervals[idx - 1][2])
                if other is not None and other.state_at(now) is not None:
                    raise api_error(
                        "PortConflict.Listener",
                        f"The listener port configuration is in conflict: ports {frm}-{to} "
                        f"overlap listener {other.listener_id}.",
                    )
                if other is None:
                    del intervals[idx - 1]
                else:
                    self._purge(other)

    def _insert(self, acc: Accelerator, listener: Listener) -> None:
        self.listeners[listener.listener_id] = listener
        acc.listener_ids[listener.listener_id] = None
        acc.busy_until = max(acc.busy_until, listener.ready_at)
        intervals = acc.intervals.setdefault(listener.family, [])
        for frm, to in listener.port_ranges:
            bisect.insort(intervals, (frm, to, listener.listener_id))
        if listener.port_count > HUGE_PORT_COUNT:
            acc.huge[listener.family] = listener.listener_id

    def _purge(self, listener: Listener) -> None:
        self.listeners.pop(listener.listener_id, None)
        acc = self.accelerators.get(listener.accelerator_id)
        if acc is None:
            return
        acc.listener_ids.pop(listener.listener_id, None)
        intervals = acc.intervals.get(listener.family)
        if intervals:
            for frm, to in listener.port_ranges:
                entry = (frm, to, listener.listener_id)
                idx = bisect.bisect_left(intervals, entry)
                if idx < len(intervals) and intervals[idx] == entry:
                    del intervals[idx]
        if acc.huge.get(listener.family) == listener.listener_id:
            del acc.huge[listener.family]

    def _purge_gone(self, acc: Accelerator, now: float) -> None:
        for listener_id in list(acc.listener_ids):
            listener = self.listeners.get(listener_id)
            if listener is None:
                acc.listener_ids.pop(listener_id, None)
            elif listener.state_at(now) is None:
                self._purge(listener)


def _describe_view(
    listener: Listener, wire: dict[str, Any], protocol: str, wall_now: float
) -> dict[str, Any]:
    """DescribeListener's fields (``DescribeListenerResponseBody``), defaults as the API fills."""
    web = protocol in ("http", "https")
    view: dict[str, Any] = {
        "ListenerId": listener.listener_id,
        "AcceleratorId": listener.accelerator_id,
        "Name": wire.get("Name", ""),
        "Description": wire.get("Description", ""),
        "Protocol": protocol,
        "PortRanges": [{"FromPort": frm, "ToPort": to} for frm, to in listener.port_ranges],
        "CreateTime": str(int(wall_now * 1000)),
        "ClientAffinity": wire.get("ClientAffinity") or "NONE",
        "Certificates": [
            {"Id": cert.get("Id"), "Type": "Server"} for cert in wire.get("Certificates", [])
        ],
        "Type": wire.get("Type", "Standard"),
        "IdleTimeout": int(wire.get("IdleTimeout", _IDLE_TIMEOUT.get(protocol, 900))),
        "BackendPorts": [],
        "RelatedAcls": [],
        "AclType": "",
        "ProxyProtocol": False,
        "ServiceManaged": False,
        "ServiceManagedInfos": [],
    }
    if protocol == "https":
        view["SecurityPolicyId"] = wire.get("SecurityPolicyId", "tls_cipher_policy_1_0")
        view["HttpVersion"] = wire.get("HttpVersion", "http2")
    if web:
        view["RequestTimeout"] = int(wire.get("RequestTimeout", 60))
        given = wire.get("XForwardedForConfig") or {}
        view["XForwardedForConfig"] = {name: bool(given.get(name, False)) for name in _XFF_FIELDS}
    return view

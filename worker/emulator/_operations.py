"""The four GA actions: flat wire parameters in, response body out (no HTTP here).

CreateListener's static rules are the project's one source of truth: the flat parameters are
unflattened with ``schemas.wire.from_query`` and validated by ``schemas.request.parse_request``;
the first violation answers, with its code, as the real API answers the first rule it meets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from schemas.errors import RequestInvalid
from schemas.request import parse_request
from schemas.wire import from_query
from worker.emulator._catalog import api_error
from worker.emulator._state import EmulatorState

__all__ = ["OPERATIONS", "Operation"]

Operation = Callable[[EmulatorState, Mapping[str, str], str], dict[str, Any]]


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise api_error(
            "MissingParameter",
            f'The input parameter "{name}" that is mandatory for processing this request '
            "is not supplied.",
        )
    return value


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise api_error("InvalidParameter", f"The specified parameter {name} is not valid.")
    return value


def create_listener(
    state: EmulatorState, params: Mapping[str, str], account: str
) -> dict[str, Any]:
    """CreateListener: validate like the reference, then apply the stateful rules."""
    try:
        # from_query leaves out the RPC common parameters (Action, Signature, ...).
        request = parse_request(from_query(params))
    except RequestInvalid as exc:
        first = exc.violations[0]
        raise api_error(first.code, f"{first.path}: {first.message}") from None
    return {"ListenerId": state.create_listener(request, account=account)}


def describe_listener(
    state: EmulatorState, params: Mapping[str, str], account: str
) -> dict[str, Any]:
    """DescribeListener: the listener's fields and its current ``State``."""
    del account
    return state.describe_listener(_required(params, "ListenerId"))


def list_listeners(state: EmulatorState, params: Mapping[str, str], account: str) -> dict[str, Any]:
    """ListListeners: one page of an accelerator's (or every) listener, creation order."""
    del account
    return state.list_listeners(
        accelerator_id=params.get("AcceleratorId") or None,
        protocol=params.get("Protocol") or None,
        page_number=_int(params, "PageNumber", 1, 1, 1_000_000),
        page_size=_int(params, "PageSize", 10, 1, 100),
    )


def delete_listener(
    state: EmulatorState, params: Mapping[str, str], account: str
) -> dict[str, Any]:
    """DeleteListener: ``deleting`` now, gone a little later."""
    del account
    state.delete_listener(
        _required(params, "ListenerId"), accelerator_id=params.get("AcceleratorId") or None
    )
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateListener": create_listener,
    "DeleteListener": delete_listener,
    "DescribeListener": describe_listener,
    "ListListeners": list_listeners,
}

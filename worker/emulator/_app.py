"""The aiohttp application: the RPC endpoint ``/`` and the admin API under ``/_emulator/``.

One request to ``/`` goes: parameters (query, plus a form body) -> action and version -> call
count -> faults (decided before anything else, so a ``reset`` really does nothing) -> signature
-> the action -> JSON. Every refusal is a ``schemas.errors.ApiError`` rendered as the real API
renders it: the HTTP status and ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``.
The hot path is a dict lookup, an HMAC and ``orjson``; no access log.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from urllib.parse import parse_qsl

from aiohttp import web

from schemas.errors import ApiError
from worker.emulator._admin import add_admin_routes
from worker.emulator._auth import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SignatureVerifier
from worker.emulator._catalog import api_error
from worker.emulator._faults import FaultInjector, FaultKind
from worker.emulator._keys import FAULTS_KEY, STATE_KEY, VERIFIER_KEY
from worker.emulator._operations import OPERATIONS
from worker.emulator._responses import json_response
from worker.emulator._state import ACTIVATION_SECONDS, DELETION_SECONDS, EmulatorState
from worker.ga._transport import API_VERSION

__all__ = ["HOST_ID", "create_app"]

HOST_ID = "ga.cn-hangzhou.aliyuncs.com"
_FORM = "application/x-www-form-urlencoded"
_FAULT_CODES = {
    FaultKind.ERROR: "UnknownError",
    FaultKind.THROTTLE: "Throttling.User",
    FaultKind.UNAVAILABLE: "ServiceUnavailable",
}


def create_app(
    *,
    access_key_id: str = ACCESS_KEY_ID,
    access_key_secret: str = ACCESS_KEY_SECRET,
    activation_seconds: float = ACTIVATION_SECONDS,
    deletion_seconds: float = DELETION_SECONDS,
    seed: int | None = None,
) -> web.Application:
    """A fresh emulator application; its state is ``app[STATE_KEY]``."""
    app = web.Application()
    app[STATE_KEY] = EmulatorState(
        activation_seconds=activation_seconds, deletion_seconds=deletion_seconds
    )
    app[FAULTS_KEY] = FaultInjector(seed)
    app[VERIFIER_KEY] = SignatureVerifier({access_key_id: access_key_secret})
    app.router.add_route("GET", "/", _rpc)
    app.router.add_route("POST", "/", _rpc)
    add_admin_routes(app)
    return app


def _request_id() -> str:
    """A random UUID4 in upper case, as the API's RequestIds look, without a ``uuid.UUID``."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex().upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _error(err: ApiError, request_id: str) -> web.Response:
    return json_response(
        {
            "RequestId": request_id,
            "HostId": HOST_ID,
            "Code": err.code,
            "Message": err.api_message,
            "Recommend": (
                f"https://api.aliyun.com/troubleshoot?q={err.code}&product=Ga"
                f"&requestId={request_id}"
            ),
        },
        status=err.http_status or 400,
    )


def _drop(request: web.Request) -> web.Response:
    """Abort the TCP connection: the client sees a reset, never a response."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=499)  # never written: the transport is gone


async def _rpc(request: web.Request) -> web.Response:
    request_id = _request_id()
    app = request.app
    state = app[STATE_KEY]
    query = dict(request.query)
    body = await request.read() if request.body_exists else b""
    form: dict[str, str] = {}
    if body and request.content_type == _FORM:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    params = {**query, **form}
    try:
        action = params.get("Action") or request.headers.get("x-acs-action")
        if not action:
            raise api_error(
                "MissingParameter",
                'The input parameter "Action" that is mandatory for processing this request '
                "is not supplied.",
            )
        operation = OPERATIONS.get(action)
        if operation is None:
            raise api_error("InvalidAction.NotFound")
        state.calls[action] += 1
        if (params.get("Version") or request.headers.get("x-acs-version")) != API_VERSION:
            raise api_error("InvalidVersion")

        decision = app[FAULTS_KEY].decide(action)
        if decision is not None:
            if decision.latency_ms:
                await asyncio.sleep(decision.latency_ms / 1000)
            if decision.kind is FaultKind.RESET:
                return _drop(request)
            code = _FAULT_CODES.get(decision.kind) if decision.kind else None
            if code is not None:
                raise api_error(code)

        account = app[VERIFIER_KEY].verify(
            method=request.method,
            path=request.path,
            query=query,
            params=params,
            headers=request.headers,
            body=body,
        )
        if decision is not None and decision.kind is FaultKind.RESET_AFTER_COMMIT:
            # The action runs (a refusal as much as a success), then the answer is lost.
            with contextlib.suppress(ApiError):
                operation(state, params, account)
            return _drop(request)
        result = operation(state, params, account)
    except ApiError as err:
        return _error(err, request_id)
    result["RequestId"] = request_id
    return json_response(result)

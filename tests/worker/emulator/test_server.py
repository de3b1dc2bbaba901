"""Tests of ``EmulatorServer`` and the ``ga-listener-worker emulator`` command."""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

import asyncio
import os
import signal
import sys

import aiohttp
import orjson
import pytest

from worker.emulator import EmulatorServer

STARTUP_SECONDS = 20.0


async def test_ephemeral_port_and_url() -> None:
    """``port=0`` binds an ephemeral port and ``url`` names it."""
    async with EmulatorServer(port=0) as server:
        assert server.port > 0
        assert f"http://127.0.0.1:{server.port}" == server.url
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server.url}/_emulator/config") as resp,
        ):
            assert 200 == resp.status


async def test_url_before_start() -> None:
    """``url`` of a server that is not running is an error."""
    with pytest.raises(RuntimeError):
        _ = EmulatorServer().url


async def test_state_is_in_process() -> None:
    """``state`` seeds the served emulator directly."""
    async with EmulatorServer(port=0) as server:
        server.state.add_accelerator("ga-direct")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server.url}/_emulator/state") as resp,
        ):
            state = await resp.json()
    assert ["ga-direct"] == [a["AcceleratorId"] for a in state["accelerators"]]


async def test_stop_closes_the_port() -> None:
    """After the context exits, nothing listens on the port."""
    async with EmulatorServer(port=0) as server:
        port = server.port
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_cli_serves_until_signalled(sig: signal.Signals) -> None:
    """The command logs where it listens, serves, and exits 0 on SIGTERM/SIGINT."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from worker.cli import main; main()",
        "emulator",
        "--port",
        "0",
        "--accelerator",
        "ga-cli:5",
        "--activation-seconds",
        "0",
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(STARTUP_SECONDS):
            line = orjson.loads(await proc.stderr.readline())
        assert "emulator.listening" == line["event"]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{line['url']}/_emulator/state") as resp,
        ):
            state = await resp.json()
        assert [("ga-cli", 5)] == [
            (a["AcceleratorId"], a["ListenerQuota"]) for a in state["accelerators"]
        ]
        proc.send_signal(sig)
        async with asyncio.timeout(STARTUP_SECONDS):
            assert 0 == await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

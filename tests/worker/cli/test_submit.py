"""Tests of ``ga-listener-worker submit``: what it publishes, outcomes with --wait, exit codes."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import orjson
import pytest
from click.testing import CliRunner

from tests.fixtures.amqp import StartWorker, settings_for
from tests.fixtures.emulator import EmulatorAdmin
from tests.fixtures.processes import WORKER_CLI
from worker.amqp.topology import Topology
from worker.cli import main
from worker.emulator import EmulatorServer
from worker.settings import Settings

_VALID = {
    "AcceleratorId": "ga-submit-1",
    "Name": "web",
    "Protocol": "tcp",
    "PortRanges": [{"FromPort": 80, "ToPort": 80}],
}
_INVALID = {"AcceleratorId": "ga-submit-1", "Protocol": "tcp", "PortRanges": []}


@dataclass(frozen=True)
class Result:
    """What one ``submit`` process did."""

    exit_code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Broker:
    """Where ``submit`` sends: the test broker and a random topology."""

    url: str
    topology: Topology

    async def submit(self, *args: str) -> Result:
        """Run ``ga-listener-worker submit ARGS`` against this broker and topology."""
        env = {
            **os.environ,
            "GA_WORKER_AMQP_URL": self.url,
            "GA_WORKER_REQUEST_QUEUE": self.topology.request_queue,
            "GA_WORKER_EVENTS_EXCHANGE": self.topology.events_exchange,
        }
        process = await asyncio.create_subprocess_exec(
            WORKER_CLI,
            "submit",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode is not None
        return Result(process.returncode, out.decode(), err.decode())


@pytest.fixture(name="broker")
def fixture_broker(amqp_url: str, topology: Topology) -> Broker:
    """The test broker with a random topology (deleted afterwards)."""
    return Broker(amqp_url, topology)


@pytest.fixture(name="worker")
async def fixture_worker(
    amqp_settings: Settings,
    start_worker: StartWorker,
    emulator: EmulatorServer,
    emulator_admin: EmulatorAdmin,
) -> None:
    """A worker on the broker's topology, calling an emulator that knows ``ga-submit-1``."""
    await emulator_admin.add_accelerator("ga-submit-1")
    await start_worker(settings_for(amqp_settings, emulator_url=emulator.url))


def _write(directory: Path, name: str, request: dict[str, object]) -> Path:
    path = directory / name
    path.write_bytes(orjson.dumps(request))
    return path


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    """A file that cannot be read stops the command before anything is sent."""
    result = CliRunner().invoke(main, ["submit", str(tmp_path / "missing.json")])

    assert result.exit_code == 2
    assert "cannot read" in result.output
    assert "nothing sent" in result.output


def test_unreachable_broker_exits_2(tmp_path: Path) -> None:
    """No broker: one line naming it (password hidden) and how to start one, exit 2."""
    path = _write(tmp_path, "ok.json", _VALID)

    result = CliRunner().invoke(
        main,
        ["submit", str(path)],
        env={"GA_WORKER_AMQP_URL": "amqp://guest:secretpw@127.0.0.1:1/"},
    )

    expected = (2, 1)
    assert expected == (result.exit_code, len(result.output.strip().splitlines()))
    assert "rabbitmq-server -detached" in result.output
    assert "secretpw" not in result.output


async def test_publishes_persistent_messages_with_ids(
    tmp_path: Path, broker: Broker, amqp_connection: aio_pika.abc.AbstractConnection
) -> None:
    """Each file is one persistent JSON message; the same file sent twice has the same id."""
    path = _write(tmp_path, "ok.json", _VALID)

    runs = [await broker.submit(str(path)), await broker.submit(str(path))]
    channel = await amqp_connection.channel()
    queue = await channel.declare_queue(broker.topology.request_queue, passive=True)
    messages = [await queue.get(timeout=5), await queue.get(timeout=5)]
    for message in messages:
        await message.ack()

    expected = [(0, orjson.dumps(_VALID), aio_pika.DeliveryMode.PERSISTENT, "application/json")]
    actual = [
        (run.exit_code, m.body, m.delivery_mode, m.content_type)
        for run, m in zip(runs, messages, strict=True)
    ]
    assert expected * 2 == actual
    assert messages[0].message_id == messages[1].message_id
    assert messages[0].correlation_id != messages[1].correlation_id


@pytest.mark.usefixtures("worker")
async def test_wait_prints_each_outcome(tmp_path: Path, broker: Broker) -> None:
    """With --wait, one JSON line per outcome; exit 1 because one request failed."""
    valid = _write(tmp_path, "valid.json", _VALID)
    invalid = _write(tmp_path, "invalid.json", _INVALID)

    result = await broker.submit(str(valid), str(invalid), "--wait", "60")
    events = sorted(
        (orjson.loads(line) for line in result.stdout.splitlines()), key=lambda e: e["type"]
    )

    expected = (1, ["ga.listener.created", "ga.listener.failed"], "active", "validation_error")
    assert expected == (
        result.exit_code,
        [e["type"] for e in events],
        events[0]["data"]["state"],
        events[1]["data"]["error"]["type"],
    )


@pytest.mark.usefixtures("worker")
async def test_wait_all_created_exits_0(tmp_path: Path, broker: Broker) -> None:
    """Every request created: exit 0, one line."""
    valid = _write(tmp_path, "valid.json", _VALID)

    result = await broker.submit(str(valid), "--wait", "60")

    expected = (0, 1)
    assert expected == (result.exit_code, len(result.stdout.splitlines()))


async def test_wait_without_worker_times_out(tmp_path: Path, broker: Broker) -> None:
    """No outcome within --wait: the file is named on stderr and the exit status is 1."""
    valid = _write(tmp_path, "valid.json", _VALID)

    result = await broker.submit(str(valid), "--wait", "0.5")

    expected = (1, "")
    assert expected == (result.exit_code, result.stdout)
    assert f"no outcome for {valid}" in result.stderr

"""deploy/rabbitmq: the topology definitions, the least-privilege worker user, the config."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import aiormq
import pytest

from tests.deploy._support import DEPLOY, run_cli
from worker.amqp.topology import Topology, declare, definitions
from worker.settings import Settings

RABBITMQ = DEPLOY / "rabbitmq"
WORKER_USER = "ga-worker"
# The passwords of the local stack (docker-compose.yml); the file holds only their hashes.
PASSWORDS = {"admin": "admin-dev-only", WORKER_USER: "worker-dev-only"}


def users_document() -> dict[str, Any]:
    """worker-user.json."""
    document: dict[str, Any] = json.loads((RABBITMQ / "worker-user.json").read_text())
    return document


def worker_permissions() -> dict[str, str]:
    """The worker user's permission regexes in vhost ``/``."""
    (entry,) = [
        p for p in users_document()["permissions"] if p["user"] == WORKER_USER and p["vhost"] == "/"
    ]
    return {kind: entry[kind] for kind in ("configure", "write", "read")}


def declared_names() -> set[str]:
    """Every queue and exchange the worker declares with the default settings."""
    document = definitions(Topology.from_settings(Settings()))
    return {e["name"] for e in document["exchanges"]} | {q["name"] for q in document["queues"]}


def matches(pattern: str, name: str) -> bool:
    """RabbitMQ's check: the regex matched anywhere in the name (anchors are the pattern's)."""
    return re.search(pattern, name) is not None


def test_definitions_are_exactly_the_topology_command_output() -> None:
    """definitions.json is byte for byte what ``ga-listener-worker topology`` prints."""
    result = run_cli("topology")

    expected = (0, result.stdout)
    assert expected == (result.returncode, (RABBITMQ / "definitions.json").read_text())


def test_definitions_equal_the_topology_module() -> None:
    """definitions.json parses to ``definitions()`` of the default topology."""
    expected = definitions(Topology.from_settings(Settings()))

    assert expected == json.loads((RABBITMQ / "definitions.json").read_text())


@pytest.mark.parametrize("kind", ["configure", "write", "read"])
def test_worker_permissions_cover_every_declared_name(kind: str) -> None:
    """The worker user may configure, write and read every name the worker declares."""
    pattern = worker_permissions()[kind]
    expected: list[str] = []

    assert expected == sorted(n for n in declared_names() if not matches(pattern, n))


OTHER_NAMES = [
    "amq.direct",
    "amq.topic",
    "amq.fanout",
    "amq.headers",
    "amq.match",
    "amq.rabbitmq.trace",
    "amq.rabbitmq.reply-to",
    "amq.gen-JzTY20BRgKO-HjmUJj0wLg",
    "orders.requests",
    "ga.listener.requests.other-app",
    "other.ga.listener.requests",
    "ga.listenerXrequests",
    "ga.listener.",
    "",
]


@pytest.mark.parametrize("kind", ["configure", "write", "read"])
@pytest.mark.parametrize("name", OTHER_NAMES)
def test_worker_permissions_exclude_other_names(kind: str, name: str) -> None:
    """No ``amq.`` entity and no other application's name is within the worker's reach."""
    expected = False

    assert expected == matches(worker_permissions()[kind], name)


def test_only_write_reaches_the_default_exchange() -> None:
    """``amq.default`` (the default exchange, for ``reply_to``) is writable, nothing else."""
    permissions = worker_permissions()
    expected = {"configure": False, "write": True, "read": False}

    assert expected == {kind: matches(p, "amq.default") for kind, p in permissions.items()}


@pytest.mark.parametrize("user", sorted(PASSWORDS))
def test_password_hashes_match_the_compose_passwords(user: str) -> None:
    """Each user's ``rabbit_password_hashing_sha256`` hash is of the documented password."""
    (entry,) = [u for u in users_document()["users"] if u["name"] == user]
    raw = base64.b64decode(entry["password_hash"])
    salt, digest = raw[:4], raw[4:]
    expected = ("rabbit_password_hashing_sha256", digest)

    assert expected == (
        entry["hashing_algorithm"],
        hashlib.sha256(salt + PASSWORDS[user].encode()).digest(),
    )


def test_worker_user_is_not_an_administrator() -> None:
    """The worker user has no management tags."""
    (entry,) = [u for u in users_document()["users"] if u["name"] == WORKER_USER]
    expected: list[str] = []

    assert expected == entry["tags"]


def rabbitmq_conf() -> dict[str, str]:
    """rabbitmq.conf as key -> value (sysctl format)."""
    pairs = {}
    for line in (RABBITMQ / "rabbitmq.conf").read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            key, _, value = stripped.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_consumer_timeout_exceeds_the_poll_timeout() -> None:
    """The broker waits longer for an ack than the worker polls for ``active``."""
    timeout_ms = int(rabbitmq_conf()["consumer_timeout"])
    expected = True

    assert expected == (timeout_ms > Settings().poll_timeout * 1000)


def test_definitions_are_loaded_at_boot() -> None:
    """``load_definitions`` names a directory, as docker-compose mounts both files into it."""
    expected = "/etc/rabbitmq/definitions.d"

    assert expected == rabbitmq_conf()["load_definitions"]


# --- the permissions on the real broker ------------------------------------------------------


@dataclass(frozen=True)
class LeastPrivilegeUser:
    """A throwaway vhost and a user holding exactly the worker's permissions in it."""

    url: str


def _rabbitmqctl(*args: str, check: bool = True) -> None:
    ctl = shutil.which("rabbitmqctl")
    assert ctl is not None
    subprocess.run(  # noqa: S603 - the broker's own CLI, fixed arguments
        [ctl, "-q", *args], check=check, capture_output=True, timeout=60
    )


async def _wait_for_login(url: str) -> None:
    """Definition import is asynchronous: wait until the new user can log in."""
    async with asyncio.timeout(30.0):
        while True:
            try:
                connection = await aio_pika.connect(url, timeout=5)
            except (aiormq.exceptions.AMQPConnectionError, ConnectionError):
                await asyncio.sleep(0.1)
                continue
            await connection.close()
            return


@pytest.fixture(name="least_privilege_user", scope="module")
def fixture_least_privilege_user(amqp_url: str) -> Iterator[LeastPrivilegeUser]:
    """The worker's permissions on a random vhost of the test broker (needs rabbitmqctl)."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed")
    vhost, user, password = (f"ga-test-{uuid.uuid4().hex[:10]}" for _ in range(3))
    salt = os.urandom(4)
    document = {
        "vhosts": [{"name": vhost}],
        "users": [
            {
                "name": user,
                "password_hash": base64.b64encode(
                    salt + hashlib.sha256(salt + password.encode()).digest()
                ).decode(),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        ],
        "permissions": [{"user": user, "vhost": vhost, **worker_permissions()}],
    }
    # One import (each rabbitmqctl call starts a VM). The CLI may run as the broker's OS user,
    # so the file must be readable by others; it holds only a random test user's hash.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        file.write(json.dumps(document))
    path = Path(file.name)
    path.chmod(0o644)
    try:
        _rabbitmqctl("import_definitions", str(path))
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"rabbitmqctl cannot manage the test broker: {exc}")
    finally:
        path.unlink()
    try:
        host = amqp_url.split("@", 1)[-1].split("/", 1)[0]
        url = f"amqp://{user}:{password}@{host}/{vhost}"
        asyncio.run(_wait_for_login(url))
        yield LeastPrivilegeUser(url=url)
    finally:
        _rabbitmqctl("delete_vhost", vhost)
        _rabbitmqctl("delete_user", user, check=False)


async def _ignore(_message: aio_pika.abc.AbstractIncomingMessage) -> None:
    return None


async def test_worker_user_can_do_all_the_worker_does(
    least_privilege_user: LeastPrivilegeUser,
) -> None:
    """With only these permissions: declare the topology, consume, publish outcome and reply."""
    topology = Topology.from_settings(Settings())
    connection = await aio_pika.connect(least_privilege_user.url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        declared = await declare(channel, topology)
        await declared.request_queue.consume(_ignore, no_ack=False)
        await declared.events_exchange.publish(
            aio_pika.Message(b"{}"), routing_key="listener.created"
        )
        await channel.default_exchange.publish(
            aio_pika.Message(b"{}"), routing_key=topology.dead_queue
        )
        dead = await channel.declare_queue(topology.dead_queue, passive=True)
        message = await dead.get(timeout=5)
        await message.ack()
        expected = b"{}"
        assert expected == message.body
    finally:
        await connection.close()


async def _declare_other_exchange(channel: aio_pika.abc.AbstractChannel) -> None:
    await channel.declare_exchange("ga.listener.requests.x", durable=True)


async def _declare_other_queue(channel: aio_pika.abc.AbstractChannel) -> None:
    await channel.declare_queue("orders.requests", durable=True)


async def _publish_amq_topic(channel: aio_pika.abc.AbstractChannel) -> None:
    exchange = await channel.get_exchange("amq.topic", ensure=False)
    await exchange.publish(aio_pika.Message(b"{}"), routing_key="x")


async def _bind_amq_topic(channel: aio_pika.abc.AbstractChannel) -> None:
    queue = await channel.declare_queue(Topology().dead_queue, durable=True)
    await queue.bind("amq.topic", routing_key="#")


REFUSED = {
    "declare-other-exchange": _declare_other_exchange,
    "declare-other-queue": _declare_other_queue,
    "publish-amq-topic": _publish_amq_topic,
    "bind-amq-topic": _bind_amq_topic,
}


@pytest.mark.parametrize("action", sorted(REFUSED))
async def test_worker_user_is_refused_everything_else(
    least_privilege_user: LeastPrivilegeUser, action: str
) -> None:
    """Other applications' names and the ``amq.`` exchanges are refused."""
    connection = await aio_pika.connect(least_privilege_user.url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await REFUSED[action](channel)
    finally:
        await connection.close()

"""``ga-listener-worker emulator [--host H] [--port 8099]``: the GA emulator alone.

Serves until SIGINT or SIGTERM, then closes its socket and exits 0. Accelerators can be created
at start (``--accelerator ga-x`` or ``--accelerator ga-x:20`` for a quota of 20) or later through
the admin API (``POST /_emulator/accelerators``).
"""

from __future__ import annotations

import sys

import click
import structlog

from worker import runtime
from worker.cli import main
from worker.emulator import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    ACTIVATION_SECONDS,
    DEFAULT_LISTENER_QUOTA,
    DELETION_SECONDS,
    EmulatorServer,
)
from worker.logs import configure_logging

_log = structlog.get_logger("ga_listener_worker.emulator")


def _accelerator(value: str) -> tuple[str, int]:
    accelerator_id, sep, quota = value.partition(":")
    if not accelerator_id:
        raise click.BadParameter(f"{value!r}: expected ID or ID:QUOTA")
    if not sep:
        return accelerator_id, DEFAULT_LISTENER_QUOTA
    try:
        return accelerator_id, int(quota)
    except ValueError:
        raise click.BadParameter(f"{value!r}: QUOTA must be an integer") from None


async def _serve(server: EmulatorServer, accelerators: list[tuple[str, int]]) -> None:
    async with runtime.stop_on_signals() as stop:
        for accelerator_id, quota in accelerators:
            server.state.add_accelerator(accelerator_id, quota=quota)
        async with server:
            _log.info(
                "emulator.listening",
                url=server.url,
                admin=f"{server.url}/_emulator/state",
                accelerators=[a for a, _ in accelerators],
            )
            await stop.wait()
            _log.info("emulator.stopping")
    _log.info("emulator.stopped")


@main.command(name="emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8099,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option(
    "--access-key-id",
    default=ACCESS_KEY_ID,
    show_default=True,
    envvar="GA_EMULATOR_ACCESS_KEY_ID",
    help="The AccessKey ID the emulator accepts.",
)
@click.option(
    "--access-key-secret",
    default=ACCESS_KEY_SECRET,
    envvar="GA_EMULATOR_ACCESS_KEY_SECRET",
    help=f"Its secret (default: {ACCESS_KEY_SECRET}).",
)
@click.option(
    "--activation-seconds",
    default=ACTIVATION_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Time a listener stays 'init' before it is 'active'.",
)
@click.option(
    "--deletion-seconds",
    default=DELETION_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Time a listener stays 'deleting' before it is gone.",
)
@click.option("--seed", type=int, default=None, help="Seed of the fault injector.")
@click.option(
    "--accelerator",
    "accelerators",
    multiple=True,
    metavar="ID[:QUOTA]",
    help="Create an active accelerator at start (repeatable).",
)
def emulator(
    *,
    host: str,
    port: int,
    access_key_id: str,
    access_key_secret: str,
    activation_seconds: float,
    deletion_seconds: float,
    seed: int | None,
    accelerators: tuple[str, ...],
) -> None:
    """Run the GA emulator, a local stand-in for the Global Accelerator API, until SIGINT/SIGTERM.

    Point the worker at it with GA_WORKER_GA_ENDPOINT=http://HOST:PORT and the emulator's
    credentials. Shape it over HTTP: POST /_emulator/accelerators, GET /_emulator/state,
    PUT /_emulator/config, PUT /_emulator/faults, POST /_emulator/reset.
    """
    parsed = [_accelerator(value) for value in accelerators]
    configure_logging("console" if sys.stderr.isatty() else "json")
    server = EmulatorServer(
        host,
        port,
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        activation_seconds=activation_seconds,
        deletion_seconds=deletion_seconds,
        seed=seed,
    )
    try:
        runtime.run(_serve(server, parsed))
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None

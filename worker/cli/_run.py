"""``ga-listener-worker run [--emulator]``: the worker, until SIGTERM/SIGINT.

On a signal it stops consuming, lets in-flight requests finish within
``GA_WORKER_SHUTDOWN_GRACE`` seconds, leaves the rest unacked for redelivery, and exits 0.
A bad setting or an unreachable broker is one ``Error: ...`` line and exit status 2.
"""

from __future__ import annotations

import click

from worker import runtime
from worker.app import run as run_worker
from worker.cli import main
from worker.cli._broker import BROKER_FAILURES, broker_failure
from worker.cli._exit import CannotStart, load_settings_or_exit
from worker.health import HealthPortUnavailable


@main.command(name="run")
@click.option(
    "--emulator",
    is_flag=True,
    help=(
        "Start the embedded GA emulator in-process (credentials testid/testsecret) and use it"
        " instead of GA_WORKER_GA_ENDPOINT. It starts with no accelerators: add some with"
        " POST <url>/_emulator/accelerators (the URL is in the worker.emulator_started log line)."
    ),
)
def run(emulator: bool) -> None:
    """Consume requests and publish one outcome each, until SIGTERM/SIGINT.

    Reads GA_WORKER_* settings (broker: GA_WORKER_AMQP_URL) and the ALIBABA_CLOUD_ACCESS_KEY_ID /
    ALIBABA_CLOUD_ACCESS_KEY_SECRET credentials from the environment. On SIGTERM it stops
    consuming, lets in-flight requests finish within GA_WORKER_SHUTDOWN_GRACE, leaves the rest
    for redelivery and exits 0. Exit 2: a bad setting or an unreachable broker.
    """
    settings = load_settings_or_exit()
    if not emulator and settings.credentials() is None:
        raise CannotStart(
            "invalid setting ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET: "
            "both must be set (or use --emulator)"
        )
    try:
        runtime.run(run_worker(settings, emulator=emulator), settings.event_loop)
    except HealthPortUnavailable as exc:
        raise CannotStart(str(exc)) from None
    except BROKER_FAILURES as exc:
        raise CannotStart(broker_failure(settings.amqp_url, exc)) from None
    except KeyboardInterrupt:
        pass

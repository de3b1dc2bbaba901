"""``ga-listener-worker topology``: the topology as RabbitMQ definitions JSON.

For ``rabbitmqctl import_definitions`` or the management UI; names follow the same settings
as the worker (``GA_WORKER_REQUEST_QUEUE``, ``GA_WORKER_EVENTS_EXCHANGE``).
"""

from __future__ import annotations

import click
import orjson

from worker.amqp.topology import Topology, definitions
from worker.cli import main
from worker.cli._exit import load_settings_or_exit


@main.command(name="topology")
def topology() -> None:
    """Print the queues, exchanges and bindings the worker declares, as definitions JSON.

    Names follow GA_WORKER_REQUEST_QUEUE and GA_WORKER_EVENTS_EXCHANGE. Load it into a broker
    with: rabbitmqctl import_definitions FILE (the worker also declares it itself at start).
    """
    settings = load_settings_or_exit()
    document = definitions(Topology.from_settings(settings))
    click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())

"""``ga-listener-worker schema``: the JSON Schema of the request message body.

Generated from ``schemas.request.CreateListenerRequest`` with the API's wire names, so it can
never drift from what the worker accepts. The schema states shapes and types; the reference's
cross-field rules (ports per protocol, counts, ...) are for ``validate``.
"""

from __future__ import annotations

import click
import orjson

from schemas.request import CreateListenerRequest
from worker.cli import main


@main.command(name="schema")
def schema() -> None:
    """Print the JSON Schema of a request message (CreateListener parameters, wire names)."""
    document = CreateListenerRequest.model_json_schema(by_alias=True)
    click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())

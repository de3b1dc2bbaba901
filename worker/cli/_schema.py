"""`ga-listener-worker schema` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="schema")
def schema() -> None:
    """Not built yet."""
    raise click.ClickException("'schema' is not built yet")

"""`ga-listener-worker run` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="run")
def run() -> None:
    """Not built yet."""
    raise click.ClickException("'run' is not built yet")

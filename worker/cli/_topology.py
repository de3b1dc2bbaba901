"""`ga-listener-worker topology` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="topology")
def topology() -> None:
    """Not built yet."""
    raise click.ClickException("'topology' is not built yet")

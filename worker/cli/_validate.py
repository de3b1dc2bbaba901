"""`ga-listener-worker validate` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="validate")
def validate() -> None:
    """Not built yet."""
    raise click.ClickException("'validate' is not built yet")

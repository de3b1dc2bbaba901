"""`ga-listener-worker submit` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="submit")
def submit() -> None:
    """Not built yet."""
    raise click.ClickException("'submit' is not built yet")

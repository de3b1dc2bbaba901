"""`ga-listener-worker emulator` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="emulator")
def emulator() -> None:
    """Not built yet."""
    raise click.ClickException("'emulator' is not built yet")

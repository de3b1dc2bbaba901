"""`ga-listener-worker demo` (placeholder until its issue lands)."""

from __future__ import annotations

import click

from worker.cli import main


@main.command(name="demo")
def demo() -> None:
    """Not built yet."""
    raise click.ClickException("'demo' is not built yet")

"""``ga-listener-worker``: the command line (``../shared/CONTRACT.md`` §5).

Each command lives in its own module of this package and registers itself on ``main``.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ga-listener-worker")
def main() -> None:
    """Create Alibaba Cloud Global Accelerator listeners from RabbitMQ requests."""


def _register() -> None:
    # Imported for their side effect: each module adds its command to ``main``.
    from worker.cli import (  # noqa: F401, PLC0415
        _demo,
        _emulator,
        _run,
        _schema,
        _submit,
        _topology,
        _validate,
    )


_register()

__all__ = ["main"]

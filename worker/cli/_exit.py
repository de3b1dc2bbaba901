"""Exit codes shared by the commands: 0 done, 1 some request failed, 2 could not even try."""

from __future__ import annotations

import click

__all__ = ["CannotStart"]


class CannotStart(click.ClickException):
    """A problem with the command's input or surroundings (a file, a setting, the broker):
    printed as one ``Error: ...`` line, exit status 2, nothing sent."""

    exit_code = 2

"""Exit codes shared by the commands: 0 done, 1 some request failed, 2 could not even try."""

from __future__ import annotations

import click

from worker.settings import Settings, SettingsError, load_settings

__all__ = ["CannotStart", "load_settings_or_exit"]


class CannotStart(click.ClickException):
    """A problem with the command's input or surroundings (a file, a setting, the broker):
    printed as one ``Error: ...`` line, exit status 2, nothing sent."""

    exit_code = 2


def load_settings_or_exit() -> Settings:
    """The settings from the environment; a bad one is :class:`CannotStart` (one line, exit 2)."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise CannotStart(str(exc)) from None

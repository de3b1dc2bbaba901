"""Tests of README.md: its commands are the ones CI runs and the ones the code has."""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy._support import settings_variables
from worker.cli import main

_ROOT = Path(__file__).resolve().parents[1]
_README = (_ROOT / "README.md").read_text(encoding="utf-8")
_TWO_COMMANDS = [
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && ga-listener-worker demo",
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]' && python -m pytest",
]


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:sh|text|json)?\n(.*?)```", text, flags=re.DOTALL)


def test_two_commands_come_first_exactly() -> None:
    """The first two code blocks are the set-up commands, verbatim."""
    expected = _TWO_COMMANDS
    assert expected == [block.strip() for block in _code_blocks(_README)[:2]]


def test_first_pytest_is_the_test_command() -> None:
    """The first mention of pytest is the test command, as CI's hook greps it line by line."""
    pattern = re.compile(r"(python -m pytest|pytest|make test|nox[^`]*|tox[^`]*)[^`]*")
    found = [m.group(0) for line in _README.splitlines() if (m := pattern.search(line))]

    expected = "python -m pytest"
    assert expected == found[0]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs exactly the README's test command."""
    ci = (_ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert "python -m pytest" in ci.splitlines()


def test_every_command_is_documented() -> None:
    """Every command of the command line has a row in the README's command table."""
    documented = set(re.findall(r"^\| `ga-listener-worker (\w+)", _README, flags=re.MULTILINE))

    assert set(main.commands) == documented


def test_every_setting_is_documented() -> None:
    """Every variable the settings read is in the configuration table."""
    variables = settings_variables()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", _README, flags=re.MULTILINE))

    assert variables <= documented, variables - documented

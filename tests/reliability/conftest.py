"""Reliability suite fixtures and the session-end report.

Every scenario files a ``ScenarioReport`` (``_report.py``); at the end of the run the table is
printed in pytest's terminal summary (no ``-s`` needed) and written to
``/tmp/ga-reliability-report.txt`` and ``.json``. Each test also attaches its own report as a
``record_property`` (it lands in ``--junitxml`` output).

All worker processes of the session use one distinctive access key secret (:func:`fixture_secret`),
so the secrets check of every scenario looks for the same needle.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reliability._report import REPORTS, render, write
from tests.reliability._scenario import Scenario

_SECRET = f"RelSecret-{secrets.token_hex(12)}-DoNotLog"

ScenarioFactory = Callable[..., Scenario]


@pytest.fixture(name="secret", scope="session")
def fixture_secret() -> str:
    """The access key secret of every worker and emulator in the suite."""
    return _SECRET


@pytest.fixture(name="scenario")
async def fixture_scenario(
    secret: str,
    amqp_url: str,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> AsyncIterator[ScenarioFactory]:
    """Make scenarios (``async with scenario("name", ...) as sc``) that report when done."""

    def make(name: str, **options: Any) -> Scenario:
        return Scenario(name, secret=secret, log_dir=tmp_path, amqp_url=amqp_url, **options)

    before = len(REPORTS)
    yield make
    for report in REPORTS[before:]:
        record_property(f"reliability:{report.scenario}", report.as_dict())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the per-scenario table and write it under /tmp for the closing note."""
    if not REPORTS:
        return
    write(REPORTS)
    terminalreporter.section("reliability report")
    terminalreporter.write_line(render(REPORTS))
    terminalreporter.write_line(f"(also written to {Path('/tmp/ga-reliability-report.txt')})")

"""Tests of ``ga-listener-worker topology``: the definitions JSON, names from the settings."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from worker.amqp.topology import Topology, definitions
from worker.cli import main


def test_prints_the_default_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without settings it prints the contract's topology."""
    monkeypatch.delenv("GA_WORKER_REQUEST_QUEUE", raising=False)
    monkeypatch.delenv("GA_WORKER_EVENTS_EXCHANGE", raising=False)
    result = CliRunner().invoke(main, ["topology"])
    expected = (0, definitions(Topology()))
    assert expected == (result.exit_code, orjson.loads(result.output))


def test_names_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """GA_WORKER_REQUEST_QUEUE and GA_WORKER_EVENTS_EXCHANGE rename the whole topology."""
    monkeypatch.setenv("GA_WORKER_REQUEST_QUEUE", "acme.requests")
    monkeypatch.setenv("GA_WORKER_EVENTS_EXCHANGE", "acme.events")
    result = CliRunner().invoke(main, ["topology"])
    names = {q["name"] for q in orjson.loads(result.output)["queues"]}
    expected = {"acme.requests", "acme.dead", "acme.unrouted"}
    assert expected == names


def test_a_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed setting is one line and exit status 2."""
    monkeypatch.setenv("GA_WORKER_PREFETCH", "lots")
    result = CliRunner().invoke(main, ["topology"])
    expected = (2, 1)
    assert expected == (result.exit_code, len(result.output.strip().splitlines()))

"""Tests for worker.metrics: one outcome counted by type, API calls, retries and duration."""

from __future__ import annotations

from tests.worker.amqp.test_publisher import make_outcome
from worker.metrics import Metrics


def test_observe_counts_an_outcome() -> None:
    """A created outcome adds to requests, CreateListener/DescribeListener calls and duration."""
    metrics = Metrics()
    metrics.observe(make_outcome())
    sample = metrics.registry.get_sample_value
    expected = (1.0, 1.0, 1.0, 1.0)
    actual = (
        sample("ga_worker_requests_total", {"outcome": "created", "error_type": ""}),
        sample("ga_worker_api_calls_total", {"action": "CreateListener"}),
        sample("ga_worker_api_calls_total", {"action": "DescribeListener"}),
        sample("ga_worker_request_duration_seconds_count", {"outcome": "created"}),
    )
    assert expected == actual


def test_each_worker_has_its_own_registry() -> None:
    """Two workers in one process count separately."""
    first, second = Metrics(), Metrics()
    first.observe(make_outcome())
    expected = None
    assert expected == second.registry.get_sample_value(
        "ga_worker_requests_total", {"outcome": "created", "error_type": ""}
    )


def test_render_is_prometheus_text() -> None:
    """The exposition names every metric family."""
    text = Metrics().render().decode()
    expected = {"ga_worker_requests_in_flight", "ga_worker_publish_failures_total"}
    assert expected == {name for name in expected if name in text}

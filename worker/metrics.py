"""Prometheus metrics of one worker, served on ``/metrics`` by :mod:`worker.health`.

Each :class:`Metrics` owns its registry, so several workers in one process (tests, the demo)
count separately. Names follow Prometheus conventions (``_total``, ``_seconds``).
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST as _CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from schemas.outcome import Outcome

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE: Final = _CONTENT_TYPE

# A request spans CreateListener retries and polling to active: milliseconds to many minutes.
_DURATION_BUCKETS: Final = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
# Loop lag: ~0 when idle, tens of ms when busy, seconds when the worker cannot keep up.
_LAG_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    """The worker's counters, gauges and histograms, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "ga_worker_requests",
            "Requests handled, by outcome type and error type (empty for created).",
            ["outcome", "error_type"],
            registry=r,
        )
        self.api_calls = Counter(
            "ga_worker_api_calls",
            "GA API calls sent, by action.",
            ["action"],
            registry=r,
        )
        self.api_retries = Counter(
            "ga_worker_api_retries", "GA API retries scheduled, all actions.", registry=r
        )
        self.in_flight = Gauge(
            "ga_worker_requests_in_flight", "Requests received and not yet settled.", registry=r
        )
        self.duration = Histogram(
            "ga_worker_request_duration_seconds",
            "Time from receiving a request to its outcome being built, by outcome type.",
            ["outcome"],
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.publish_failures = Counter(
            "ga_worker_publish_failures",
            "Outcomes the broker did not confirm within the publish deadline (request requeued).",
            registry=r,
        )
        self.ack_failures = Counter(
            "ga_worker_ack_failures",
            "Acks that could not be sent (channel gone); the request will be redelivered.",
            registry=r,
        )
        self.crashes = Counter(
            "ga_worker_pipeline_crashes",
            "Unexpected pipeline exceptions (request requeued, dead-lettered at the limit).",
            registry=r,
        )
        self.redeliveries = Counter(
            "ga_worker_redeliveries", "Requests received with the redelivered flag.", registry=r
        )
        self.loop_lag = Histogram(
            "ga_worker_event_loop_lag_seconds",
            "How much later than scheduled a 0.25 s timer fires: the time ready work waits for"
            " the worker's one thread. Rising values mean CPU saturation: scale out.",
            buckets=_LAG_BUCKETS,
            registry=r,
        )
        self.consumer_cancellations = Counter(
            "ga_worker_consumer_cancellations",
            "Consumers cancelled by the broker (for example, the queue was deleted).",
            registry=r,
        )

    def observe(self, outcome: Outcome) -> None:
        """Count one outcome: its type, the API calls behind it, its duration."""
        kind = "created" if outcome.created else "failed"
        error_type = "" if outcome.error_type is None else outcome.error_type.value
        self.requests.labels(kind, error_type).inc()
        if outcome.attempts:
            self.api_calls.labels("CreateListener").inc(outcome.attempts)
        if outcome.polls:
            self.api_calls.labels("DescribeListener").inc(outcome.polls)
        if outcome.retries:
            self.api_retries.inc(outcome.retries)
        self.duration.labels(kind).observe(outcome.duration_ms / 1000.0)

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)

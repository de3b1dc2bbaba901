"""Tests for worker.logs: JSON lines, bound context, and redaction of every kind of secret."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest
import structlog

from worker.logs import REDACTED, configure_logging, redact_value


@pytest.fixture(name="log_stream")
def fixture_log_stream() -> Iterator[io.StringIO]:
    """JSON logging into a buffer; the previous configuration restored afterwards."""
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("json", "info", stream=stream)
    try:
        yield stream
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
        root.handlers[:] = handlers
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line]


def test_cached_loggers_still_carry_each_requests_fields(log_stream: io.StringIO) -> None:
    """With ``cache=True`` (the worker process) a logger is built once, yet every line still
    carries the fields bound around it at that moment, and the level filter still applies."""
    configure_logging("json", "info", stream=log_stream, cache=True)
    log = structlog.get_logger("cached")
    for message_id in ("m-1", "m-2"):
        with structlog.contextvars.bound_contextvars(message_id=message_id):
            log.info("ga.request.completed")
            log.debug("ga.noise")
    lines = [(line["event"], line["message_id"]) for line in _lines(log_stream)]
    expected = ([("ga.request.completed", "m-1"), ("ga.request.completed", "m-2")], True)
    assert expected == (lines, structlog.get_config()["cache_logger_on_first_use"])


def test_json_line_carries_bound_context(log_stream: io.StringIO) -> None:
    """A line is one JSON object with the event, level and the contextvars bound around it."""
    with structlog.contextvars.bound_contextvars(message_id="m-1"):
        structlog.get_logger("t").info("ga.request.completed", client_token="tok-1")
    line = _lines(log_stream)[0]
    expected = ("ga.request.completed", "info", "m-1", "tok-1")
    assert expected == (line["event"], line["level"], line["message_id"], line["client_token"])


@pytest.mark.parametrize(
    "key", ["access_key_secret", "security_token", "Signature", "Authorization", "password"]
)
def test_secret_keys_are_redacted(log_stream: io.StringIO, key: str) -> None:
    """A key naming a secret has its value replaced."""
    structlog.get_logger("t").info("event", **{key: "s3cr3t"})
    expected = REDACTED
    assert expected == _lines(log_stream)[0][key]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("amqp://guest:s3cr3t@127.0.0.1:5672/", f"amqp://guest:{REDACTED}@127.0.0.1:5672/"),
        ("a=1&Signature=s3cr3t&b=2", f"a=1&Signature={REDACTED}&b=2"),
        ("SecurityToken=s3cr3t", f"SecurityToken={REDACTED}"),
        ("Authorization: s3cr3t", f"Authorization: {REDACTED}"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_values_embedding_secrets_are_scrubbed(value: str, expected: str) -> None:
    """Secrets inside strings (URL passwords, query signatures) are replaced in place."""
    assert expected == redact_value(value)


def test_nested_values_are_redacted(log_stream: io.StringIO) -> None:
    """Headers dicts and lists are walked."""
    structlog.get_logger("t").info(
        "event", headers={"Authorization": "ACS3 s3cr3t"}, urls=["amqp://u:s3cr3t@h/"]
    )
    assert "s3cr3t" not in log_stream.getvalue()


def test_client_token_stays_visible(log_stream: io.StringIO) -> None:
    """The idempotency key is not a secret: it is how a request is traced."""
    structlog.get_logger("t").info("event", client_token="tok-visible")
    expected = "tok-visible"
    assert expected == _lines(log_stream)[0]["client_token"]


def test_tracebacks_have_no_locals_and_are_redacted(log_stream: io.StringIO) -> None:
    """An exception logs as a dict traceback without locals; secrets in its message go."""
    secret = "s3cr3t-local"  # noqa: F841 - the local that must not be shown
    try:
        raise ValueError("cannot reach amqp://u:s3cr3t-msg@h/")
    except ValueError:
        structlog.get_logger("t").exception("failed")
    text = log_stream.getvalue()
    expected = (False, False, True)
    assert expected == ("s3cr3t-local" in text, "s3cr3t-msg" in text, "ValueError" in text)


def test_standard_library_logs_are_json_and_redacted(log_stream: io.StringIO) -> None:
    """aio-pika and friends log through logging; their lines are JSON and scrubbed too."""
    logging.getLogger("aio_pika.test").warning("reconnecting to %s", "amqp://u:s3cr3t@h/")
    line = _lines(log_stream)[0]
    assert f"reconnecting to amqp://u:{REDACTED}@h/" == line["event"]


def test_console_format_redacts_too() -> None:
    """The console renderer sees the same redacted event."""
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("console", "info", stream=stream)
    try:
        structlog.get_logger("t").info("event", access_key_secret="s3cr3t")
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(level)
    expected = (False, True)
    assert expected == ("s3cr3t" in stream.getvalue(), "event" in stream.getvalue())

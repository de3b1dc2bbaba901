"""Logging: structlog's production recipe, with redaction before anything is rendered.

JSON lines (orjson) when stderr is not a TTY, coloured console output on one. Context bound
with ``structlog.contextvars`` (the consumer binds each message's ids) lands on every line.
The standard library's loggers (aio-pika, aiormq, aiohttp) go through the same chain, so they
are JSON and redacted too.

Redaction, the last step before rendering, replaces the value of any key that names a secret
(``secret``, ``password``, ``token``, ``signature``, ``authorization``, …) and scrubs values
that embed one (``amqp://user:pass@host``, ``Signature=…``, ``SecurityToken=…``). Tracebacks
are rendered without local variables (``show_locals=False``) and then redacted like any value.
``client_token`` is an idempotency key, not a secret, and stays visible: it is how a request
is traced through logs and outcomes.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import IO, Any, Final

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["REDACTED", "configure_logging", "redact", "redact_value"]

REDACTED: Final = "[REDACTED]"

_SECRET_KEY: Final = re.compile(
    r"secret|passw(or)?d|token|signature|authorization|credential|cookie|api_?key|private_?key",
    re.IGNORECASE,
)
# Keys that match the pattern but hold no secret.
_PUBLIC_KEYS: Final = frozenset(
    {"client_token", "clienttoken", "client-token", "access_key_id", "accesskeyid"}
)
_URL_USERINFO: Final = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")
_INLINE_SECRET: Final = re.compile(
    r"(?i)\b(signature|securitytoken|security_token|x-acs-security-token|accesskeysecret|"
    r"access_key_secret|password|authorization)(\"?'?\s*[=:]\s*\"?'?)[^&\s,\"';]+"
)


def redact_value(value: Any) -> Any:
    """``value`` with every embedded secret replaced; containers are copied, not changed."""
    if isinstance(value, str):
        if "://" in value:
            value = _URL_USERINFO.sub(r"\1:" + REDACTED + "@", value)
        if "=" in value or ":" in value:
            value = _INLINE_SECRET.sub(r"\1\2" + REDACTED, value)
        return value
    if isinstance(value, Mapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


def _redact_item(key: object, value: Any) -> Any:
    if (
        isinstance(key, str)
        and value is not None
        and _SECRET_KEY.search(key)
        and key.lower() not in _PUBLIC_KEYS
    ):
        return REDACTED
    return redact_value(value)


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact secrets in keys and values of the whole event."""
    for key, value in event_dict.items():
        event_dict[key] = _redact_item(key, value)
    return event_dict


def _orjson_dumps(obj: Any, **_kw: Any) -> str:
    return orjson.dumps(obj, default=repr).decode()


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _render_processors(fmt: str) -> list[Processor]:
    if fmt == "json":
        return [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            redact,
            structlog.processors.JSONRenderer(serializer=_orjson_dumps),
        ]
    # Console: format the traceback to text first (no locals), so redaction sees it too.
    return [
        structlog.processors.format_exc_info,
        redact,
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
    ]


def configure_logging(
    fmt: str = "json", level: str = "info", *, stream: IO[str] | None = None
) -> None:
    """Configure structlog and the standard library's root logger for the whole process.

    ``fmt`` is ``"json"`` or ``"console"``; ``level`` a level name. Idempotent.
    """
    numeric = logging.getLevelNamesMapping()[level.upper()]
    out = stream if stream is not None else sys.stderr
    shared = _shared_processors()
    render = _render_processors(fmt)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: tests swap the configuration (structlog.testing.capture_logs).
        cache_logger_on_first_use=False,
    )

    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_ga_worker", False)]:
        root.removeHandler(old)
    handler._ga_worker = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(numeric)
    # aiormq logs every frame at DEBUG; keep the libraries at INFO or above.
    for name in ("aiormq", "aio_pika"):
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


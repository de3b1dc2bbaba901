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
    kind = type(value)
    if kind is str:
        return _redact_str(value)
    if value is None or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, dict | Mapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    if isinstance(value, str):
        return _redact_str(value)
    return value


def _redact_str(value: str) -> str:
    if "://" in value:
        value = _URL_USERINFO.sub(r"\1:" + REDACTED + "@", value)
    if "=" in value or ":" in value:
        value = _INLINE_SECRET.sub(r"\1\2" + REDACTED, value)
    return value


# Log events reuse a handful of keys: remember which name a secret.
_KEY_VERDICTS: dict[str, bool] = {}
_KEY_VERDICTS_MAX: Final = 4096


def _is_secret_key(key: str) -> bool:
    verdict = _KEY_VERDICTS.get(key)
    if verdict is None:
        verdict = bool(_SECRET_KEY.search(key)) and key.lower() not in _PUBLIC_KEYS
        if len(_KEY_VERDICTS) < _KEY_VERDICTS_MAX:
            _KEY_VERDICTS[key] = verdict
    return verdict


def _redact_item(key: object, value: Any) -> Any:
    if value is not None and isinstance(key, str) and _is_secret_key(key):
        return REDACTED
    return redact_value(value)


# Keys the chain itself fills in: never secret, skipped for speed (ISO timestamps hold ":").
_TRUSTED_KEYS: Final = frozenset({"timestamp", "level", "logger"})


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact secrets in keys and values of the whole event."""
    for key, value in event_dict.items():
        if key in _TRUSTED_KEYS or value is None:
            continue
        event_dict[key] = _redact_item(key, value)
    return event_dict


def _orjson_dumps(obj: Any, **_kw: Any) -> str:
    return orjson.dumps(obj, default=repr).decode()


class _LineLogger:
    """structlog's output end: one rendered line per event, written and flushed.

    Cheaper than a detour through ``logging`` for our own events; carries the name given to
    ``structlog.get_logger(name)`` so :func:`_add_logger_name` can report it.
    """

    __slots__ = ("_file", "name")

    def __init__(self, file: IO[str], name: str | None) -> None:
        self._file = file
        self.name = name

    def msg(self, message: str) -> None:
        self._file.write(message + "\n")
        self._file.flush()

    debug = info = warning = warn = error = err = critical = exception = fatal = log = msg


def _add_logger_name(logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    name = getattr(logger, "name", None)
    if name and "logger" not in event_dict:
        event_dict["logger"] = name
    return event_dict


def _timestamper() -> Processor:
    return structlog.processors.TimeStamper(fmt="iso", utc=True)


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
    fmt: str = "json", level: str = "info", *, stream: IO[str] | None = None, cache: bool = False
) -> None:
    """Configure structlog and the standard library's root logger for the whole process.

    ``fmt`` is ``"json"`` or ``"console"``; ``level`` a level name. Idempotent. Our own events
    go straight from structlog to the stream (a disabled level costs one comparison); the
    standard library's records go through the same redaction and renderer via a handler.
    ``cache`` builds each logger once, on its first line (7 µs less per line): for a process
    that configures logging once; tests that swap the configuration need it off.
    """
    numeric = logging.getLevelNamesMapping()[level.upper()]
    out = stream if stream is not None else sys.stderr
    render = _render_processors(fmt)

    def factory(*args: Any) -> _LineLogger:
        return _LineLogger(out, str(args[0]) if args else None)

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _add_logger_name,
            _timestamper(),
            structlog.processors.StackInfoRenderer(),
            *render,
        ],
        logger_factory=factory,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=cache,
    )

    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                _timestamper(),
            ],
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

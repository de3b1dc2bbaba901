"""Worker settings from the environment (``../shared/CONTRACT.md`` §2).

The contract's variables, with its defaults, plus a few internal knobs (``GA_WORKER_SHUTDOWN_GRACE``
and friends) that operators rarely touch and tests turn down. :func:`load_settings` turns a bad
value into :class:`SettingsError` with one line naming the variable, so the CLI can print it
and exit 2 without a traceback. Secrets are ``SecretStr`` and the AMQP URL is kept out of
``repr``, so a logged ``Settings`` shows no password.
"""

from __future__ import annotations

import sys
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.ga.credentials import Credentials
from worker.runtime import EventLoopChoice, uvloop_module

__all__ = ["ENV_PREFIX", "LogFormat", "Settings", "SettingsError", "load_settings"]

ENV_PREFIX = "GA_WORKER_"

LogFormat = Literal["json", "console"]

# The broker's consumer_timeout (RabbitMQ 3.10 default, server-wide): an unacked delivery older
# than this closes the channel, so a poll must give up well before it.
_CONSUMER_TIMEOUT_S = 1800.0


def _default_log_format() -> LogFormat:
    return "console" if sys.stderr.isatty() else "json"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line naming the variable.

    Not part of ``schemas.errors``: it stops the process at start and never reaches an outcome.
    """


class Settings(BaseSettings):
    """Everything the worker reads from its environment; immutable once loaded."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        validate_default=True,
    )

    # --- contract §2 -------------------------------------------------------------------------
    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", repr=False)
    ga_endpoint: str = "https://ga.cn-hangzhou.aliyuncs.com"
    # Only the contract's ALIBABA_CLOUD_* names are read from the environment (populate_by_name
    # still lets code pass access_key_id=...): a stray ACCESS_KEY_ID variable is never a key.
    access_key_id: str | None = Field(default=None, validation_alias="ALIBABA_CLOUD_ACCESS_KEY_ID")
    access_key_secret: SecretStr | None = Field(
        default=None, validation_alias="ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    )
    security_token: SecretStr | None = Field(
        default=None, validation_alias="ALIBABA_CLOUD_SECURITY_TOKEN"
    )
    prefetch: int = Field(default=64, ge=1, le=65535)
    poll_interval: float = Field(default=2.0, gt=0)
    poll_timeout: float = Field(default=900.0, gt=0, lt=_CONSUMER_TIMEOUT_S)
    retry_attempts: int = Field(default=8, ge=1)
    retry_deadline: float = Field(default=120.0, gt=0)
    health_port: int = Field(default=8080, ge=0, le=65535)
    log_format: LogFormat = Field(default_factory=_default_log_format)

    # --- internal ----------------------------------------------------------------------------
    request_queue: str = Field(default="ga.listener.requests", min_length=1, max_length=200)
    events_exchange: str = Field(default="ga.listener.events", min_length=1, max_length=200)
    #: Seconds in-flight requests get to finish after SIGTERM before they are left to redelivery.
    shutdown_grace: float = Field(default=30.0, ge=0)
    #: Seconds to get one outcome confirmed (a blocked broker never confirms) before the
    #: request is requeued; a late confirm is waited for, never answered by a second publish.
    publish_deadline: float = Field(default=60.0, gt=0)
    #: Seconds between reconnect attempts of the robust connection.
    reconnect_interval: float = Field(default=2.0, gt=0)
    health_host: str = "0.0.0.0"  # noqa: S104 - probes come from outside the container
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    #: At-least-once dead-lettering (``x-dead-letter-strategy`` + ``x-overflow=reject-publish``).
    #: Off by default: the contract fixes the queue's arguments, and RabbitMQ refuses a
    #: redeclaration whose arguments differ, so clients declaring the contract's queue would fail.
    dead_letter_at_least_once: bool = False
    #: ``auto`` (uvloop where installed), ``uvloop`` or ``asyncio``: see :mod:`worker.runtime`.
    event_loop: EventLoopChoice = "auto"

    @field_validator("amqp_url")
    @classmethod
    def _check_amqp_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"amqp", "amqps"} or not parts.hostname:
            raise ValueError("must be an amqp:// or amqps:// URL with a host")
        return value

    @field_validator("event_loop")
    @classmethod
    def _check_event_loop(cls, value: EventLoopChoice) -> EventLoopChoice:
        if value == "uvloop":
            try:
                uvloop_module(value)
            except RuntimeError:
                raise ValueError("uvloop is not installed; use auto or asyncio") from None
        return value

    @field_validator("ga_endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.rstrip("/")

    @field_validator("log_format", "log_level", "event_loop", mode="before")
    @classmethod
    def _lower_choice(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def credentials(self) -> Credentials | None:
        """The configured AccessKey (and STS token), or ``None`` if the pair is incomplete."""
        if not self.access_key_id or self.access_key_secret is None:
            return None
        secret = self.access_key_secret.get_secret_value()
        if not secret:
            return None
        token = self.security_token.get_secret_value() if self.security_token else None
        return Credentials(self.access_key_id, secret, token or None)


# Field name -> the variable an operator sets, for error messages.
_ALIASED = {
    "access_key_id": "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "access_key_secret": "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "security_token": "ALIBABA_CLOUD_SECURITY_TOKEN",
}
_SECRET_FIELDS = frozenset({"access_key_secret", "security_token", "amqp_url"})


def _variable(field: str) -> str:
    return _ALIASED.get(field) or ENV_PREFIX + field.upper()


def _field_of(loc: str) -> str:
    for name, alias in _ALIASED.items():
        if loc == alias:
            return name
    return loc


def _describe(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    loc = str(first["loc"][0]) if first["loc"] else "?"
    field = _field_of(loc)
    message = str(first["msg"]).removeprefix("Value error, ")
    shown = "" if field in _SECRET_FIELDS else f" (got {first.get('input')!r})"
    more = len(error.errors()) - 1
    tail = f"; and {more} more invalid setting{'s' if more > 1 else ''}" if more else ""
    return f"invalid setting {_variable(field)}: {message}{shown}{tail}"


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment; ``overrides`` (field names) win over it.

    Raises :class:`SettingsError` with one line naming the first bad variable; never shows
    the value of a secret.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None

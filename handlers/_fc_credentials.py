"""The credentials a Function Compute invocation runs with.

Older runtimes put the function role's temporary credentials on ``context.credentials``
(``access_key_id``, ``access_key_secret``, ``security_token``); the Python 3.12 runtime drops that
attribute and sets the ``ALIBABA_CLOUD_*`` variables instead. Either may rotate while an instance
stays warm, so they are read on every invocation and the caller rebuilds its API client only
when they change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["FcCredentials", "credentials_of"]


@dataclass(frozen=True, slots=True)
class FcCredentials:
    """An AccessKey pair and optional STS token; ``repr`` shows the key id only."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


def credentials_of(context: object, environ: Mapping[str, str]) -> FcCredentials | None:
    """``context.credentials`` when it holds a key pair, else the environment, else ``None``."""
    found = getattr(context, "credentials", None)
    if found is not None:
        key_id = _text(getattr(found, "access_key_id", None))
        secret = _text(getattr(found, "access_key_secret", None))
        if key_id and secret:
            token = _text(getattr(found, "security_token", None))
            return FcCredentials(key_id, secret, token)
    key_id = environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if key_id and secret:
        return FcCredentials(key_id, secret, environ.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

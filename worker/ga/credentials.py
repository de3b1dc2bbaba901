"""Alibaba Cloud credentials: an AccessKey pair and, for STS, a security token.

Read from the standard ``ALIBABA_CLOUD_*`` variables (what Function Compute sets too) or passed
in. The secret and the token never show in ``repr``/``str``, so a logged or raised
``Credentials`` leaks nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ENV_ACCESS_KEY_ID", "ENV_ACCESS_KEY_SECRET", "ENV_SECURITY_TOKEN", "Credentials"]

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"  # noqa: S105 - a variable name
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"  # noqa: S105 - a variable name


@dataclass(frozen=True, slots=True)
class Credentials:
    """An AccessKey pair, optionally with an STS security token."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.access_key_id or not self.access_key_secret:
            raise ValueError("credentials need a non-empty AccessKey ID and secret")

    def __repr__(self) -> str:
        token = ", security_token=<redacted>" if self.security_token else ""
        return f"Credentials(access_key_id={self.access_key_id!r}, secret=<redacted>{token})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``/``_SECURITY_TOKEN``.

        Raises ``ValueError`` naming the missing variable (never a value).
        """
        env = os.environ if environ is None else environ
        for name in (ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET):
            if not env.get(name):
                raise ValueError(f"{name} is not set")
        return cls(
            access_key_id=env[ENV_ACCESS_KEY_ID],
            access_key_secret=env[ENV_ACCESS_KEY_SECRET],
            security_token=env.get(ENV_SECURITY_TOKEN) or None,
        )

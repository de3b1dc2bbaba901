"""Credentials: environment loading and secret-free representations."""

from __future__ import annotations

import pytest

from worker.ga.credentials import Credentials


def test_from_env_reads_standard_variables() -> None:
    """The standard ALIBABA_CLOUD_* variables fill every field."""
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "token",
    }
    assert Credentials("id", "secret", "token") == Credentials.from_env(env)


def test_from_env_without_token() -> None:
    """An empty or missing token means no token."""
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "",
    }
    assert Credentials.from_env(env).security_token is None


def test_from_env_names_the_missing_variable() -> None:
    """A missing secret raises ValueError naming the variable."""
    with pytest.raises(ValueError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        Credentials.from_env({"ALIBABA_CLOUD_ACCESS_KEY_ID": "id"})


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mapping the process environment is read."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret")
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    assert Credentials("envid", "envsecret") == Credentials.from_env()


def test_repr_and_str_hide_secret_and_token() -> None:
    """Neither repr nor str shows the secret or the token."""
    credentials = Credentials("visible-id", "hidden-secret", "hidden-token")
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert "hidden" not in text
        assert "visible-id" in text


def test_empty_secret_is_rejected() -> None:
    """An empty secret is a configuration error, not a request that fails later."""
    with pytest.raises(ValueError, match="non-empty"):
        Credentials("id", "")

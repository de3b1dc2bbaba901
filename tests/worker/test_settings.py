"""Tests for worker.settings: contract defaults, environment names, one-line errors."""

from __future__ import annotations

import pytest

from worker.settings import Settings, SettingsError, load_settings

_CONTRACT_VARIABLES = [
    "GA_WORKER_AMQP_URL",
    "GA_WORKER_GA_ENDPOINT",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "GA_WORKER_PREFETCH",
    "GA_WORKER_POLL_INTERVAL",
    "GA_WORKER_POLL_TIMEOUT",
    "GA_WORKER_RETRY_ATTEMPTS",
    "GA_WORKER_RETRY_DEADLINE",
    "GA_WORKER_HEALTH_PORT",
    "GA_WORKER_LOG_FORMAT",
]


@pytest.fixture(name="clean_env", autouse=True)
def fixture_clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the environment the tests run in."""
    for name in _CONTRACT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_contracts() -> None:
    """Without any variable set, every setting has the contract's default."""
    settings = load_settings()
    expected = {
        "amqp_url": "amqp://guest:guest@127.0.0.1:5672/",
        "ga_endpoint": "https://ga.cn-hangzhou.aliyuncs.com",
        "access_key_id": None,
        "access_key_secret": None,
        "security_token": None,
        "prefetch": 64,
        "poll_interval": 2.0,
        "poll_timeout": 900.0,
        "retry_attempts": 8,
        "retry_deadline": 120.0,
        "health_port": 8080,
        "request_queue": "ga.listener.requests",
        "events_exchange": "ga.listener.events",
    }
    assert expected == {name: getattr(settings, name) for name in expected}


def test_log_format_defaults_to_json_off_a_tty() -> None:
    """Under pytest stderr is captured, not a TTY, so the default format is JSON."""
    assert load_settings().log_format == "json"


def test_every_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each contract variable lands in its setting."""
    values = {
        "GA_WORKER_AMQP_URL": "amqps://u:p@broker.example:5671/vh",
        "GA_WORKER_GA_ENDPOINT": "http://127.0.0.1:8099/",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "sts",
        "GA_WORKER_PREFETCH": "8",
        "GA_WORKER_POLL_INTERVAL": "0.5",
        "GA_WORKER_POLL_TIMEOUT": "60",
        "GA_WORKER_RETRY_ATTEMPTS": "3",
        "GA_WORKER_RETRY_DEADLINE": "10",
        "GA_WORKER_HEALTH_PORT": "0",
        "GA_WORKER_LOG_FORMAT": "Console",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    credentials = settings.credentials()
    assert credentials is not None
    expected = (
        "amqps://u:p@broker.example:5671/vh",
        "http://127.0.0.1:8099",
        ("id", "secret", "sts"),
        8,
        0.5,
        60.0,
        3,
        10.0,
        0,
        "console",
    )
    actual = (
        settings.amqp_url,
        settings.ga_endpoint,
        (credentials.access_key_id, credentials.access_key_secret, credentials.security_token),
        settings.prefetch,
        settings.poll_interval,
        settings.poll_timeout,
        settings.retry_attempts,
        settings.retry_deadline,
        settings.health_port,
        settings.log_format,
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GA_WORKER_PREFETCH", "0"),
        ("GA_WORKER_PREFETCH", "many"),
        ("GA_WORKER_AMQP_URL", "http://broker"),
        ("GA_WORKER_GA_ENDPOINT", "ga.example.com"),
        ("GA_WORKER_POLL_INTERVAL", "-1"),
        ("GA_WORKER_POLL_TIMEOUT", "3600"),
        ("GA_WORKER_RETRY_ATTEMPTS", "0"),
        ("GA_WORKER_RETRY_DEADLINE", "soon"),
        ("GA_WORKER_HEALTH_PORT", "70000"),
        ("GA_WORKER_LOG_FORMAT", "xml"),
        ("GA_WORKER_EVENT_LOOP", "trio"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """A malformed value raises SettingsError: one line, starting with the variable's name."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    expected = (True, 1)
    lines = message.splitlines()
    assert expected == (message.startswith(f"invalid setting {variable}:"), len(lines))


def test_a_bad_secret_is_named_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """An invalid AMQP URL names the variable without echoing the password in it."""
    monkeypatch.setenv("GA_WORKER_AMQP_URL", "http://user:hunter2@broker")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    expected = (True, False)
    assert expected == (
        "GA_WORKER_AMQP_URL" in str(caught.value),
        "hunter2" in str(caught.value),
    )


def test_repr_shows_no_secret() -> None:
    """Neither the AccessKey secret, the STS token nor the broker password appear in repr."""
    settings = Settings(
        amqp_url="amqp://user:hunter2@broker/",
        access_key_id="id",
        access_key_secret="s3cr3t",  # type: ignore[arg-type]
        security_token="t0k3n",  # type: ignore[arg-type]
    )
    text = repr(settings) + str(settings)
    expected = []
    assert expected == [secret for secret in ("hunter2", "s3cr3t", "t0k3n") if secret in text]


def test_credentials_need_both_halves() -> None:
    """Without a secret there are no credentials."""
    assert None is Settings(access_key_id="id").credentials()


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyword overrides (tests, the embedded emulator) take precedence over variables."""
    monkeypatch.setenv("GA_WORKER_PREFETCH", "8")
    expected = 2
    assert expected == load_settings(prefetch=2).prefetch


def test_only_the_contracts_credential_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """ACCESS_KEY_ID/ACCESS_KEY_SECRET without the ALIBABA_CLOUD_ prefix are not credentials."""
    monkeypatch.setenv("ACCESS_KEY_ID", "stray-id")
    monkeypatch.setenv("ACCESS_KEY_SECRET", "stray-secret")
    assert load_settings().credentials() is None

"""deploy/Dockerfile and deploy/docker-compose.yml: real commands, real settings, real files."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.deploy._support import DEPLOY, load_yaml_documents, run_cli, settings_variables
from worker.settings import Settings

REPO = DEPLOY.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    pairs = []
    for entry in logical:
        keyword, _, rest = entry.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def instruction(name: str) -> list[str]:
    """The arguments of every ``name`` instruction."""
    return [rest for keyword, rest in dockerfile_instructions() if keyword == name]


def test_entrypoint_is_the_console_script() -> None:
    """ENTRYPOINT is exactly the project's console script."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    (entrypoint,) = instruction("ENTRYPOINT")
    expected = (["ga-listener-worker"], "worker.cli:main")

    assert expected == (json.loads(entrypoint), scripts["ga-listener-worker"])


def test_cmd_is_a_real_command() -> None:
    """ENTRYPOINT + CMD is a command the CLI knows (``--help`` exits 0)."""
    (cmd,) = instruction("CMD")
    args = json.loads(cmd)

    result = run_cli(*args, "--help")

    expected = (["run"], 0)
    assert expected == (args, result.returncode)


def test_base_images_are_pinned_and_multi_stage() -> None:
    """Every FROM names an exact slim Python tag; the first stage builds, the last runs."""
    froms = instruction("FROM")
    pinned = re.compile(r"^python:3\.11\.\d+-slim(-\w+)?( AS \w+)?$")
    expected = [True, True]

    assert expected == [bool(pinned.match(f)) for f in froms]
    assert froms[0].endswith(" AS build")
    assert "from=build" in " ".join(instruction("RUN")) + " ".join(instruction("COPY"))


def test_runs_as_a_non_root_user() -> None:
    """The final USER is a numeric, non-zero uid."""
    user = instruction("USER")[-1]
    uid = int(user.split(":")[0])
    expected = True

    assert expected == (uid > 0)


def test_healthcheck_probes_healthz_with_valid_python() -> None:
    """HEALTHCHECK runs ``python -c`` on /healthz, and the code compiles."""
    (healthcheck,) = instruction("HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])

    compile(command[2], "<healthcheck>", "exec")
    expected = (["python", "-c"], True)
    assert expected == (command[:2], "/healthz" in command[2])


def test_copied_sources_exist() -> None:
    """Every COPY source (except from the build stage) exists in the build context."""
    missing = []
    for copy in instruction("COPY"):
        if copy.startswith("--from"):
            continue
        *sources, _target = copy.split()
        missing += [s for s in sources if not (REPO / s).exists()]
    expected: list[str] = []

    assert expected == missing


def test_environment_names_are_settings() -> None:
    """ENV in the image sets only real settings (and Python's own variables)."""
    names = set(re.findall(r"(\b[A-Z][A-Z0-9_]+)=", " ".join(instruction("ENV"))))
    python_own = {
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "PIP_NO_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
    }
    expected: set[str] = set()

    assert expected == names - python_own - settings_variables()


# --- docker-compose.yml ----------------------------------------------------------------------


def compose() -> dict[str, Any]:
    """docker-compose.yml."""
    (document,) = load_yaml_documents(DEPLOY / "docker-compose.yml")
    return document


def workers() -> dict[str, dict[str, Any]]:
    """The services that run the worker."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("command") == ["run"]
    }


def test_compose_runs_rabbitmq_emulator_and_two_workers() -> None:
    """RabbitMQ 3.10 with management, the emulator, and two workers."""
    services = compose()["services"]
    all_interfaces = "0.0.0.0"  # noqa: S104 - the emulator container serves the compose network
    expected = (
        "rabbitmq:3.10-management",
        ["emulator", "--host", all_interfaces, "--port", "8099"],
        2,
    )

    assert expected == (
        services["rabbitmq"]["image"],
        services["emulator"]["command"],
        len(workers()),
    )


def test_compose_emulator_command_is_real() -> None:
    """The emulator's options exist on the CLI."""
    result = run_cli("emulator", "--help")
    expected = (0, True, True)

    assert expected == (result.returncode, "--host" in result.stdout, "--port" in result.stdout)


def test_compose_mounts_existing_files_where_rabbitmq_conf_says() -> None:
    """The config and both definitions files exist and land in ``load_definitions``'s dir."""
    volumes = compose()["services"]["rabbitmq"]["volumes"]
    mounts = [v.split(":")[:2] for v in volumes]
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    definitions_dir = re.search(r"^load_definitions\s*=\s*(\S+)", conf, re.M)
    assert definitions_dir is not None
    expected = (True, ["definitions.json", "worker-user.json"])

    assert expected == (
        all((DEPLOY / source).exists() for source, _ in mounts),
        sorted(
            Path(source).name
            for source, target in mounts
            if str(Path(target).parent) == definitions_dir.group(1)
        ),
    )
    assert ["./rabbitmq/rabbitmq.conf", "/etc/rabbitmq/rabbitmq.conf"] in mounts


@pytest.mark.parametrize("service", ["worker-1", "worker-2"])
def test_worker_environment_names_are_settings(service: str) -> None:
    """Every variable a worker service sets is one ``Settings`` reads."""
    environment = set(workers()[service]["environment"])
    expected: set[str] = set()

    assert expected == environment - settings_variables()


def test_worker_settings_load_and_point_at_the_stack() -> None:
    """The workers' environment is valid ``Settings``, aimed at the emulator and broker."""
    environment = next(iter(workers().values()))["environment"]
    fields = {
        "amqp_url": environment["GA_WORKER_AMQP_URL"],
        "ga_endpoint": environment["GA_WORKER_GA_ENDPOINT"],
        "shutdown_grace": environment["GA_WORKER_SHUTDOWN_GRACE"],
    }
    settings = Settings.model_validate(fields)
    expected = ("rabbitmq", "emulator", 8099)

    assert expected == (
        urlsplit(settings.amqp_url).hostname,
        urlsplit(settings.ga_endpoint).hostname,
        urlsplit(settings.ga_endpoint).port,
    )


def test_worker_logs_in_as_the_least_privilege_user() -> None:
    """The workers' AMQP user is ``ga-worker`` and its password matches worker-user.json."""
    url = urlsplit(next(iter(workers().values()))["environment"]["GA_WORKER_AMQP_URL"])
    users = json.loads((DEPLOY / "rabbitmq" / "worker-user.json").read_text())["users"]
    (entry,) = [u for u in users if u["name"] == url.username]
    raw = base64.b64decode(entry["password_hash"])
    expected = ("ga-worker", raw[4:])

    assert expected == (
        url.username,
        hashlib.sha256(raw[:4] + (url.password or "").encode()).digest(),
    )


def test_stop_grace_outlasts_the_drain() -> None:
    """Compose waits longer than the worker drains before it kills a worker."""
    for service in workers().values():
        grace = float(service["environment"]["GA_WORKER_SHUTDOWN_GRACE"])
        stop = float(service["stop_grace_period"].removesuffix("s"))
        expected = True

        assert expected == (stop > grace)

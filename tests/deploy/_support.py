"""What the deploy tests share: where the files are, what the settings are called, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.processes import WORKER_CLI
from worker.settings import ENV_PREFIX, Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def settings_variables() -> set[str]:
    """Every environment variable ``Settings`` reads."""
    names: set[str] = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else ENV_PREFIX + field.upper())
    return names


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Every document of a YAML file (empty ones dropped)."""
    with path.open() as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def cli_path() -> str:
    """The installed ``ga-listener-worker`` console script."""
    found = WORKER_CLI if Path(WORKER_CLI).exists() else shutil.which("ga-listener-worker")
    assert found, "the ga-listener-worker console script is not installed"
    return found


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the console script with the default settings (no GA_WORKER_* from the caller)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [cli_path(), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )

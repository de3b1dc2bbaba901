"""deploy/fc/s.yaml: an fc3 function whose handler exists, triggered on the request queue."""

from __future__ import annotations

import importlib
import importlib.util
import re
from typing import Any

from tests.deploy._support import DEPLOY, load_yaml_documents, settings_variables
from worker.settings import Settings


def s_yaml() -> dict[str, Any]:
    """s.yaml."""
    (document,) = load_yaml_documents(DEPLOY / "fc" / "s.yaml")
    return document


def resolve_vars(value: str) -> str:
    """``${vars.name}`` replaced by the file's ``vars`` (what Serverless Devs does)."""
    variables = s_yaml()["vars"]
    return re.sub(r"\$\{vars\.(\w+)\}", lambda m: str(variables[m.group(1)]), value)


def function() -> dict[str, Any]:
    """The function's props."""
    (resource,) = s_yaml()["resources"].values()
    props: dict[str, Any] = resource["props"]
    return props


def test_is_an_fc3_python312_function() -> None:
    """Serverless Devs 3, component fc3, the python3.12 runtime."""
    (resource,) = s_yaml()["resources"].values()
    expected = ("3.0.0", "fc3", "python3.12")

    assert expected == (s_yaml()["edition"], resource["component"], function()["runtime"])


def test_handler_file_exports_the_wired_handler() -> None:
    """``<file>.<function>`` names deploy/fc/<file>.py, whose function is the wired handler."""
    file_name, _, attribute = function()["handler"].partition(".")
    spec = importlib.util.spec_from_file_location(file_name, DEPLOY / "fc" / f"{file_name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = importlib.import_module("worker.fc_entry").handler

    assert expected is getattr(module, attribute)


def test_pre_deploy_copies_the_handler_file_into_the_code_package() -> None:
    """The code directory gets the handler file beside the installed packages."""
    (resource,) = s_yaml()["resources"].values()
    steps = " ".join(step["run"] for step in resource["actions"]["pre-deploy"])
    file_name = function()["handler"].partition(".")[0]
    expected = (True, True)

    assert expected == (
        f"--target {function()['code']}" in steps,
        f"cp {file_name}.py {function()['code']}/{file_name}.py" in steps,
    )


def test_rabbitmq_trigger_on_the_request_queue() -> None:
    """An EventBridge trigger with a RabbitMQ source on the default request queue."""
    (trigger,) = function()["triggers"]
    config = trigger["triggerConfig"]
    source = config["eventSourceConfig"]["eventSourceParameters"]["sourceRabbitMQParameters"]
    expected = ("eventbridge", "RabbitMQ", Settings().request_queue)

    assert expected == (
        trigger["triggerType"],
        config["eventSourceConfig"]["eventSourceType"],
        resolve_vars(source["QueueName"]),
    )
    assert {"InstanceId", "RegionId", "VirtualHostName"} <= set(source)


def test_environment_names_are_settings() -> None:
    """Every variable the function sets is one ``Settings`` reads."""
    expected: set[str] = set()

    assert expected == set(function()["environmentVariables"]) - settings_variables()


def test_timeout_outlasts_the_poll_timeout() -> None:
    """An invocation may wait for ``active``: the function timeout is above the poll timeout."""
    poll_timeout = float(function()["environmentVariables"]["GA_WORKER_POLL_TIMEOUT"])
    expected = True

    assert expected == (function()["timeout"] > poll_timeout + Settings().retry_deadline)

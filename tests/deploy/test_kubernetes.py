"""deploy/kubernetes: Deployment, Service, Secret template, KEDA — consistent with the code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy._support import DEPLOY, load_yaml_documents, settings_variables
from worker.settings import Settings

KUBERNETES = DEPLOY / "kubernetes"


def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    """Every manifest of the directory, keyed by (kind, name)."""
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in load_yaml_documents(path):
            if "metadata" in document:
                found[(document["kind"], document["metadata"]["name"])] = document
    return found


def deployment() -> dict[str, Any]:
    """The worker Deployment."""
    return manifests()[("Deployment", "ga-listener-worker")]


def container() -> dict[str, Any]:
    """The worker container."""
    (only,) = deployment()["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = only
    return result


def env() -> dict[str, dict[str, Any]]:
    """The container's env entries by name."""
    return {entry["name"]: entry for entry in container()["env"]}


def env_value(name: str, default: object) -> str:
    """A literal env value, or the setting's default."""
    entry = env().get(name)
    return str(entry["value"]) if entry and "value" in entry else str(default)


def test_every_file_parses_with_known_kinds() -> None:
    """All manifests parse, and the kustomization lists every file."""
    kinds = sorted(kind for kind, _ in manifests())
    kustomization = load_yaml_documents(KUBERNETES / "kustomization.yaml")[0]
    expected = (
        [
            "Deployment",
            "ScaledObject",
            "Secret",
            "Secret",
            "Service",
            "TriggerAuthentication",
        ],
        sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml"),
    )

    assert expected == (kinds, sorted(kustomization["resources"]))


def test_env_names_are_settings() -> None:
    """Every variable the container sets is one ``Settings`` reads."""
    expected: set[str] = set()

    assert expected == set(env()) - settings_variables()


def test_secrets_come_from_the_secret_template() -> None:
    """Credentials and the AMQP URL come from the Secret, under keys it defines."""
    secret = manifests()[("Secret", "ga-listener-worker")]
    refs = {
        name: entry["valueFrom"]["secretKeyRef"]
        for name, entry in env().items()
        if "valueFrom" in entry
    }
    expected = {
        name: {"name": "ga-listener-worker", "key": name}
        for name in (
            "GA_WORKER_AMQP_URL",
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        )
    }

    assert expected == refs
    assert set(expected) <= set(secret["stringData"])


def test_probes_hit_healthz_and_readyz_on_the_health_port() -> None:
    """Liveness/startup on /healthz, readiness on /readyz, on GA_WORKER_HEALTH_PORT."""
    c = container()
    port = int(env_value("GA_WORKER_HEALTH_PORT", Settings().health_port))
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    expected = ({"http": port}, "/healthz", "/healthz", "/readyz")

    assert expected == (
        ports,
        c["livenessProbe"]["httpGet"]["path"],
        c["startupProbe"]["httpGet"]["path"],
        c["readinessProbe"]["httpGet"]["path"],
    )


def test_termination_grace_outlasts_the_drain() -> None:
    """The kubelet waits longer than the worker's drain before SIGKILL."""
    grace = float(env_value("GA_WORKER_SHUTDOWN_GRACE", Settings().shutdown_grace))
    expected = True

    assert expected == (
        deployment()["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace
    )


def test_runs_non_root_with_resources() -> None:
    """Non-root, no privilege escalation, every capability dropped, requests and limits set."""
    pod = deployment()["spec"]["template"]["spec"]
    c = container()
    expected = (True, True, False, ["ALL"], True, True)

    assert expected == (
        pod["securityContext"]["runAsNonRoot"],
        pod["securityContext"]["runAsUser"] > 0,
        c["securityContext"]["allowPrivilegeEscalation"],
        c["securityContext"]["capabilities"]["drop"],
        {"cpu", "memory"} <= set(c["resources"]["requests"]),
        {"cpu", "memory"} <= set(c["resources"]["limits"]),
    )


def test_metrics_service_selects_the_pods() -> None:
    """The Service's selector matches the pod labels and targets the health/metrics port."""
    service = manifests()[("Service", "ga-listener-worker-metrics")]
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    (port,) = service["spec"]["ports"]
    expected = (True, "http")

    assert expected == (service["spec"]["selector"].items() <= labels.items(), port["targetPort"])


def test_keda_scales_the_deployment_on_the_request_queue_length() -> None:
    """A rabbitmq trigger in QueueLength mode on the default request queue, with auth."""
    scaled = manifests()[("ScaledObject", "ga-listener-worker")]
    (trigger,) = scaled["spec"]["triggers"]
    auth_name = trigger["authenticationRef"]["name"]
    expected = (
        "ga-listener-worker",
        "rabbitmq",
        "QueueLength",
        Settings().request_queue,
        env_value("GA_WORKER_PREFETCH", Settings().prefetch),
    )

    assert expected == (
        scaled["spec"]["scaleTargetRef"]["name"],
        trigger["type"],
        trigger["metadata"]["mode"],
        trigger["metadata"]["queueName"],
        trigger["metadata"]["value"],
    )
    assert ("TriggerAuthentication", auth_name) in manifests()


@pytest.mark.parametrize("parameter", ["host"])
def test_trigger_authentication_reads_a_defined_secret_key(parameter: str) -> None:
    """The TriggerAuthentication's secret and key exist in the Secret template."""
    auth = manifests()[("TriggerAuthentication", "ga-listener-worker-rabbitmq")]
    (ref,) = [r for r in auth["spec"]["secretTargetRef"] if r["parameter"] == parameter]
    secret = manifests()[("Secret", ref["name"])]
    expected = True

    assert expected == (ref["key"] in secret["stringData"])

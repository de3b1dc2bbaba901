"""Tests of worker.cli._validate and worker.cli._schema: offline validation and the JSON Schema."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from worker.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_valid_files() -> None:
    """Valid files print 'valid' each, exit 0."""
    files = sorted(str(p) for p in EXAMPLES.glob("valid-*.json"))

    code, output = _run("validate", *files)

    assert 0 == code
    assert [f"{name}: valid" for name in files] == output.splitlines()


def test_invalid_file_lists_every_violation() -> None:
    """An invalid file prints each violation with its path and API code, exit 1."""
    name = str(EXAMPLES / "invalid-system-port.json")

    code, output = _run("validate", name)

    assert 1 == code
    assert f"{name}: PortRanges.1.FromPort: SystemPort.Listener: " in output
    assert f"{name}: PortRanges.1.ToPort: SystemPort.Listener: " in output


def test_one_invalid_file_fails_the_run(tmp_path: Path) -> None:
    """Valid files beside an invalid one still exit 1; every file is reported."""
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps({"AcceleratorId": "ga-1", "Protocol": "quic", "PortRanges": []}))
    good = str(EXAMPLES / "valid-tcp.json")

    code, output = _run("validate", good, str(bad))

    assert 1 == code
    assert f"{good}: valid" in output
    assert f"{bad}: Protocol: ProtocalIllegal.Listener: " in output
    assert f"{bad}: PortRanges: InvalidParameter: " in output


def test_cloudevents_envelope_and_snake_case(tmp_path: Path) -> None:
    """A CloudEvents envelope is judged by its data, and snake_case names are accepted."""
    path = tmp_path / "event.json"
    data = {"accelerator_id": "ga-1", "port_ranges": [{"from_port": 80, "to_port": 80}]}
    path.write_bytes(orjson.dumps({"specversion": "1.0", "type": "x", "data": data}))

    assert (0, f"{path}: valid\n") == _run("validate", str(path))


def test_unreadable_and_non_json_files(tmp_path: Path) -> None:
    """A missing file and a file that is not JSON are reported clearly, exit 1."""
    missing = tmp_path / "missing.json"
    text = tmp_path / "text.json"
    text.write_text("AcceleratorId=ga-1")

    code, output = _run("validate", str(missing), str(text))

    assert 1 == code
    assert f"{missing}: (request): InvalidParameter: cannot read the file" in output
    assert f"{text}: (request): InvalidParameter: the body is not JSON" in output


def test_not_an_object(tmp_path: Path) -> None:
    """A JSON document that is not an object is one violation at the root."""
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")

    code, output = _run("validate", str(path))

    assert 1 == code
    assert f"{path}: (request): InvalidParameter: the request must be an object" in output


def test_needs_a_file() -> None:
    """Without a file it is a usage error (exit 2)."""
    code, _ = _run("validate")

    assert 2 == code


def test_schema_command() -> None:
    """``schema`` prints the request's JSON Schema with the API's wire names."""
    code, output = _run("schema")
    schema = orjson.loads(output)

    assert 0 == code
    assert "CreateListenerRequest" == schema["title"]
    assert {"AcceleratorId", "PortRanges"} <= set(schema["required"])
    assert {"FromPort", "ToPort"} == set(schema["$defs"]["PortRange"]["properties"])

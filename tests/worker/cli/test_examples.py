"""Tests of worker.cli._examples: finding the sample requests and their accelerators."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from worker.cli._examples import accelerator_ids, find_examples_dir, load_examples


def test_finds_the_repository_examples() -> None:
    """An editable install finds deploy/examples beside the packages."""
    found = find_examples_dir()

    assert found is not None
    assert Path(__file__).resolve().parents[3] / "deploy" / "examples" == found


def test_accelerator_ids(tmp_path: Path) -> None:
    """Accelerators are collected once each, from plain bodies, envelopes and snake_case."""
    (tmp_path / "a.json").write_text('{"AcceleratorId": "ga-1"}')
    (tmp_path / "b.json").write_text('{"specversion": "1.0", "data": {"AcceleratorId": "ga-2"}}')
    (tmp_path / "c.json").write_text('{"accelerator_id": "ga-1"}')
    (tmp_path / "d.json").write_text("not json")
    (tmp_path / "e.json").write_text("[1, 2]")

    expected = ["ga-1", "ga-2"]
    assert expected == accelerator_ids(load_examples(tmp_path))


def test_accelerator_ids_read_data_base64_envelopes(tmp_path: Path) -> None:
    """An envelope carrying its request in data_base64 is read as the worker reads it."""
    encoded = base64.b64encode(b'{"AcceleratorId": "ga-3"}').decode()
    envelope = {"specversion": "1.0", "id": "e", "source": "s", "type": "t"}
    (tmp_path / "a.json").write_text(json.dumps({**envelope, "data_base64": encoded}))

    expected = ["ga-3"]
    assert expected == accelerator_ids(load_examples(tmp_path))

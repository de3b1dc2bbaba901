"""Where ``demo`` finds the sample requests of ``deploy/examples/``.

The examples live in the repository, beside the packages, so an editable install
(``pip install -e .``, the README's way) finds them next to the source. A wheel installed
elsewhere carries no ``deploy/``: then ``demo`` looks in ``./deploy/examples`` (run it from a
clone) or takes ``--examples DIR``, and says so in one line when it finds none.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from handlers import request_parameters
from schemas.errors import RequestInvalid
from worker.cli._request_files import RequestFile, read_request_file

__all__ = ["accelerator_ids", "find_examples_dir", "load_examples"]

_REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"


def find_examples_dir(explicit: Path | None = None) -> Path | None:
    """``explicit`` if given, else the repository's ``deploy/examples``, else the working
    directory's; ``None`` when there is none."""
    if explicit is not None:
        return explicit
    for candidate in (_REPO_EXAMPLES, Path.cwd() / "deploy" / "examples"):
        if candidate.is_dir() and any(candidate.glob("*.json")):
            return candidate
    return None


def load_examples(directory: Path) -> list[RequestFile]:
    """Every ``*.json`` request file of ``directory``, sorted by name."""
    return [read_request_file(path) for path in sorted(directory.glob("*.json"))]


def accelerator_ids(requests: Iterable[RequestFile]) -> list[str]:
    """The distinct ``AcceleratorId`` values the requests name (also inside a CloudEvents
    envelope, or in snake_case), in first-seen order; bodies the worker would refuse before
    reading their parameters are skipped."""
    seen: dict[str, None] = {}
    for request in requests:
        try:
            parameters = request_parameters(request.body, request.content_type)
        except RequestInvalid:
            continue
        if not isinstance(parameters, dict):
            continue
        value = parameters.get("AcceleratorId", parameters.get("accelerator_id"))
        if isinstance(value, str) and value:
            seen.setdefault(value, None)
    return list(seen)

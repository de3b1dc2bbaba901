"""``ga-listener-worker validate FILE...``: offline validation of request files.

Each file is judged exactly as the worker would judge its body (``schemas.request.parse_request``),
without a broker or the API: every violation is printed with its wire path and the API's error
code. A CloudEvents structured envelope is unwrapped to its ``data``, as the worker does.
Exit 0 when every file is valid, 1 when any is not (or cannot be read).
"""

from __future__ import annotations

from pathlib import Path

import click

from handlers import request_parameters
from schemas.errors import INVALID_PARAMETER, RequestInvalid, Violation
from schemas.request import parse_request
from worker.cli import main


def check_file(path: Path) -> list[Violation]:
    """Every violation of the request in ``path`` (empty when valid); unreadable files included."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        return [Violation("", INVALID_PARAMETER, f"cannot read the file: {exc.strerror or exc}")]
    try:
        # The worker's own checks (size, JSON, CloudEvents envelope), then every API rule.
        parse_request(request_parameters(body))
    except RequestInvalid as exc:
        return exc.violations
    return []


@main.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check request FILEs against every rule of the CreateListener API, offline.

    Prints each violation as FILE: PATH: CODE: message. Exit 0 if all are valid, else 1.
    """
    invalid = 0
    for path in files:
        violations = check_file(path)
        if not violations:
            click.echo(f"{path}: valid")
            continue
        invalid += 1
        for violation in violations:
            where = violation.path or "(request)"
            click.echo(f"{path}: {where}: {violation.code}: {violation.message}")
    if invalid:
        click.echo(f"{invalid} of {len(files)} file(s) invalid", err=True)
        raise SystemExit(1)

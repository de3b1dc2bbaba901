"""Output of every benchmark: a human table, then one JSON line (the last line printed)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

__all__ = ["emit_json", "median_index", "ratio", "table"]


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` to three places; 0.0 when the denominator is 0."""
    return round(numerator / denominator, 3) if denominator else 0.0


def median_index(values: Sequence[float]) -> int:
    """Index of the median of ``values`` (the lower middle one for an even count)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    return order[(len(values) - 1) // 2]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [row[0].ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    rule = "-" * len(line(cells[0]))
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def emit_json(payload: Mapping[str, Any]) -> None:
    """Print ``payload`` as the final JSON line."""
    sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    sys.stdout.flush()

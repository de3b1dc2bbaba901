"""The live outcome table of ``demo``: plain text, one row printed as each outcome arrives.

Column widths are fixed up front from the known request names, so rows line up without
redrawing anything (no terminal control codes, so a log file or CI output reads the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from schemas.outcome import CreatedEvent, FailedEvent

__all__ = ["OutcomeRow", "OutcomeTable", "summarize"]

_HEADERS = ("request", "outcome", "listener id / error code", "attempts", "time")
_OUTCOME_WIDTH = len("failed: retries_exhausted")
_DETAIL_WIDTH = 34


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One request's outcome as the table shows it."""

    request: str
    created: bool
    outcome: str  # "created" or "failed: <error.type>"
    detail: str  # the ListenerId, or the error code
    attempts: int
    seconds: float

    @classmethod
    def from_event(cls, request: str, event: CreatedEvent | FailedEvent) -> OutcomeRow:
        """The row for ``request`` from its outcome event."""
        data = event.data
        if isinstance(event, CreatedEvent):
            outcome, detail = "created", data.listener_id or "?"
        else:
            error = event.data.error
            outcome, detail = f"failed: {error.type.value}", error.code
        return cls(
            request=request,
            created=isinstance(event, CreatedEvent),
            outcome=outcome,
            detail=detail,
            attempts=data.attempts,
            seconds=data.duration_ms / 1000.0,
        )

    @classmethod
    def missing(cls, request: str) -> OutcomeRow:
        """The row of a request whose outcome never came in time."""
        return cls(request, created=False, outcome="no outcome", detail="-", attempts=0, seconds=0)


class OutcomeTable:
    """Writes a header, then one aligned row per :meth:`add`."""

    def __init__(self, requests: Iterable[str], out: TextIO) -> None:
        self._width = max([len(_HEADERS[0]), *(len(name) for name in requests)])
        self._out = out

    def _line(self, cells: tuple[str, str, str, str, str]) -> str:
        request, outcome, detail, attempts, seconds = cells
        return (
            f"{request:<{self._width}}  {outcome:<{_OUTCOME_WIDTH}}  {detail:<{_DETAIL_WIDTH}}  "
            f"{attempts:>8}  {seconds:>6}"
        ).rstrip()

    def header(self) -> None:
        """Print the column titles and a rule under them."""
        title = self._line(_HEADERS)
        self._out.write(f"{title}\n{'-' * len(title)}\n")
        self._out.flush()

    def add(self, row: OutcomeRow) -> None:
        """Print one row now."""
        cells = (row.request, row.outcome, row.detail, str(row.attempts), f"{row.seconds:.1f}s")
        self._out.write(self._line(cells) + "\n")
        self._out.flush()


def summarize(rows: Iterable[OutcomeRow], *, elapsed: float) -> str:
    """One closing line: how many created, how many failed and of which kinds, how long."""
    rows = list(rows)
    created = sum(row.created for row in rows)
    kinds = Counter(row.outcome.removeprefix("failed: ") for row in rows if not row.created)
    failed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    failed_part = f"{len(rows) - created} failed ({failed})" if kinds else "0 failed"
    return f"{len(rows)} requests: {created} created, {failed_part} in {elapsed:.1f}s"

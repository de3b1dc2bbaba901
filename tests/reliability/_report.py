"""Per-scenario numbers of the reliability suite, collected for the session-end summary.

Every scenario's checker files one :class:`ScenarioReport`; ``conftest.py`` prints them all as a
table at the end of the run (pytest's terminal summary, so no ``-s`` is needed) and writes them
to :data:`REPORT_PATH` (text) and :data:`REPORT_JSON_PATH` (JSON) for the closing note.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = ["REPORTS", "REPORT_JSON_PATH", "REPORT_PATH", "ScenarioReport", "render", "write"]

REPORT_PATH: Final = Path("/tmp/ga-reliability-report.txt")
REPORT_JSON_PATH: Final = Path("/tmp/ga-reliability-report.json")


@dataclass
class ScenarioReport:
    """What one scenario sent, got back and found in the emulator."""

    scenario: str
    requests: int = 0
    outcomes: int = 0
    deliveries: int = 0
    duplicates_suppressed: int = 0
    listeners: int = 0
    retries: int = 0
    create_calls: int = 0
    dead_lettered: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    notes: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line of the summary table."""
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.kinds.items()))
        notes = ", ".join(f"{key}={value}" for key, value in self.notes.items())
        verdict = "OK" if not self.violations else f"FAILED ({len(self.violations)})"
        return (
            f"{self.scenario:<34} {self.requests:>6} {self.outcomes:>8} {self.deliveries:>8} "
            f"{self.duplicates_suppressed:>5} {self.listeners:>9} {self.retries:>7} "
            f"{self.create_calls:>7} {self.dead_lettered:>4}  {verdict}\n"
            f"{'':<34} outcomes: {kinds or '-'}\n"
            f"{'':<34} {notes}"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        data = asdict(self)
        data["kinds"] = dict(self.kinds)
        return data


#: Reports of this session, in the order the scenarios ran.
REPORTS: list[ScenarioReport] = []

_HEADER = (
    f"{'scenario':<34} {'sent':>6} {'outcomes':>8} {'deliv.':>8} {'dups':>5} "
    f"{'listeners':>9} {'retries':>7} {'creates':>7} {'dead':>4}  verdict"
)


def render(reports: list[ScenarioReport]) -> str:
    """The summary table: sent, distinct outcomes, outcome deliveries, duplicates suppressed,
    listeners in the emulator, CreateListener retries seen, CreateListener calls, dead-lettered."""
    lines = [_HEADER, "-" * len(_HEADER)]
    lines.extend(report.line() for report in reports)
    signatures = sum(int(r.notes.get("signatures_checked", 0)) for r in reports)
    log_bytes = sum(int(r.notes.get("log_bytes_checked", 0)) for r in reports)
    events = sum(r.deliveries for r in reports)
    leaks = sum(1 for r in reports for v in r.violations if " appears in " in v)
    lines.append(
        f"secrets: {leaks} leaks; {signatures} signatures and the access key secret looked for "
        f"in {log_bytes} bytes of worker output and {events} event bodies"
    )
    return "\n".join(lines)


def write(reports: list[ScenarioReport]) -> None:
    """Write the table and the JSON next to each other under /tmp."""
    REPORT_PATH.write_text(render(reports) + "\n", encoding="utf-8")
    REPORT_JSON_PATH.write_text(
        json.dumps([report.as_dict() for report in reports], indent=2, default=str) + "\n",
        encoding="utf-8",
    )

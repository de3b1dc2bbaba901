"""Tests of worker.cli._progress: the progress line of submit --wait."""

from __future__ import annotations

import io

from worker.cli._progress import Progress


def test_line_counts_outcomes() -> None:
    """The line says how many outcomes came and of which kind."""
    progress = Progress(3, stream=io.StringIO())
    progress.count(created=True)
    progress.count(created=False)

    expected = "waiting: 2/3 outcomes (1 created, 1 failed), 10s left"
    assert expected == progress.line(10.0)


def test_silent_off_a_terminal() -> None:
    """Redirected stderr gets no progress output at all."""
    stream, out = io.StringIO(), io.StringIO()
    progress = Progress(5, stream=stream)

    progress.draw(3.0)
    progress.echo("{}", out)
    progress.close()

    expected = ("", "{}\n")
    assert expected == (stream.getvalue(), out.getvalue())


def test_echo_clears_the_line_first() -> None:
    """On a terminal, a printed line first clears the progress line."""
    stream, out = io.StringIO(), io.StringIO()
    progress = Progress(5, stream=stream, enabled=True)

    progress.draw(3.0)
    progress.echo("{}", out)

    assert stream.getvalue().endswith("\r\x1b[K")

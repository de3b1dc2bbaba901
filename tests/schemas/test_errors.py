"""Tests of schemas.errors: the exception tree and its messages."""

from __future__ import annotations

import pytest

from schemas import errors
from schemas.errors import GaWorkerError
from schemas.outcome import ErrorType


def _tree(root: type[GaWorkerError]) -> list[type[GaWorkerError]]:
    return [root, *(cls for sub in root.__subclasses__() for cls in _tree(sub))]


RETRYABLE = [cls for cls in _tree(GaWorkerError) if cls.retryable]


def test_the_retryable_errors_are_the_unavailable_and_transport_failures() -> None:
    """Only ``ApiUnavailable`` and ``TransportFailed`` are retryable in the tree."""
    expected = {errors.ApiUnavailable, errors.TransportFailed}
    assert expected == set(RETRYABLE)


@pytest.mark.parametrize("cls", RETRYABLE)
def test_retryable_errors_are_retries_exhausted(cls: type[GaWorkerError]) -> None:
    """A retryable error that reaches an outcome has outlasted the retry budget: every
    retryable class of the tree is ``retries_exhausted`` by itself (``error_of`` relies on it)."""
    assert ErrorType.RETRIES_EXHAUSTED == cls.error_type

"""Seam to :func:`schemas.request.parse_request` (written in parallel by the schemas engineer).

Until that function lands, :mod:`handlers` must still import, so the name is looked up when
called. Once it exists this module shrinks to a re-export.
"""

from __future__ import annotations

import schemas.request as _request_module
from schemas.request import CreateListenerRequest

__all__ = ["parse_request"]


def parse_request(data: object) -> CreateListenerRequest:
    """Validate ``data`` into a request; raises ``RequestInvalid`` listing every violation."""
    parse = getattr(_request_module, "parse_request")  # noqa: B009 - see the module docstring
    request: CreateListenerRequest = parse(data)
    return request

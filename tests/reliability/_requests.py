"""Valid CreateListener requests for the scenarios: one TCP port each, spread over accelerators.

Ports never collide on one accelerator (the emulator refuses port conflicts), so every request
can end ``created``; ``per_accelerator`` > 1 makes requests queue behind each other on an
accelerator, which is where the API's ``StateError.Accelerator`` comes from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import orjson

from tests.reliability._broker import Request

__all__ = ["valid_requests"]

_FIRST_PORT = 2000


def valid_requests(accelerators: list[str], per_accelerator: int) -> Iterator[Request]:
    """``len(accelerators) * per_accelerator`` valid requests, interleaved over accelerators."""
    for round_ in range(per_accelerator):
        port = _FIRST_PORT + round_
        for accelerator_id in accelerators:
            body = {
                "AcceleratorId": accelerator_id,
                "Name": f"rel-{round_}",
                "Protocol": "tcp",
                "PortRanges": [{"FromPort": port, "ToPort": port}],
            }
            yield Request(body=orjson.dumps(body), message_id=f"req-{uuid.uuid4().hex}")

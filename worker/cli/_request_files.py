"""Request files as ``submit`` and ``demo`` send them: bytes, content type and a stable id.

Pure functions, no I/O beyond reading the file, so the id rules are easy to test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from handlers import own_client_token, request_parameters
from schemas.errors import RequestInvalid

__all__ = ["RequestFile", "message_id_for", "read_request_file"]

JSON = "application/json"
CLOUDEVENTS_JSON = "application/cloudevents+json"


@dataclass(frozen=True, slots=True)
class RequestFile:
    """One request ready to publish: where it came from, its body, and its AMQP properties."""

    path: Path
    body: bytes
    content_type: str
    message_id: str

    @property
    def name(self) -> str:
        """The file name, as tables and progress lines show it."""
        return self.path.name


def message_id_for(body: bytes) -> tuple[str, str]:
    """``(message_id, content_type)`` for a request body.

    The id is the request's own ``ClientToken`` when it has one, else a hash of the body's JSON
    with keys sorted (so re-indenting a file keeps its id), else a hash of the raw bytes. Sending
    the same file twice therefore sends the same ``message_id``, which the worker turns into the
    same ``ClientToken``: the API creates one listener, not two.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return hashlib.sha256(body).hexdigest()[:32], JSON
    # A CloudEvents structured envelope is sent as one; its parameters are read as the worker
    # reads them (data, or data_base64).
    structured = isinstance(document, dict) and "specversion" in document
    content_type = CLOUDEVENTS_JSON if structured else JSON
    try:
        parameters = request_parameters(body, content_type)
    except RequestInvalid:
        parameters = None
    if token := own_client_token(parameters):
        return token, content_type
    canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:32], content_type


def read_request_file(path: Path) -> RequestFile:
    """Read one request file; raises ``OSError`` if it cannot be read."""
    body = path.read_bytes()
    message_id, content_type = message_id_for(body)
    return RequestFile(path=path, body=body, content_type=content_type, message_id=message_id)

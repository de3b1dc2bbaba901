"""What Function Compute hands the handler, unwrapped into :class:`RequestMessage` values.

The RabbitMQ trigger (through EventBridge) delivers a JSON **array** of CloudEvents; each event's
``data`` holds ``envelope`` (``deliveryTag``, ``exchange``, ``redeliver``, ``routingKey``),
``body`` (a JSON object when the message was JSON, else a string) and ``props`` (``messageId``,
``correlationId``, ``replyTo``, ``contentType``, ...)::

    [{"specversion": "1.0", "type": "amqp:Queue:SendMessage", "source": "...",
      "data": {"envelope": {...}, "body": {"AcceleratorId": "ga-..."},
               "props": {"messageId": "m-1", "contentType": "application/json"}}}, ...]

A single such event (the trigger's event mode) and a bare request object (a console test
invocation, or a CloudEvents structured-mode request as in ``CONTRACT.md`` §3) are accepted too.

Nothing here validates a request: anything that is not a trigger event becomes a message whose
body the pipeline judges, so a broken invocation still yields one ``validation_error`` outcome
per message instead of an exception the platform would retry forever.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from handlers.pipeline import RequestMessage
from schemas.outcome import CE_CONTENT_TYPE

__all__ = ["parse_event"]

_JSON: Final = "application/json"
# EventBridge's CloudEvents ``type`` for a RabbitMQ message (``amqp:Queue:SendMessage``).
_AMQP_TYPE_PREFIX: Final = "amqp:"


def parse_event(event: bytes | bytearray | memoryview | str) -> list[RequestMessage]:
    """Every request message of one invocation, in delivery order (empty for ``[]``)."""
    raw = event.encode() if isinstance(event, str) else bytes(event)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # Not JSON at all: one message; the pipeline answers with a validation_error.
        return [RequestMessage(body=raw, content_type=_JSON)]
    if isinstance(document, list):
        return [_message_of(item, raw=None) for item in document]
    return [_message_of(document, raw=raw)]


def _message_of(item: object, *, raw: bytes | None) -> RequestMessage:
    """One trigger event unwrapped, or ``item`` itself taken as a bare request."""
    if isinstance(item, dict) and _is_trigger_event(item):
        return _from_trigger_event(item["data"])
    body = raw if raw is not None else orjson.dumps(item)
    structured = isinstance(item, dict) and "specversion" in item
    return RequestMessage(body=body, content_type=CE_CONTENT_TYPE if structured else _JSON)


def _is_trigger_event(item: dict[str, Any]) -> bool:
    data = item.get("data")
    if not isinstance(data, dict):
        return False
    kind = item.get("type")
    return (
        "envelope" in data
        or "props" in data
        or (isinstance(kind, str) and kind.startswith(_AMQP_TYPE_PREFIX))
    )


def _from_trigger_event(data: dict[str, Any]) -> RequestMessage:
    props = data.get("props")
    if not isinstance(props, dict):
        props = {}
    return RequestMessage(
        body=_body_bytes(data.get("body")),
        content_type=_text(props.get("contentType")) or _JSON,
        message_id=_text(props.get("messageId")),
        correlation_id=_text(props.get("correlationId")),
        reply_to=_text(props.get("replyTo")),
    )


def _body_bytes(body: object) -> bytes:
    """The message body as the producer sent it, as near as EventBridge lets us see it.

    EventBridge parses a JSON body into an object (serialised again here, once) and passes any
    other body as a string; a missing body is empty, which the pipeline refuses as not JSON.
    """
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return orjson.dumps(body)


def _text(value: object) -> str | None:
    """A property as a non-empty string, or ``None`` (numbers are stringified, others dropped)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None

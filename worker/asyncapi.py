"""The message contract as an AsyncAPI 3.0 document, generated from the models in ``schemas``.

``docs/asyncapi.yaml`` is this module's output; a test regenerates it and compares, so the
document cannot drift from the code. Regenerate after changing a model::

    python -m worker.asyncapi > docs/asyncapi.yaml

Building the document needs only the runtime dependencies; writing it as YAML needs PyYAML
(in the ``dev`` extra), which the worker itself never imports.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

from pydantic.json_schema import models_json_schema

from schemas.outcome import (
    CE_CONTENT_TYPE,
    CREATED_ROUTING_KEY,
    CreatedEvent,
    ErrorType,
    EventType,
    FailedEvent,
)
from schemas.request import CreateListenerRequest
from worker.amqp.topology import Topology

__all__ = ["build_document", "render_yaml"]

_TOPOLOGY: Final = Topology()
_REQUEST_QUEUE: Final = _TOPOLOGY.request_queue
_EVENTS_EXCHANGE: Final = _TOPOLOGY.events_exchange
_AMQP_BINDING_VERSION: Final = "0.3.0"
_SCHEMA_REF: Final = "#/components/schemas/{model}"


def _version() -> str:
    try:
        return version("ga-listener-worker")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0.0.0"


def _schemas() -> dict[str, Any]:
    """JSON Schemas of the request and both outcome events, as the wire carries them."""
    _, top = models_json_schema(
        [
            (CreateListenerRequest, "validation"),
            (CreatedEvent, "serialization"),
            (FailedEvent, "serialization"),
        ],
        by_alias=True,
        ref_template=_SCHEMA_REF,
    )
    schemas: dict[str, Any] = top["$defs"]
    return dict(sorted(schemas.items()))


def _events_exchange_binding() -> dict[str, Any]:
    return {
        "amqp": {
            "is": "routingKey",
            "exchange": {
                "name": _EVENTS_EXCHANGE,
                "type": "topic",
                "durable": True,
                "autoDelete": False,
                "vhost": "/",
            },
            "bindingVersion": _AMQP_BINDING_VERSION,
        }
    }


_AMQP_PROPERTIES: Final = (
    "AMQP properties (not headers): `message_id` {message_id}; `correlation_id` {correlation_id}"
)


def _outcome_message(
    event: type[CreatedEvent | FailedEvent], ce_type: EventType, summary: str
) -> dict[str, Any]:
    return {
        "name": event.__name__,
        "title": ce_type.value,
        "summary": summary,
        "description": _AMQP_PROPERTIES.format(
            message_id="is deterministic from the ClientToken and the outcome type, so a "
            "repeated outcome (at-least-once) has the same id",
            correlation_id="is the request's correlation_id, else its message_id",
        )
        + "; persistent.",
        "contentType": CE_CONTENT_TYPE,
        "correlationId": {
            "description": "The request's correlation_id, else its message_id.",
            "location": "$message.header#/correlation_id",
        },
        "headers": {
            "type": "object",
            "properties": {"ce-type": {"type": "string", "const": ce_type.value}},
            "required": ["ce-type"],
        },
        "payload": {"$ref": _SCHEMA_REF.format(model=event.__name__)},
        "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": _AMQP_BINDING_VERSION}},
    }


def _request_message() -> dict[str, Any]:
    return {
        "name": "CreateListenerRequest",
        "title": "CreateListener request",
        "summary": "CreateListener parameters under their API names (snake_case accepted too).",
        "description": (
            "A JSON object of the CreateListener parameters, nested as JSON. A CloudEvents "
            "structured-mode envelope (`application/cloudevents+json`, parameters in `data`) is "
            "accepted as well. The ClientToken is the body's own, else derived from message_id, "
            "else from a hash of the body. A body over 256 KiB, not JSON, or breaking any rule "
            "of the API reference gets a `validation_error` outcome without any API call. "
            + _AMQP_PROPERTIES.format(
                message_id="is the idempotency key (recommended)",
                correlation_id="is echoed on the outcome",
            )
            + "; `reply_to` names a queue that also gets the outcome, through the default "
            "exchange."
        ),
        "contentType": "application/json",
        "correlationId": {
            "description": "Echoed on the outcome; the message_id stands in when absent.",
            "location": "$message.header#/correlation_id",
        },
        "payload": {"$ref": _SCHEMA_REF.format(model=CreateListenerRequest.__name__)},
        "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": _AMQP_BINDING_VERSION}},
    }


def build_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the worker's message contract (contract §3 and §4)."""
    created_ref = {"$ref": "#/components/messages/ListenerCreated"}
    failed_ref = {"$ref": "#/components/messages/ListenerFailed"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ga-listener-worker",
            "version": _version(),
            "description": (
                "Creates Alibaba Cloud Global Accelerator listeners from RabbitMQ requests and "
                "publishes exactly one CloudEvents outcome per request. Generated by "
                "`python -m worker.asyncapi` from the models in `schemas/`; do not edit by hand."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:5672",
                "protocol": "amqp",
                "description": "The broker in GA_WORKER_AMQP_URL (amqps:// for TLS).",
            }
        },
        "channels": {
            "requests": {
                "address": _REQUEST_QUEUE,
                "title": "Request queue",
                "description": (
                    "Quorum queue (GA_WORKER_REQUEST_QUEUE); publish through the default "
                    "exchange with this routing key. Dead letters go to "
                    f"{_TOPOLOGY.dead_exchange} after {_TOPOLOGY.delivery_limit} deliveries."
                ),
                "messages": {
                    "CreateListenerRequest": {"$ref": "#/components/messages/CreateListenerRequest"}
                },
                "bindings": {
                    "amqp": {
                        "is": "queue",
                        "queue": {
                            "name": _REQUEST_QUEUE,
                            "durable": True,
                            "exclusive": False,
                            "autoDelete": False,
                            "vhost": "/",
                        },
                        "bindingVersion": _AMQP_BINDING_VERSION,
                    }
                },
            },
            "listenerCreated": {
                "address": CREATED_ROUTING_KEY,
                "title": "Listener created",
                "description": (
                    f"Routing key on the topic exchange {_EVENTS_EXCHANGE} "
                    "(GA_WORKER_EVENTS_EXCHANGE): the listener exists and is active."
                ),
                "messages": {"ListenerCreated": created_ref},
                "bindings": _events_exchange_binding(),
            },
            "listenerFailed": {
                "address": "listener.failed.{errorType}",
                "title": "Listener failed",
                "description": (
                    f"Routing keys on the topic exchange {_EVENTS_EXCHANGE}; bind "
                    "`listener.failed.*` for every failure or one error type for some."
                ),
                "parameters": {
                    "errorType": {
                        "enum": [member.value for member in ErrorType],
                        "description": "`data.error.type` of the event.",
                    }
                },
                "messages": {"ListenerFailed": failed_ref},
                "bindings": _events_exchange_binding(),
            },
            "replyTo": {
                "address": None,
                "title": "reply_to queue",
                "description": (
                    "The queue a request names in reply_to also gets its outcome, published "
                    "through the default exchange."
                ),
                "messages": {"ListenerCreated": created_ref, "ListenerFailed": failed_ref},
            },
        },
        "operations": {
            "createListener": {
                "action": "receive",
                "title": "Create a listener",
                "summary": "The worker consumes requests and answers each with one outcome.",
                "channel": {"$ref": "#/channels/requests"},
                "messages": [{"$ref": "#/channels/requests/messages/CreateListenerRequest"}],
                "reply": {
                    "address": {
                        "description": "The request's reply_to property.",
                        "location": "$message.header#/reply_to",
                    },
                    "channel": {"$ref": "#/channels/replyTo"},
                    "messages": [
                        {"$ref": "#/channels/replyTo/messages/ListenerCreated"},
                        {"$ref": "#/channels/replyTo/messages/ListenerFailed"},
                    ],
                },
            },
            "publishListenerCreated": {
                "action": "send",
                "summary": "Published with publisher confirms before the request is acked.",
                "channel": {"$ref": "#/channels/listenerCreated"},
                "messages": [{"$ref": "#/channels/listenerCreated/messages/ListenerCreated"}],
            },
            "publishListenerFailed": {
                "action": "send",
                "summary": "Published with publisher confirms before the request is acked.",
                "channel": {"$ref": "#/channels/listenerFailed"},
                "messages": [{"$ref": "#/channels/listenerFailed/messages/ListenerFailed"}],
            },
        },
        "components": {
            "messages": {
                "CreateListenerRequest": _request_message(),
                "ListenerCreated": _outcome_message(
                    CreatedEvent,
                    EventType.CREATED,
                    "The listener exists and is active; data.listener is DescribeListener's body.",
                ),
                "ListenerFailed": _outcome_message(
                    FailedEvent,
                    EventType.FAILED,
                    "The request did not produce an active listener; data.error says why.",
                ),
            },
            "schemas": _schemas(),
        },
    }


def render_yaml(document: dict[str, Any]) -> str:
    """``document`` as YAML, keys in the order built (needs PyYAML, from the ``dev`` extra)."""
    import yaml  # noqa: PLC0415 - a dev-only dependency, needed only to write the file

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def main() -> None:
    """Print the document as YAML on stdout."""
    try:
        text = render_yaml(build_document())
    except ModuleNotFoundError:
        sys.exit("writing YAML needs PyYAML: pip install -e '.[dev]'")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

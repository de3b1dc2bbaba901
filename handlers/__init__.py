"""The transport-free pipeline: request bytes in, one CloudEvents outcome out.

``handlers`` imports ``schemas`` only; the GA API comes in through :class:`ListenerApi`, so the
AMQP worker and the Function Compute handler drive the same :class:`Pipeline`.
"""

from handlers._envelope import request_parameters
from handlers._tokens import own_client_token
from handlers.pipeline import Outcome, Pipeline, RequestMessage
from handlers.ports import CallTrace, ListenerApi, OutcomePublisher

__all__ = [
    "CallTrace",
    "ListenerApi",
    "Outcome",
    "OutcomePublisher",
    "Pipeline",
    "RequestMessage",
    "own_client_token",
    "request_parameters",
]

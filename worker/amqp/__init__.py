"""RabbitMQ: the topology, the request consumer and the confirmed outcome publisher."""

from worker.amqp.consumer import Consumer
from worker.amqp.publisher import OutcomePublisher, PublishError
from worker.amqp.topology import Topology, declare, definitions

__all__ = ["Consumer", "OutcomePublisher", "PublishError", "Topology", "declare", "definitions"]

"""The runtime around the pipeline: everything that touches the outside world.

- ``worker.settings``  configuration from the environment (CONTRACT §2)
- ``worker.amqp``      topology, the consumer (ack after a confirmed outcome), the publisher
- ``worker.ga``        the GA API client: signing, typed errors, retries, polling
- ``worker.emulator``  the local GA emulator for tests, benchmarks and the demo
- ``worker.app``       assembles and runs the worker; ``worker.fc_entry`` the FC function
- ``worker.logs``, ``worker.metrics``, ``worker.health``  observability
- ``worker.cli``       the ``ga-listener-worker`` command

Nothing is imported here, so ``ga-listener-worker --help`` stays quick.
"""

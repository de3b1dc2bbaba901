"""Shared fixtures live in ``tests/fixtures/``, one module per part of the system."""

pytest_plugins = [
    "tests.fixtures.emulator",
    "tests.fixtures.amqp",
]

"""The Global Accelerator API client: signing, typed errors, retries and polling on aiohttp."""

from worker.ga._errors import translate
from worker.ga._poll import PollPolicy
from worker.ga._retry import RetryPolicy, set_testing
from worker.ga.client import GaClient, GaSettings
from worker.ga.credentials import Credentials

__all__ = [
    "Credentials",
    "GaClient",
    "GaSettings",
    "PollPolicy",
    "RetryPolicy",
    "set_testing",
    "translate",
]

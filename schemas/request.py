"""CreateListener request model (placeholder: the foundation issue fills in every rule)."""

from __future__ import annotations

from pydantic import BaseModel


class CreateListenerRequest(BaseModel):
    """Placeholder."""

"""The local CreateListener flattening used until schemas.wire lands."""

from __future__ import annotations

from worker.ga._wire import flatten


def test_flatten_like_the_sdk() -> None:
    """Nested lists count from 1, objects join with dots, booleans are lower-case, None omitted."""
    data = {
        "AcceleratorId": "ga-1",
        "PortRanges": [{"FromPort": 80, "ToPort": 81}],
        "XForwardedForConfig": {"XForwardedForGaIdEnabled": True, "XRealIpEnabled": None},
        "Groups": [{"Endpoints": [{"Weight": 100, "Enable": False}]}],
    }
    expected = {
        "AcceleratorId": "ga-1",
        "PortRanges.1.FromPort": "80",
        "PortRanges.1.ToPort": "81",
        "XForwardedForConfig.XForwardedForGaIdEnabled": "true",
        "Groups.1.Endpoints.1.Weight": "100",
        "Groups.1.Endpoints.1.Enable": "false",
    }
    assert expected == flatten(data)

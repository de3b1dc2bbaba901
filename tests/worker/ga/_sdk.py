"""The official SDK's own ACS3 signing, as the oracle our signatures are checked against."""

from __future__ import annotations

from collections.abc import Mapping

from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

from worker.ga.signing import ACS3_ALGORITHM, parse_acs3_authorization


def sdk_authorization(query: Mapping[str, str], headers: Mapping[str, str], secret: str) -> str:
    """The Authorization header the SDK computes for a signed POST ``/`` with ``query``.

    ``headers`` are the request's (any case, ``Authorization`` among them); the SDK signs the
    ones that Authorization names, with its AccessKey ID and the given ``secret``.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    parsed = parse_acs3_authorization(lowered["authorization"])
    request = DaraRequest()
    request.method = "POST"
    request.pathname = "/"
    request.query = dict(query)
    request.headers = {name: lowered[name] for name in parsed.signed_headers}
    authorization: str = Utils.get_authorization(
        request, ACS3_ALGORITHM, lowered["x-acs-content-sha256"], parsed.access_key_id, secret
    )
    return authorization


def sdk_verifies(query: Mapping[str, str], headers: Mapping[str, str], secret: str) -> bool:
    """Whether the request's own Authorization header is the one the SDK computes."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return sdk_authorization(query, headers, secret) == lowered["authorization"]

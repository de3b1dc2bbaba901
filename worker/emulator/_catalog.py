"""The emulator's error catalogue: each code the real GA API answers, its HTTP status and message.

Every refusal the emulator makes is a ``schemas.errors.ApiError`` built here, so the status and
the wording of a code live in one place. Codes come from the CreateListener reference's error
table, Alibaba Cloud's common (gateway) error codes, and the GA DescribeListener/DeleteListener
references.
"""

from __future__ import annotations

from schemas.errors import ApiError

__all__ = ["CATALOG", "api_error"]

CATALOG: dict[str, tuple[int, str]] = {
    # Gateway: authentication and request shape.
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "SignatureDoesNotMatch": (400, "Specified signature is not matched with our calculation."),
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well formatted."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "InvalidAction.NotFound": (
        404,
        "Specified api is not found, please check your url and method.",
    ),
    "InvalidVersion": (400, "Specified parameter Version is not valid."),
    "MissingParameter": (400, "A mandatory parameter is not supplied."),
    "InvalidParameter": (400, "The specified parameter is not valid."),
    # Gateway: flow control and transient failures.
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "ServiceUnavailable": (
        503,
        "The request has failed due to a temporary failure of the server.",
    ),
    "UnknownError": (
        500,
        "An error occurred while processing your request. Please try again. "
        "If the error persists, please submit a ticket.",
    ),
    # GA: the reference's stateful rules.
    "NotExist.Accelerator": (400, "The accelerated instance does not exist."),
    "StateError.Accelerator": (400, "The state of the accelerated instance is invalid."),
    "QuotaExceeded.Listener": (400, "The maximum number of listeners is exceeded."),
    "PortConflict.Listener": (400, "The listener port configuration is in conflict."),
    "PortRangeIllegal.Listener": (400, "The specified listener port range is invalid."),
    "PortRangeIllegal.ExceedGaAbility": (
        400,
        "The listener port range is invalid. For each accelerator instance, you can only "
        "create a listener with port range over 300 for each protocol (TCP and UDP).",
    ),
    "NotExist.Listener": (400, "The listener does not exist."),
}


def api_error(code: str, message: str | None = None) -> ApiError:
    """The refusal the real API gives for ``code``; ``message`` overrides the stock wording."""
    status, stock = CATALOG.get(code, (400, code))
    return ApiError(code=code, message=message or stock, http_status=status)

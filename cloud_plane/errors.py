"""Domain errors of the cloud plane, each with the HTTP status it maps to (mapped once, in main).

CloudError
├── ConfigError             500  a setting cannot be served (raised at start-up, not per request)
├── NotAuthenticated        401  missing, expired, tampered or unknown token / signature
├── Forbidden               403  authenticated, but not allowed (scope, role, revoked site)
├── NotFound                404  missing, or outside the caller's scope
├── Conflict                409  the request contradicts stored state
├── PayloadTooLarge         413  body over a limit
├── InvalidInput            422  malformed body or parameter
├── UpgradeRequired         426  the node speaks a protocol version this cloud no longer reads
└── TooManyRequests         429  rate limited (Retry-After)

The store raises the subset that describes data (NotFound, Conflict, InvalidInput,
Forbidden for refused enrolment codes); the HTTP layer adds the rest.
"""

from __future__ import annotations


class CloudError(Exception):
    """Base of every error the cloud answers to a client."""

    status_code = 500
    headers: dict[str, str] | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigError(CloudError):
    """The configuration cannot be served."""


class NotAuthenticated(CloudError):
    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(CloudError):
    status_code = 403


class NotFound(CloudError):
    status_code = 404


class Conflict(CloudError):
    status_code = 409


class PayloadTooLarge(CloudError):
    status_code = 413


class InvalidInput(CloudError):
    status_code = 422


class UpgradeRequired(CloudError):
    status_code = 426


class TooManyRequests(CloudError):
    status_code = 429

    def __init__(self, detail: str, retry_after_s: int = 1) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(max(1, retry_after_s))}

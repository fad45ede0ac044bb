"""Domain errors of the cloud plane, each with the HTTP status it maps to (mapped once, in main).

CloudError
├── ConfigError             500  a setting cannot be served (raised at start-up, not per request)
├── ClientGone              400  the client hung up before its body ended (for the logs only)
├── NotAuthenticated        401  missing, expired, tampered or unknown token / signature
├── Forbidden               403  authenticated, but not allowed (scope, role, revoked site)
├── NotFound                404  missing, or outside the caller's scope
├── Conflict                409  the request contradicts stored state
├── PayloadTooLarge         413  body over a limit
├── InvalidInput            422  malformed body or parameter
├── UpgradeRequired         426  the node speaks a protocol version this cloud no longer reads
├── TooManyRequests         429  rate limited (Retry-After)
└── ServiceUnavailable      503  an AWS service the request needs (Cognito) failed; try again

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


class ClientGone(CloudError):
    """The client hung up (or was cut off) before its body ended; nobody reads the 400."""

    status_code = 400


class NotAuthenticated(CloudError):
    """401, always with one of the wordings below (one per reason, the same on every route)."""

    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}


# Every 401 the cloud sends, one wording per reason, the same on every route (scripts match them).
MISSING_TOKEN = "missing token (Authorization: Bearer <token>)"
WRONG_PASSWORD = "wrong username or password"
ACCOUNT_DISABLED = "account disabled"
ACCOUNT_GONE = "account no longer exists"
TOKEN_REVOKED = "token was revoked (password reset or account change); sign in"
TOKEN_UNKNOWN_KEY = "token signed by an unknown key"
TOKEN_KEYS_UNAVAILABLE = "token keys are unavailable; try again"
TOKEN_MALFORMED = "malformed token"
TOKEN_NO_KEY_ID = "token has no key id"
TOKEN_ISSUER_UNTRUSTED = "token issuer is not trusted"
TOKEN_INVALID = "token signature or claims are invalid"
TOKEN_TIMES_INVALID = "token times are invalid"
TOKEN_EXPIRED = "token has expired"
TOKEN_FROM_THE_FUTURE = "token was issued in the future"
TOKEN_NOT_YET_VALID = "token is not valid yet (nbf)"
ACCESS_TOKEN_REQUIRED = "an access token is required (token_use must be 'access')"
TOKEN_OTHER_CLIENT = "token was issued to another client"
TOKEN_VERSION_INVALID = "token version is invalid"
UNSIGNED_REQUEST = "unsigned request: send Authorization: EdgeSync <request JWT>"
TOKEN_BAD_ALGORITHM = "token algorithm must be {algorithm}"
"""Formatted with the one algorithm accepted."""
SIGNATURE_REFUSED = "request signature refused: {reason}"
"""A node's signed request that does not verify; ``reason`` says which check failed."""


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


class ServiceUnavailable(CloudError):
    status_code = 503

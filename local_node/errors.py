"""Domain errors of the local node, each with the HTTP status it maps to (mapped once, in main).

NodeError
├── ClientGone              400  the client hung up before its body ended (for the logs only)
├── NotAuthenticated        401  missing or unknown key/token
├── Forbidden               403  authenticated, but not allowed
├── NotFound                404
├── Conflict                409  a name that is taken already
├── ImageDamaged            410  an acknowledged image is missing, truncated or altered on disk
├── PayloadTooLarge         413  body or image over the limit
├── UnsupportedMedia        415  image is not JPEG/PNG by content
├── InvalidInput            422  metadata that does not validate
├── Overloaded              503  too many reads waiting for the writer (Retry-After)
│   └── ImageStoreUnavailable 503  the image bucket refused or could not be reached
└── StorageFull             507  disk budget exhausted and nothing can be pruned
"""

from __future__ import annotations


class NodeError(Exception):
    """Base of every error the node answers to a client."""

    status_code = 500
    headers: dict[str, str] | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ClientGone(NodeError):
    """The client closed the connection (or was cut off) before its body ended.

    Nobody reads the 400: it is there for the access log and the request metrics.
    """

    status_code = 400


class NotAuthenticated(NodeError):
    """401, always with one of the wordings below (one per reason, the same on every route)."""

    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}


# Every 401 the node sends, so that scripts and people see one wording per reason.
MISSING_CREDENTIALS = "missing credentials: send the key or token as Authorization: Bearer <key>"
UNKNOWN_KEY = "unknown or revoked key"
"""A camera key or token that is malformed, unknown, revoked, deleted or rotated out."""
CAMERA_DISABLED = "camera disabled"
TOKEN_EXPIRED = "token expired"


class CameraDisabled(NotAuthenticated):
    """401 for the key of a disabled camera; names the camera, whose error count it adds to."""

    def __init__(self, camera_id: str) -> None:
        super().__init__(CAMERA_DISABLED)
        self.camera_id = camera_id


class Forbidden(NodeError):
    status_code = 403


class NotFound(NodeError):
    status_code = 404


class Conflict(NodeError):
    status_code = 409


class ImageDamaged(NodeError):
    """410 rather than 500 (the server works; those bytes are gone) or 404 (the read exists)."""

    status_code = 410


class PayloadTooLarge(NodeError):
    status_code = 413


class UnsupportedMedia(NodeError):
    status_code = 415


class InvalidInput(NodeError):
    status_code = 422


class Overloaded(NodeError):
    status_code = 503

    def __init__(self, detail: str, retry_after_s: int = 1) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after_s)}


class ImageStoreUnavailable(Overloaded):
    """503: the S3 image store refused an upload or could not be reached; the read is not
    stored and the camera should send it again."""

    def __init__(self, detail: str, retry_after_s: int = 5) -> None:
        super().__init__(detail, retry_after_s)


class StorageFull(NodeError):
    status_code = 507

"""Domain errors of the local node, each with the HTTP status it maps to (mapped once, in main).

NodeError
├── NotAuthenticated        401  missing or unknown key/token
├── Forbidden               403  authenticated, but not allowed
├── NotFound                404
├── ImageDamaged            410  an acknowledged image is missing, truncated or altered on disk
├── PayloadTooLarge         413  body or image over the limit
├── UnsupportedMedia        415  image is not JPEG/PNG by content
├── InvalidInput            422  metadata that does not validate
├── Overloaded              503  too many reads waiting for the writer (Retry-After)
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


class NotAuthenticated(NodeError):
    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(NodeError):
    status_code = 403


class NotFound(NodeError):
    status_code = 404


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


class StorageFull(NodeError):
    status_code = 507

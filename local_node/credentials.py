"""API keys, tokens and ingest URL tokens: made with `secrets`, stored only as SHA-256 digests.

The keys are 256-bit random strings, so a fast digest is enough to make a stolen database
useless for authenticating (there is nothing to brute-force), and it keeps the per-request
lookup to one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

CAMERA_KEY_PREFIX = "esc_"
TOKEN_PREFIX = "est_"
URL_TOKEN_PREFIX = "esu_"
"""A camera's ingest URL token: its own credential, good only in ``/api/v1/ingest/<vendor>/k/``."""
INGEST_PREFIX = "/api/v1/ingest/"
"""Every camera ingest route is under this; only these take a URL token."""


@dataclass
class CachedCredential:
    """Who a key or token proved to be: a camera (ingest) or a token's role (the local API).

    Kept here, below the composition root, so that ingest and auth depend on the identity
    rather than on `local_node.services` (which builds ingest).
    """

    subject: str
    name: str
    expires: float
    token_id: str | None = None  # a token's id (for the audit log), never its secret


def new_secret(prefix: str) -> str:
    """A new random key with a recognisable prefix (helps secret scanners and people)."""
    return prefix + secrets.token_urlsafe(32)


def ingest_path(vendor: str, token: str) -> str:
    """The path a camera posts to with its URL token (``vendor`` may be a ``{vendor}`` blank)."""
    return f"{INGEST_PREFIX}{vendor}/k/{token}"


def digest(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a, b)


def new_id() -> str:
    """A short random id for cameras and tokens."""
    return secrets.token_hex(8)

"""Webhook signatures shared by both sides: ``X-Edgesync-Signature: sha256=HEX`` over ``ts.body``.

Pure, standard library only. The sender puts the Unix time (whole seconds) in
``X-Edgesync-Timestamp`` and ``sha256=`` + hex HMAC-SHA256(secret, ``b"<timestamp>." + body``)
in ``X-Edgesync-Signature``. Signing the timestamp with the body lets a receiver reject
replays older than its tolerance; comparing in constant time keeps the secret from leaking
through timing. The cloud's alert webhooks and the node's offline fallback sign the same
way, so one receiver serves both (moved here from ``cloud_plane.alerts.signing``, which is
to import it from here).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

TIMESTAMP_HEADER = "X-Edgesync-Timestamp"
SIGNATURE_HEADER = "X-Edgesync-Signature"
DELIVERY_HEADER = "X-Edgesync-Delivery"
SCHEME = "sha256="
DEFAULT_TOLERANCE = timedelta(minutes=5)


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def verify_webhook_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """Return True if ``signature`` is ours for ``body`` and ``timestamp`` is within ``tolerance``.

    For receivers: pass the raw request body (before any JSON parsing) and the two
    headers. A timestamp too far in the past or the future is a replay or a broken
    clock, and fails like a wrong signature does.
    """
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    sent_at = int(timestamp)
    if abs(now.timestamp() - sent_at) > tolerance.total_seconds():
        return False
    expected = sign_webhook(secret, timestamp, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))
